"""Test helpers: sign up users, assert on rich gRPC errors."""

from __future__ import annotations

import contextlib
import itertools
import secrets
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from privexbot.client import error_details
from privexbot.v1 import auth_pb2

PASSWORD = "correct horse battery staple 42"
# Real SecretVM attestation samples (scrtlabs/secretvm-verify, MIT; see its README.md),
# copied unchanged from the workplace's shared/testdata so that any clone runs the tests.
SECRETVM_TESTDATA = Path(__file__).resolve().parent / "data" / "secretvm"


@dataclass
class SignedUp:
    email: str
    session: auth_pb2.AuthSession

    @property
    def organization(self) -> str:
        return self.session.organization

    @property
    def workspace(self) -> str:
        return self.session.workspace


_callers = itertools.count(1)


def caller_address() -> str:
    """An address no other caller of this test run has (the server trusts the tests'
    X-Forwarded-For), so per-IP limits of one test do not leak into the next."""
    n = next(_callers)
    return f"198.18.{n // 250 % 250}.{n % 250 + 1}"


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{secrets.token_hex(5)}@example.com"


async def sign_up(client, tag: str = "user", password: str = PASSWORD) -> SignedUp:
    """Sign up a fresh user and put their access token on ``client``."""
    email = unique_email(tag)
    session = await client.auth.SignUpWithEmail(
        auth_pb2.SignUpWithEmailRequest(email=email, password=password, display_name=tag)
    )
    client.access_token = session.access_token
    return SignedUp(email, session)


@contextlib.asynccontextmanager
async def raises(code: grpc.StatusCode, reason: str | None = None, fields: set[str] | None = None):
    """Expect the block to fail with ``code`` (and ErrorInfo ``reason``, violated ``fields``)."""
    with pytest.raises(grpc.aio.AioRpcError) as info:
        yield info
    details = error_details(info.value)
    assert details.code == code, f"{details.code} {details.reason}: {details.message}"
    if reason is not None:
        assert details.reason == reason, f"{details.reason}: {details.message}"
        assert details.domain == "privexbot.io"
    if fields is not None:
        assert set(details.field_violations) == fields, details.field_violations
    info.details = details


async def join(owner, invitee, organization: str, role: int, workspaces=()) -> SignedUp:
    """Sign ``invitee`` up and bring them into ``organization`` through a real invitation.

    ``workspaces``: (workspace name, WorkspaceRole) pairs granted on acceptance.
    """
    from privexbot.v1 import tenant_pb2

    user = await sign_up(invitee, "invitee")
    grants = [tenant_pb2.Invitation.WorkspaceGrant(workspace=w, role=r) for w, r in workspaces]
    invitation = await owner.tenant.CreateInvitation(
        tenant_pb2.CreateInvitationRequest(
            parent=organization,
            invitation=tenant_pb2.Invitation(email=user.email, role=role, workspaces=grants),
        )
    )
    await invitee.tenant.AcceptInvitation(
        tenant_pb2.AcceptInvitationRequest(token=invitation.token)
    )
    return user


class RpcLines:
    """A stream for the server's per-RPC log lines (``logs.rpc_log``): each line parsed,
    kept by its request id (the ``rpc_lines`` fixture installs one)."""

    def __init__(self) -> None:
        self.by_request_id: dict[str, dict] = {}

    def write(self, text: str) -> None:
        import json

        for line in text.splitlines():
            fields = json.loads(line)
            self.by_request_id[fields["request_id"]] = fields

    async def line(self, request_id: str) -> dict | None:
        """The line of one call, or None. It is written as the server's handler unwinds,
        which can be just after the client has its answer: wait for it briefly."""
        import asyncio

        for _ in range(200):
            fields = self.by_request_id.get(request_id)
            if fields is not None:
                return fields
            await asyncio.sleep(0.005)
        return None


async def authz_decision(rpc_lines: RpcLines, request_id: str) -> str:
    """The server's authorization decision for one call, from its structured log line."""
    fields = await rpc_lines.line(request_id)
    return "no log line" if fields is None else fields["authz"]


def free_port() -> int:
    """A TCP port free on loopback right now (for processes that need a fixed port)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """The ids of the processes whose parent is ``pid`` (a server's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found
