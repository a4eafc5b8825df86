"""A BENCHMARK TOOL, never used by the product: an OpenAI-compatible HTTP server that emits
chat-completion tokens at a fixed rate, so ``bench/stream.py`` can measure what the
InferenceService relay adds per stream and per token, and drive hundreds of concurrent
streams (which the real 135M model on 2 cores cannot feed).

Serves, on loopback, with bearer-key auth (``Authorization: Bearer <key>``):
  POST /v1/chat/completions  ``stream: true``: SSE chunks (``chat.completion.chunk``), the
                             usage chunk when ``stream_options.include_usage``, then
                             ``data: [DONE]``; ``stream: false``: one ``chat.completion``;
  GET  /v1/models            ``smollm2-135m-instruct`` (chat) and ``all-minilm-l6-v2``;
  POST /v1/embeddings        with ``--embeddings`` only: the real all-MiniLM-L6-v2 (the
                             enclave's own engine, float or base64 like the enclave), so
                             retrieval costs what it really costs;
  GET  /health, GET /metrics (streams started/completed/disconnected, tokens sent; no auth).
A stream's first token is written ``--first-token-ms`` after the request, then one token
every ``1 / --tokens-per-second`` s on a fixed schedule (no drift), ``max_tokens`` of them
(at most ``--tokens``; ``--tokens`` when unset). A message containing ``[bench: R tokens/s]``
sets that stream's rate to R instead (a benchmark's way through a relay that passes only
the conversation on). Each token's text is the CLOCK_MONOTONIC
time (ns, hex) at which it was written, then a space: a client on this host can measure
each token's delivery latency (``time.monotonic_ns()`` on arrival minus the stamp).
A client that disconnects stops its stream.

Plain asyncio HTTP/1.1 (keep-alive, chunked responses): thousands of tokens/s on one core
with no server framework in the measurement.

    .venv/bin/python bench/upstream.py --port 8399 --api-key sk-bench --tokens-per-second 50

``--port 0`` picks a free port; the first line on stdout is ``listening on http://HOST:PORT``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hmac
import json
import re
import secrets
import signal
import sys
import time
from dataclasses import dataclass

CHAT_MODEL = "smollm2-135m-instruct"
EMBEDDING_MODEL = "all-minilm-l6-v2"
MAX_BODY = 4 * 1024 * 1024
RATE = re.compile(r"\[bench: ([0-9]+(?:\.[0-9]+)?) tokens/s\]")


@dataclass
class Options:
    api_key: str
    tokens_per_second: float
    tokens: int
    first_token_ms: float
    embeddings: bool = False


@dataclass
class Counters:
    streams_started: int = 0
    streams_completed: int = 0
    streams_disconnected: int = 0
    active_streams: int = 0
    tokens_sent: int = 0
    requests: int = 0
    unauthorized: int = 0


class BadRequest(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.kind = status, kind


REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 413: "Too Large"}


def _head(status: int, content_type: str, extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
        f"content-type: {content_type}\r\n{extra}\r\n"
    ).encode()


def _json_reply(status: int, body: dict) -> bytes:
    data = json.dumps(body, separators=(",", ":")).encode()
    return _head(status, "application/json", f"content-length: {len(data)}\r\n") + data


def _error(status: int, message: str, kind: str) -> bytes:
    return _json_reply(status, {"error": {"message": message, "type": kind, "code": None}})


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class Upstream:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.counters = Counters()
        self.created = int(time.time())
        self.embedder = None
        if options.embeddings:
            from privexbot_enclave.models import EmbeddingEngine, find_embedding_model

            self.embedder = EmbeddingEngine(find_embedding_model())
            self.embedder.load()

    # -- HTTP/1.1 ------------------------------------------------------------------------

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if line:
                        key, _, value = line.partition(":")
                        headers[key.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                if length > MAX_BODY:
                    writer.write(_error(413, "request too large", "invalid_request_error"))
                    return
                body = await reader.readexactly(length) if length else b""
                keep = await self.handle(method, path.split("?", 1)[0], headers, body, writer)
                if not keep or headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def handle(self, method, path, headers, body, writer) -> bool:
        """Answer one request; False when the connection must close."""
        self.counters.requests += 1
        if (method, path) in (("GET", "/health"), ("GET", "/healthz")):
            writer.write(_json_reply(200, {"status": "ok"}))
            return True
        if (method, path) == ("GET", "/metrics"):
            writer.write(_json_reply(200, vars(self.counters)))
            return True
        if not path.startswith("/v1/"):
            writer.write(_error(404, f"no route {path}", "invalid_request_error"))
            return True
        presented = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(presented.encode(), self.options.api_key.encode()):
            self.counters.unauthorized += 1
            writer.write(_error(401, "invalid API key", "authentication_error"))
            return True
        try:
            if (method, path) == ("GET", "/v1/models"):
                writer.write(_json_reply(200, self.models()))
                return True
            if (method, path) == ("POST", "/v1/chat/completions"):
                return await self.chat(json.loads(body or b"{}"), writer)
            if (method, path) == ("POST", "/v1/embeddings") and self.embedder is not None:
                return await self.embeddings(json.loads(body or b"{}"), writer)
            raise BadRequest(404, f"no route {method} {path}")
        except (ValueError, TypeError) as exc:
            writer.write(_error(400, f"bad request: {exc}", "invalid_request_error"))
        except BadRequest as exc:
            writer.write(_error(exc.status, str(exc), exc.kind))
        return True

    def models(self) -> dict:
        return {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": self.created, "owned_by": "bench"}
                for m in (CHAT_MODEL, EMBEDDING_MODEL)
            ],
        }

    async def embeddings(self, request: dict, writer: asyncio.StreamWriter) -> bool:
        texts = request.get("input")
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not texts:
            raise BadRequest(400, "input: required")
        vectors, n_tokens = await asyncio.to_thread(self.embedder.embed, texts)
        as_base64 = request.get("encoding_format") == "base64"  # the openai SDK's default
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode()
                if as_base64
                else v.tolist(),
            }
            for i, v in enumerate(vectors)
        ]
        usage = {"prompt_tokens": n_tokens, "total_tokens": n_tokens}
        writer.write(
            _json_reply(
                200, {"object": "list", "data": data, "model": EMBEDDING_MODEL, "usage": usage}
            )
        )
        return True

    # -- chat completions ----------------------------------------------------------------

    async def chat(self, request: dict, writer: asyncio.StreamWriter) -> bool:
        model = request.get("model") or CHAT_MODEL
        if model != CHAT_MODEL:
            raise BadRequest(404, f"the model {model!r} does not exist", "not_found_error")
        messages = request.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest(400, "messages: required")
        wanted = request.get("max_tokens")
        count = self.options.tokens if wanted is None else min(int(wanted), self.options.tokens)
        if count < 1:
            raise BadRequest(400, "max_tokens: must be at least 1")
        finish = "length" if wanted is not None and int(wanted) <= self.options.tokens else "stop"
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages) + 1
        rate = self.options.tokens_per_second
        for message in messages:
            found = RATE.search(str(message.get("content", "")))
            if found and float(found.group(1)) > 0:
                rate = float(found.group(1))
        ident = "chatcmpl-" + secrets.token_hex(8)
        if not request.get("stream"):
            texts = [stamp async for stamp in self.tokens(count, rate)]
            writer.write(
                _json_reply(
                    200,
                    {
                        "id": ident,
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": "".join(texts)},
                                "finish_reason": finish,
                            }
                        ],
                        "usage": {
                            "prompt_tokens": prompt_tokens,
                            "completion_tokens": count,
                            "total_tokens": prompt_tokens + count,
                        },
                    },
                )
            )
            return True
        include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
        return await self.stream(
            writer, ident, model, count, rate, finish, prompt_tokens, include_usage
        )

    async def tokens(self, count: int, rate: float):
        """``count`` stamps, each when it is due: first after ``first_token_ms``, then one
        every 1/rate s, on an absolute schedule."""
        loop = asyncio.get_running_loop()
        start = loop.time() + self.options.first_token_ms / 1000
        interval = 1.0 / rate
        for i in range(count):
            delay = start + i * interval - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            yield f"{time.monotonic_ns():x} "

    async def stream(self, writer, ident, model, count, rate, finish, prompt_tokens, include_usage):
        c = self.counters
        c.streams_started += 1
        c.active_streams += 1
        prefix = (
            f'data: {{"id":"{ident}","object":"chat.completion.chunk","created":'
            f'{int(time.time())},"model":"{model}","choices":[{{"index":0,"delta":'
        ).encode()
        tail = b',"logprobs":null,"finish_reason":null}]}\n\n'
        completed = False
        try:
            writer.write(
                _head(200, "text/event-stream", "cache-control: no-cache\r\n"
                      "transfer-encoding: chunked\r\n")
                + _chunk(prefix + b'{"role":"assistant","content":""}' + tail)
            )  # fmt: skip
            await writer.drain()
            async for text in self.tokens(count, rate):
                if writer.transport.is_closing():
                    raise ConnectionResetError
                writer.write(_chunk(prefix + b'{"content":"' + text.encode() + b'"}' + tail))
                c.tokens_sent += 1
                await writer.drain()
            last = prefix + b'{},"logprobs":null,"finish_reason":"' + finish.encode() + b'"}]}\n\n'
            out = [_chunk(last)]
            if include_usage:
                usage = {
                    "id": ident,
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": count,
                        "total_tokens": prompt_tokens + count,
                    },
                }
                out.append(_chunk(b"data: " + json.dumps(usage).encode() + b"\n\n"))
            out.append(_chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
            writer.write(b"".join(out))
            await writer.drain()
            completed = True
            return True
        except ConnectionError:
            return False
        finally:
            c.active_streams -= 1
            if completed:
                c.streams_completed += 1
            else:
                c.streams_disconnected += 1


async def serve(host: str, port: int, options: Options) -> None:
    upstream = Upstream(options)
    server = await asyncio.start_server(upstream.connection, host, port, backlog=4096)
    bound = server.sockets[0].getsockname()[1]
    print(f"listening on http://{host}:{bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8399, help="0 picks a free port")
    parser.add_argument("--api-key", default="sk-bench-upstream", help="the bearer key")
    parser.add_argument("--tokens-per-second", type=float, default=50.0)
    parser.add_argument("--tokens", type=int, default=64, help="most tokens per completion")
    parser.add_argument(
        "--first-token-ms", type=float, default=20.0, help="delay before the first token"
    )
    parser.add_argument(
        "--embeddings",
        action="store_true",
        help="serve /v1/embeddings with the real all-MiniLM-L6-v2 (needs the enclave installed)",
    )
    opts = parser.parse_args(argv)
    if opts.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("a benchmark upstream serves on loopback only")
    if opts.tokens_per_second <= 0 or opts.tokens < 1 or opts.first_token_ms < 0:
        parser.error("--tokens-per-second > 0, --tokens >= 1, --first-token-ms >= 0")
    return opts


def main(argv=None) -> int:
    opts = parse(argv)
    options = Options(
        opts.api_key, opts.tokens_per_second, opts.tokens, opts.first_token_ms, opts.embeddings
    )
    asyncio.run(serve(opts.host, opts.port, options))
    return 0


if __name__ == "__main__":
    sys.exit(main())
