"""The edge end to end: the real Envoy binary in front of the real server (each backend).

REST/JSON (transcoding, google.rpc.Status errors with HTTP codes), gRPC-Web (hand-framed,
as a browser sends it), CORS, and Envoy's lifecycle. Server streaming with the real
InferenceService.StreamChatCompletion (SSE over REST, gRPC-Web frames, arrival times, client
disconnect) is in ``test_streaming.py``; here the same RPC failing after its first message
(the inference endpoint down), which a REST client over HTTP/1.1 sees in trailers.

Callers get distinct X-Forwarded-For headers, like ``client_factory``. Through Envoy that
does not separate their rate-limit buckets: Envoy appends the peer it saw and the server
trusts only that last hop, so every caller here is this machine (keep sign-ups few).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import signal
import socket
import sys

import httpx
import pytest
from google.rpc import error_details_pb2, status_pb2
from helpers import PASSWORD, free_port, unique_email
from stacks import start_stack, stop_stack

from privexbot.dev import edge as edge_module
from privexbot.v1 import auth_pb2

from .conftest import envoy_for

pytestmark = pytest.mark.envoy

GRPC_WEB = {"content-type": "application/grpc-web+proto", "x-grpc-web": "1"}
ORIGIN = "http://localhost:5173"
_addresses = itertools.count(1)


@pytest.fixture
async def http(edge):
    """A factory of keep-alive HTTP clients on Envoy, each a distinct X-Forwarded-For."""
    made = []

    def make(**headers) -> httpx.AsyncClient:
        n = next(_addresses)
        headers.setdefault("x-forwarded-for", f"198.51.{n // 250 % 250}.{n % 250 + 1}")
        client = httpx.AsyncClient(base_url=edge, headers=headers, timeout=10)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


async def rest_sign_up(client: httpx.AsyncClient) -> tuple[str, str]:
    email = unique_email("edge")
    reply = await client.post(
        "/v1/auth/email:signUp",
        json={"email": email, "password": PASSWORD, "displayName": "x"},
    )
    assert reply.status_code == 200, reply.text
    return email, reply.json()["accessToken"]


# ---- gRPC-Web framing --------------------------------------------------------------------


def grpc_web_body(message) -> bytes:
    payload = message.SerializeToString()
    return b"\x00" + len(payload).to_bytes(4, "big") + payload


def grpc_web_frames(body: bytes) -> tuple[list[bytes], dict[str, str]]:
    """(data frames, trailers) of a gRPC-Web response body."""
    messages, trailers, offset = [], {}, 0
    while offset < len(body):
        flag, length = body[offset], int.from_bytes(body[offset + 1 : offset + 5], "big")
        chunk = body[offset + 5 : offset + 5 + length]
        assert len(chunk) == length, "truncated gRPC-Web frame"
        offset += 5 + length
        if flag & 0x80:
            for line in chunk.decode().split("\r\n"):
                if line:
                    key, _, value = line.partition(":")
                    trailers[key.strip().lower()] = value.strip()
        else:
            assert flag == 0, f"compressed frame (flag {flag:#x}) not expected"
            messages.append(chunk)
    return messages, trailers


def grpc_web_outcome(reply: httpx.Response) -> tuple[list[bytes], dict[str, str]]:
    """Data frames and the call's status: from the trailer frame, or from the headers of a
    trailers-only reply (an error before any message)."""
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/grpc-web")
    messages, trailers = grpc_web_frames(reply.content)
    if "grpc-status" not in trailers:
        trailers = {k: v for k, v in reply.headers.items() if k.startswith("grpc-")}
    return messages, trailers


def decode_status(details_bin: str) -> status_pb2.Status:
    return status_pb2.Status.FromString(
        base64.b64decode(details_bin + "=" * (-len(details_bin) % 4))
    )


# ---- REST --------------------------------------------------------------------------------


async def test_rest_sign_up_then_current_user(http):
    client = http()
    email, token = await rest_sign_up(client)
    reply = await client.get("/v1/auth/me", headers={"authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert body["user"]["email"] == email
    # camelCase JSON names; primitives printed even when empty.
    assert body["user"]["displayName"] == "x"
    assert body["organization"].startswith("organizations/")
    assert body["memberships"][0]["organization"] == body["organization"]


async def test_rest_missing_credentials_is_401_with_error_info(http):
    reply = await http().get("/v1/auth/me")
    assert reply.status_code == 401
    body = reply.json()
    assert body["code"] == 16
    assert body["message"]
    infos = [d for d in body["details"] if d["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"]
    assert len(infos) == 1
    assert infos[0]["reason"] == "CREDENTIALS_MISSING"
    assert infos[0]["domain"] == "privexbot.io"


async def test_rest_weak_password_is_400_naming_the_field(http):
    reply = await http().post(
        "/v1/auth/email:signUp", json={"email": unique_email(), "password": "short"}
    )
    assert reply.status_code == 400
    body = reply.json()
    assert body["code"] == 3
    bad = [d for d in body["details"] if d["@type"] == "type.googleapis.com/google.rpc.BadRequest"]
    assert len(bad) == 1
    assert [v["field"] for v in bad[0]["fieldViolations"]] == ["password"]
    assert all(v["description"] for v in bad[0]["fieldViolations"])


async def test_rest_unknown_path_is_404_status_json(http):
    reply = await http().get("/v1/no/such/thing")
    assert reply.status_code == 404  # not 503: reject_unknown_method
    assert reply.headers["content-type"] == "application/json"
    assert reply.json()["code"] == 5


async def test_rest_unknown_query_parameter_is_400(http):
    reply = await http().get("/v1/auth/me", params={"nosuch": "1"})
    assert reply.status_code == 400
    assert reply.json()["code"] == 3
    assert "nosuch" in reply.json()["message"]


async def test_rest_malformed_json_is_400_status_json(http):
    reply = await http().post(
        "/v1/auth/email:logIn", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert reply.status_code == 400
    assert reply.json()["code"] == 3


async def test_rest_request_id_round_trips(http):
    reply = await http().get("/v1/auth/me", headers={"x-request-id": "edge-test-42"})
    assert reply.status_code == 401
    assert reply.headers["x-request-id"] == "edge-test-42"


# ---- gRPC-Web ----------------------------------------------------------------------------


async def test_grpc_web_sign_up_log_in_and_current_user(http):
    client = http(**GRPC_WEB)
    email = unique_email("web")
    reply = await client.post(
        "/privexbot.v1.AuthService/SignUpWithEmail",
        content=grpc_web_body(
            auth_pb2.SignUpWithEmailRequest(email=email, password=PASSWORD, display_name="web")
        ),
    )
    messages, trailers = grpc_web_outcome(reply)
    assert trailers["grpc-status"] == "0", trailers
    assert len(messages) == 1
    assert auth_pb2.AuthSession.FromString(messages[0]).user.email == email

    reply = await client.post(
        "/privexbot.v1.AuthService/LogInWithEmail",
        content=grpc_web_body(auth_pb2.LogInWithEmailRequest(email=email, password=PASSWORD)),
    )
    messages, trailers = grpc_web_outcome(reply)
    # A successful call ends with the trailer frame (flag 0x80), not headers.
    assert grpc_web_frames(reply.content)[1]["grpc-status"] == "0"
    session = auth_pb2.AuthSession.FromString(messages[0])
    assert session.access_token and not session.new_user

    reply = await client.post(
        "/privexbot.v1.AuthService/GetCurrentUser",
        content=grpc_web_body(auth_pb2.GetCurrentUserRequest()),
        headers={"authorization": f"Bearer {session.access_token}"},
    )
    messages, trailers = grpc_web_outcome(reply)
    assert trailers["grpc-status"] == "0", trailers
    assert auth_pb2.CurrentUser.FromString(messages[0]).user.email == email


async def test_grpc_web_error_carries_rich_status(http):
    reply = await http(**GRPC_WEB).post(
        "/privexbot.v1.AuthService/GetCurrentUser",
        content=grpc_web_body(auth_pb2.GetCurrentUserRequest()),
    )
    messages, trailers = grpc_web_outcome(reply)
    assert messages == []
    assert trailers["grpc-status"] == "16"
    status = decode_status(trailers["grpc-status-details-bin"])
    assert status.code == 16
    infos = [d for d in status.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    assert len(infos) == 1
    info = error_details_pb2.ErrorInfo()
    infos[0].Unpack(info)
    assert (info.reason, info.domain) == ("CREDENTIALS_MISSING", "privexbot.io")


# ---- CORS --------------------------------------------------------------------------------


async def test_cors_preflight_allows_grpc_web_from_the_dev_origin(http):
    reply = await http().options(
        "/privexbot.v1.AuthService/GetCurrentUser",
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,x-grpc-web,authorization",
        },
    )
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    allowed = {h.strip() for h in reply.headers["access-control-allow-headers"].split(",")}
    assert {
        "content-type",
        "x-grpc-web",
        "authorization",
        "x-api-key",
        "x-publishable-key",
        "grpc-timeout",
    } <= allowed
    methods = {m.strip() for m in reply.headers["access-control-allow-methods"].split(",")}
    assert {"GET", "POST", "PATCH", "DELETE"} <= methods
    assert int(reply.headers["access-control-max-age"]) > 0


async def test_cors_exposes_grpc_status_on_actual_responses(http):
    reply = await http(origin=ORIGIN, **GRPC_WEB).post(
        "/privexbot.v1.AuthService/GetCurrentUser",
        content=grpc_web_body(auth_pb2.GetCurrentUserRequest()),
    )
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    exposed = {h.strip() for h in reply.headers["access-control-expose-headers"].split(",")}
    assert {"grpc-status", "grpc-message", "grpc-status-details-bin"} <= exposed


# ---- a stream that fails after its first message ---------------------------------------


@pytest.fixture
async def dead_upstream_edge(envoy_binary, tmp_path_factory):
    """Envoy in front of a real server (SQLite) whose inference endpoint is down."""
    stack = await start_stack(
        "sqlite",
        tmp_path_factory.mktemp("dead-upstream"),
        inference_base_url=f"http://127.0.0.1:{free_port()}/v1",
        inference_api_key="sk-nobody-listens",
    )
    envoy = envoy_for(stack)
    try:
        await envoy.astart()
        yield envoy
    finally:
        await envoy.astop()
        await stop_stack(stack)


@pytest.fixture
async def short_deadline_edge(envoy_binary, tmp_path_factory, enclave):
    """Envoy in front of a real server whose streams may run 3 s (STREAM_DEADLINE_SECONDS)."""
    stack = await start_stack(
        "sqlite",
        tmp_path_factory.mktemp("short-deadline"),
        inference_base_url=enclave.base_url,
        inference_api_key=enclave.api_key,
        stream_deadline_seconds=3.0,
    )
    envoy = envoy_for(stack)
    try:
        await envoy.astart()
        yield envoy.url
    finally:
        await envoy.astop()
        await stop_stack(stack)


async def rest_workspace(client: httpx.AsyncClient) -> tuple[str, str]:
    _, token = await rest_sign_up(client)
    me = await client.get("/v1/auth/me", headers={"authorization": f"Bearer {token}"})
    return token, me.json()["workspace"]


async def test_rest_stream_that_cannot_start_is_a_clean_http_error(dead_upstream_edge):
    """Nothing is streamed before the upstream answered: REST clients get a JSON status."""
    async with httpx.AsyncClient(base_url=dead_upstream_edge.url, timeout=30) as client:
        token, workspace = await rest_workspace(client)
        reply = await client.post(
            f"/v1/{workspace}/chatCompletions:stream",
            headers={"authorization": f"Bearer {token}"},
            json={"messages": [{"role": "ROLE_USER", "content": "hi"}]},
        )
    assert reply.status_code == 503, reply.text
    body = reply.json()
    assert body["code"] == 14 and "unreachable" in body["message"]
    (info,) = [d for d in body["details"] if d["@type"].endswith("ErrorInfo")]
    assert (info["reason"], info["domain"]) == ("INFERENCE_UNAVAILABLE", "privexbot.io")


async def test_rest_stream_error_midway_arrives_in_http1_trailers(short_deadline_edge):
    """A stream that fails after events were sent (here: the server's stream deadline) ends
    with the gRPC status in HTTP/1.1 trailers, which Envoy is configured to send."""
    edge = short_deadline_edge
    async with httpx.AsyncClient(base_url=edge, timeout=30) as client:
        token, workspace = await rest_workspace(client)
    body = json.dumps(
        {
            "messages": [
                {"role": "ROLE_USER", "content": "Write a very long story about a dragon."}
            ],
            "maxTokens": 1500,
            # Greedy, so the answer is the same long one every run: sampled at temperature 1
            # the model now and then ended its story within the 3 s deadline.
            "temperature": 0,
            "seed": 7,
        }
    ).encode()
    port = int(edge.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST /v1/{workspace}/chatCompletions:stream HTTP/1.1\r\nHost: edge\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"TE: trailers\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n".encode()
        + body
    )
    raw = (await asyncio.wait_for(reader.read(), 30)).decode()
    writer.close()
    head, _, chunks = raw.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 200") and "transfer-encoding: chunked" in head.lower()
    assert 'data: {"attestation"' in chunks  # an event went out, then the failure
    _, _, trailers = chunks.partition("\r\n0\r\n")
    fields = dict(
        (key.strip().lower(), value.strip())
        for key, _, value in (line.partition(":") for line in trailers.split("\r\n") if line)
    )
    assert fields.get("grpc-status") == "4", chunks[-600:]  # DEADLINE_EXCEEDED
    status = decode_status(fields["grpc-status-details-bin"])
    (detail,) = [d for d in status.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    info = error_details_pb2.ErrorInfo()
    detail.Unpack(info)
    assert (info.reason, info.domain) == ("DEADLINE_EXCEEDED", "privexbot.io")


# ---- lifecycle and config ----------------------------------------------------------------


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


async def test_envoy_starts_and_stops_cleanly(stack, envoy_binary):
    envoy = envoy_for(stack)
    await envoy.astart()
    pid, port = envoy.process.pid, envoy.port
    assert envoy.running and port > 0
    async with httpx.AsyncClient(base_url=envoy.url) as client:
        assert (await client.get("/v1/auth/me")).status_code == 401
    assert await envoy.astop() == 0  # SIGTERM was enough
    assert not envoy.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert _port_is_free(port)
    assert await envoy.astop() == 0  # idempotent


async def test_envoy_start_failure_says_why(stack, envoy_binary, tmp_path):
    bad = tmp_path / "envoy.yaml"
    bad.write_text(edge_module.TEMPLATE.read_text().replace("privexbot.v1.BotService", "nope.X"))
    envoy = edge_module.Envoy("127.0.0.1", stack.running.port, port=0, admin_port=0, template=bad)
    with pytest.raises(edge_module.EdgeError, match="nope.X"):
        await envoy.astart()
    assert not envoy.running


async def test_envoy_waits_for_a_healthy_server_and_says_so(envoy_binary):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    envoy = edge_module.Envoy("127.0.0.1", closed, port=0, admin_port=0, ready_timeout=1.5)
    with pytest.raises(edge_module.EdgeError, match="gRPC health checks"):
        await envoy.astart()
    assert not envoy.running


async def test_serve_with_envoy_runs_the_stack_until_sigterm(tmp_path, envoy_binary):
    environ = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/p.db",
        "MILVUS_URI": str(tmp_path / "m.db"),
        "GRPC_ADDRESS": "127.0.0.1:0",
        "ENVOY_PORT": "0",
        "ENVOY_ADMIN_PORT": "0",
        "LOG_LEVEL": "WARNING",
        "INFERENCE_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "INFERENCE_API_KEY": "dev-stack-test-key",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "privexbot.cli", "serve", "--migrate", "--with-envoy",
        "--with-enclave", env=environ, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    lines = []
    try:
        async with asyncio.timeout(180):  # the enclave loads real models
            while not lines or "ready" not in lines[-1]:
                line = (await process.stdout.readline()).decode()
                assert line, "exited early:\n" + "".join(lines)
                lines.append(line)
        said = "".join(lines)
        url = next(line.split()[-1] for line in lines if "REST, gRPC-Web" in line)
        assert "not attested: development" in said
        demo = next(
            word
            for line in lines
            if "Widget demo" in line
            for word in line.split()
            if "://" in word
        )
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            assert (await client.get("/v1/auth/me")).status_code == 401
            page = await client.get(demo)  # the printed demo page, and the widget it loads
            assert page.status_code == 200 and "PrivexBot widget demo" in page.text
            assert (await client.get("/widget/widget.js")).status_code == 200
            session = (
                await client.post(
                    "/v1/auth/email:signUp",
                    json={
                        "email": unique_email("stack"),
                        "password": PASSWORD,
                    },
                )
            ).json()
            reply = await client.post(
                f"/v1/{session['workspace']}/chatCompletions:stream",
                headers={"authorization": f"Bearer {session['accessToken']}"},
                json={"messages": [{"role": "ROLE_USER", "content": "Say hi."}], "maxTokens": 8},
            )
            assert reply.status_code == 200, reply.text
            events = [json.loads(e[len("data: ") :]) for e in reply.text.split("\n\n") if e.strip()]
            assert "attestation" in events[0] and any("delta" in e for e in events)
            assert events[-1]["finish"]["model"] == "smollm2-135m-instruct"
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            rest = (await process.stdout.read()).decode()
            code = await process.wait()
    assert code == 0, rest
    assert "stopped" in rest


def test_render_names_missing_placeholders(tmp_path):
    with pytest.raises(edge_module.EdgeError, match="DESCRIPTOR_PATH.*GRPC_HOST"):
        edge_module.render(edge_module.TEMPLATE, tmp_path / "out.yaml", ENVOY_PORT=1)
