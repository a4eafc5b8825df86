"""An inference endpoint that hangs is a fault the caller hears about in seconds.

The real server, pointed at an endpoint that accepts and then says nothing (before the
first token, or after it): the stream ends UNAVAILABLE with INFERENCE_FIRST_TOKEN_TIMEOUT or
INFERENCE_STALLED and RetryInfo after the configured silence, instead of holding the caller
for three 60 s read timeouts and answering INTERNAL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import grpc
import pytest
from helpers import error_details, free_port, sign_up
from stacks import start_stack, stop_stack

from privexbot.client import Client
from privexbot.v1 import inference_pb2

FIRST_TOKEN_SECONDS, IDLE_SECONDS = 1.5, 1.0
USER = inference_pb2.ChatCompletionMessage.ROLE_USER


class SilentEndpoint:
    """Answers OpenAI-style streaming requests with nothing (``first_token=False``) or with
    one token and then nothing; keeps every connection open until closed."""

    def __init__(self) -> None:
        self.port, self.first_token = free_port(), False
        self._server: asyncio.Server | None = None
        self._held: list[asyncio.StreamWriter] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._answer, "127.0.0.1", self.port)

    async def stop(self) -> None:
        for writer in self._held:
            writer.transport.abort()
        self._server.close()
        await self._server.wait_closed()

    async def _answer(self, reader, writer) -> None:
        self._held.append(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            if self.first_token:
                chunk = {"choices": [{"index": 0, "delta": {"content": "Hello"}}]}
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\n\r\n"
                )
                event = f"data: {json.dumps(chunk)}\n\n".encode()
                writer.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                await writer.drain()
            await reader.read()  # and then nothing, until the client goes away


@pytest.fixture
async def silent(tmp_path):
    endpoint = SilentEndpoint()
    await endpoint.start()
    stack = await start_stack(
        "sqlite",
        tmp_path,
        inference_base_url=endpoint.base_url,
        inference_first_token_timeout_seconds=FIRST_TOKEN_SECONDS,
        inference_idle_timeout_seconds=IDLE_SECONDS,
    )
    client = Client(stack.target)
    me = await sign_up(client, "silent")
    yield endpoint, client, me.session.workspace
    await client.close()
    await stop_stack(stack)
    await endpoint.stop()


def _request(workspace: str) -> inference_pb2.StreamChatCompletionRequest:
    return inference_pb2.StreamChatCompletionRequest(
        parent=workspace, messages=[inference_pb2.ChatCompletionMessage(role=USER, content="hi")]
    )


async def _until_refused(call) -> tuple[list[str], grpc.aio.AioRpcError, float]:
    started, kinds = time.monotonic(), []
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        async for event in call:
            kinds.append(event.WhichOneof("event"))
    return kinds, refused.value, time.monotonic() - started


@pytest.mark.parametrize(
    "first_token, reason, silence",
    [
        (False, "INFERENCE_FIRST_TOKEN_TIMEOUT", FIRST_TOKEN_SECONDS),
        (True, "INFERENCE_STALLED", IDLE_SECONDS),
    ],
)
async def test_a_silent_endpoint_ends_the_stream_unavailable(silent, first_token, reason, silence):
    endpoint, client, workspace = silent
    endpoint.first_token = first_token
    kinds, refused, took = await _until_refused(
        client.inference.StreamChatCompletion(_request(workspace))
    )
    details = error_details(refused)
    assert (details.code, details.reason) == (grpc.StatusCode.UNAVAILABLE, reason)
    assert details.retry_delay_seconds > 0
    assert silence <= took < silence + 3
    assert kinds == (["attestation", "delta"] if first_token else [])


@pytest.fixture
async def doomed_enclave(tmp_path):
    """A real enclave process of this test's own, to be killed mid-stream."""
    from conftest import require_enclave_installed

    from privexbot.dev.local_enclave import LocalEnclave

    require_enclave_installed()
    local = LocalEnclave(
        f"http://127.0.0.1:{free_port()}/v1", "sk-doomed-test", log_path=tmp_path / "enclave.log"
    )
    await local.start()
    yield local
    await local.stop()


async def test_an_enclave_killed_mid_stream_ends_it_unavailable(doomed_enclave, tmp_path):
    stack = await start_stack(
        "sqlite",
        tmp_path,
        inference_base_url=doomed_enclave.base_url,
        inference_api_key=doomed_enclave.api_key,
    )
    client = Client(stack.target)
    try:
        me = await sign_up(client, "killed")
        request = inference_pb2.StreamChatCompletionRequest(
            parent=me.session.workspace,
            messages=[
                inference_pb2.ChatCompletionMessage(
                    role=USER, content="Write a very long story about a dragon, with many chapters."
                )
            ],
            max_tokens=2000,
        )
        kinds = []
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            async for event in client.inference.StreamChatCompletion(request):
                kinds.append(event.WhichOneof("event"))
                if kinds.count("delta") == 5:
                    doomed_enclave.process.kill()
        details = error_details(refused.value)
        assert (details.code, details.reason) == (
            grpc.StatusCode.UNAVAILABLE,
            "INFERENCE_UNAVAILABLE",
        ), details.message
        assert kinds.count("delta") >= 5 and "finish" not in kinds
    finally:
        await client.close()
        await stop_stack(stack)
