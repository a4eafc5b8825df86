"""Chatflow secrets: credentials HTTP nodes name by id (``{"auth": {"secret": "<id>"}}``),
so no graph, run or event ever holds them. Stored sealed (AES-GCM under a key derived from
``CHATFLOW_SECRETS_KEY``, the row's id as associated data); listed without values; a run
that uses one redacts it from everything it shows."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from privexbot.kernel import pagination, resources
from privexbot.kernel.errors import AlreadyExists, not_found
from privexbot.kernel.resources import Scope
from privexbot.store import audit
from privexbot.store.flow_models import ChatflowSecret


@dataclass(frozen=True)
class SecretView:
    name: str
    created_at: datetime


class Secrets:
    def __init__(self, sessions, key: str) -> None:
        self._sessions = sessions
        self._aead = AESGCM(hashlib.sha256(b"chatflow-secrets:" + key.encode()).digest())

    def _seal(self, row_id: str, value: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, value.encode(), row_id.encode())
        return base64.b64encode(nonce + sealed).decode()

    def _open(self, row: ChatflowSecret) -> str:
        raw = base64.b64decode(row.value)
        return self._aead.decrypt(raw[:12], raw[12:], row.id.encode()).decode()

    @staticmethod
    def _name(scope: Scope, secret_id: str) -> str:
        return resources.CHATFLOW_SECRET.name(scope.organization_id, scope.workspace_id, secret_id)

    async def create(self, scope: Scope, secret_id: str, value: str) -> SecretView:
        name = self._name(scope, secret_id)
        row = ChatflowSecret(
            **scope.columns,
            secret_id=secret_id,
            value="",
        )
        try:
            async with self._sessions() as session, session.begin():
                session.add(row)
                await session.flush()
                row.value = self._seal(row.id, value)
                audit.record(
                    session, "chatflow_secret.create", organization_id=scope.organization_id,
                    resource=name,
                )  # fmt: skip
        except IntegrityError:
            raise AlreadyExists(
                "SECRET_EXISTS", f"{name} exists; delete it first", {"resource": name}
            ) from None
        return SecretView(name, row.created_at)

    async def list(self, scope: Scope, size: int, token: str) -> tuple[list[SecretView], str]:
        query_id = ("chatflow_secrets", scope.workspace_id)
        query = select(ChatflowSecret).where(
            ChatflowSecret.organization_id == scope.organization_id,
            ChatflowSecret.workspace_id == scope.workspace_id,
        )
        async with self._sessions() as session:
            rows = list(
                await session.scalars(
                    pagination.keyset(query, ChatflowSecret.secret_id, size, token, query_id)
                )
            )
        page, next_token = pagination.page(rows, size, lambda r: r.secret_id, query_id)
        return [SecretView(self._name(scope, r.secret_id), r.created_at) for r in page], next_token

    async def _row(self, session, scope: Scope, secret_id: str) -> ChatflowSecret | None:
        return (
            await session.execute(
                select(ChatflowSecret).where(
                    ChatflowSecret.organization_id == scope.organization_id,
                    ChatflowSecret.workspace_id == scope.workspace_id,
                    ChatflowSecret.secret_id == secret_id,
                )
            )
        ).scalar()

    async def delete(self, scope: Scope, secret_id: str) -> None:
        name = self._name(scope, secret_id)
        async with self._sessions() as session, session.begin():
            row = await self._row(session, scope, secret_id)
            if row is None:
                raise not_found(name)
            await session.delete(row)
            audit.record(
                session, "chatflow_secret.delete", organization_id=scope.organization_id,
                resource=name,
            )  # fmt: skip

    async def value(self, scope: Scope, secret_id: str) -> str | None:
        """The secret's value for a node of a run in ``scope``; None when it is missing."""
        async with self._sessions() as session:
            row = await self._row(session, scope, secret_id)
        return None if row is None else self._open(row)
