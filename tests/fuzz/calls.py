"""Making one fuzz call, over gRPC or REST, and judging what came back: INTERNAL, UNKNOWN
and DATA_LOSS are bugs (the server failed on input it should have refused), as is an error
without the server's ErrorInfo, a 500, an Envoy reply that did not come from the server,
or a server that stopped serving."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
from dataclasses import dataclass

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, event, settings

from privexbot.client import error_details
from privexbot.kernel import contract

from .rest import RestCall

# The bounded run of `make test` (reproducible: derandomized); bench/fuzz.py sets these for
# the long mode.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
SEED = os.environ.get("FUZZ_SEED")
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED is None,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
# Per case: room to shrink a failure, call by call, before it is reported; none in the long
# mode (thousands of examples).
TIMEOUT = 0 if SEED else 900
UNARY_SECONDS, STREAM_SECONDS = 10, 4
BUGS = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS}
# Statuses this client makes itself (its deadline, its cancel): no ErrorInfo expected.
CLIENT_SIDE = {grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}
HTTP_BUGS = {500}
_addresses = itertools.count(1)


def fresh_address() -> str:
    """A caller address of its own (198.19.0.0/16, apart from the other tests' 198.18/16),
    so per-address rate limits do not stop the fuzzer from reaching the handlers."""
    n = next(_addresses)
    return f"198.19.{n // 250 % 250}.{n % 250 + 1}"


def ordered(specs) -> list[contract.MethodSpec]:
    """RPCs in an order where those that remove what later ones name come last."""

    def rank(spec: contract.MethodSpec) -> int:
        if spec.name in ("DeleteOrganization", "DeleteWorkspace"):
            return 2 + (spec.name == "DeleteOrganization")
        destructive = ("Delete", "Remove", "Revoke", "Cancel", "Unlink", "ChangePlan", "LogOut")
        return 1 if spec.name.startswith(destructive) else 0

    return sorted(specs, key=rank)


@dataclass
class Outcome:
    code: grpc.StatusCode
    reason: str = ""
    message: str = ""
    fields: tuple[str, ...] = ()  # the field violations' fields


async def call_grpc(channel, spec: contract.MethodSpec, payloads: list[bytes], metadata):
    """Send raw request bytes; a server stream is read for at most three messages, then
    cancelled (a chat's reply is not generated for every example)."""
    try:
        if spec.client_streaming:

            async def stream():
                for payload in payloads:
                    yield payload

            await channel.stream_unary(spec.path)(
                stream(), metadata=metadata, timeout=UNARY_SECONDS
            )
        elif spec.server_streaming:
            call = channel.unary_stream(spec.path)(
                payloads[0], metadata=metadata, timeout=STREAM_SECONDS
            )
            for _ in range(3):
                if await call.read() is grpc.aio.EOF:
                    break
            call.cancel()
            code = await call.code()
            if code not in (grpc.StatusCode.OK, grpc.StatusCode.CANCELLED):
                return Outcome(code, message=await call.details())
        else:
            await channel.unary_unary(spec.path)(
                payloads[0], metadata=metadata, timeout=UNARY_SECONDS
            )
    except grpc.aio.AioRpcError as error:
        try:
            details = error_details(error)
        except ValueError:  # a status whose details disagree with its code
            return Outcome(error.code(), "", error.details() or "")
        fields = tuple(sorted(details.field_violations))
        return Outcome(error.code(), details.reason, error.details() or "", fields)
    return Outcome(grpc.StatusCode.OK)


def grpc_problem(outcome: Outcome) -> str | None:
    """What is wrong with a gRPC outcome, or None."""
    if outcome.code in BUGS:
        return f"{outcome.code.name}: {outcome.message}"
    if (
        outcome.code not in CLIENT_SIDE
        and outcome.code != grpc.StatusCode.OK
        and not outcome.reason
    ):
        return f"{outcome.code.name} without an ErrorInfo: {outcome.message}"
    return None


@dataclass
class HttpOutcome:
    status: int
    grpc_status: str
    body: bytes


async def call_rest(base_url: str, call: RestCall, token: str, request_id: str, streaming: bool):
    """Send one REST call from an address of its own (Envoy puts the peer in
    X-Forwarded-For); a streamed reply is read up to its first chunk."""
    headers = {"authorization": f"Bearer {token}", "x-request-id": request_id}
    if call.content_type:
        headers["content-type"] = call.content_type
    local = "127.19." + fresh_address().split(".", 2)[2]
    # Plain HTTP: verify=False spares loading the CA bundle (150 ms) for every example.
    transport = httpx.AsyncHTTPTransport(local_address=local, verify=False)
    async with httpx.AsyncClient(
        transport=transport, timeout=UNARY_SECONDS, verify=False
    ) as client:
        url = httpx.URL(base_url, raw_path=call.target)
        request = client.build_request(call.verb, url, content=call.body, headers=headers)
        reply = await client.send(request, stream=True)
        try:
            async with asyncio.timeout(STREAM_SECONDS if streaming else UNARY_SECONDS):
                if streaming:
                    body = b""
                    async for chunk in reply.aiter_raw():
                        body = chunk
                        break
                else:
                    body = await reply.aread()
        except TimeoutError:
            body = b""
        finally:
            await reply.aclose()
    status = reply.headers.get("grpc-status", "")
    return HttpOutcome(reply.status_code, status, body)


def rest_problem(outcome: HttpOutcome) -> str | None:
    """What is wrong with a REST outcome, or None."""
    text = outcome.body[:300].decode(errors="replace")
    if outcome.status in HTTP_BUGS or outcome.grpc_status in ("2", "13", "15"):
        return f"HTTP {outcome.status} grpc-status {outcome.grpc_status}: {text}"
    if outcome.status >= 502 and not outcome.grpc_status:
        return f"HTTP {outcome.status} from Envoy itself (the server did not answer): {text}"
    if outcome.status >= 400 and outcome.body:
        try:
            json.loads(outcome.body)["code"]
        except (ValueError, KeyError, TypeError):
            return f"HTTP {outcome.status} without a JSON status: {text}"
    return None


async def grpc_problem_of(channel, spec: contract.MethodSpec, drawn, access_token: str):
    """Send drawn (request, mutation) pairs over gRPC as the caller; (problem, request id)."""
    sent = [
        mutate(m.SerializeToString()) if mutate else m.SerializeToString() for m, mutate in drawn
    ]
    request_id = f"fuzz-{fresh_address().replace('.', '-')}"
    metadata = (
        ("authorization", f"Bearer {access_token}"),
        ("x-forwarded-for", fresh_address()),
        ("x-request-id", request_id),
    )
    outcome = await call_grpc(channel, spec, sent, metadata)
    fields = ",".join(re.sub(r"\[[^]]*\]", "[]", f) for f in outcome.fields[:2])
    event(f"grpc {outcome.code.name} {outcome.reason} {fields}".strip())
    problem = grpc_problem(outcome)
    if problem is None and outcome.code == grpc.StatusCode.UNAVAILABLE:
        health = health_pb2_grpc.HealthStub(channel)
        reply = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        if reply.status != health_pb2.HealthCheckResponse.SERVING:
            problem = "the server stopped serving"
    return problem, request_id


async def rest_problem_of(edge: str, spec: contract.MethodSpec, call: RestCall, access_token: str):
    """Send a drawn REST call through Envoy as the caller; (problem, request id)."""
    request_id = f"fuzz-{fresh_address().replace('.', '-')}"
    outcome = await call_rest(edge, call, access_token, request_id, spec.server_streaming)
    event(f"rest {outcome.status} {outcome.grpc_status}")
    problem = rest_problem(outcome)
    if problem is None and outcome.status == 503:
        async with httpx.AsyncClient(base_url=edge, timeout=5, verify=False) as client:
            if (await client.get("/v1/attestation")).status_code != 200:
                problem = "the server behind Envoy stopped answering"
    return problem, request_id
