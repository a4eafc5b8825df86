"""The HTTP API: OpenAI-compatible chat completions, embeddings and models; health; metrics;
SecretVM-style attestation. Starlette on uvicorn.

Never logged: the API key, prompts, completions, embedding inputs.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import __version__, tracing
from .attestation import NOT_ATTESTED_REASON, AttestationRelay
from .config import CHAT_MODEL_ID, EMBEDDING_MODEL_ID, Settings
from .models import (
    Busy,
    ChatEngine,
    ContextLengthExceeded,
    Delta,
    EmbeddingEngine,
    Failed,
    Finished,
    SamplingParams,
    find_embedding_model,
    resolve_chat_model,
)

log = logging.getLogger("privexbot_enclave")

PUBLIC_PATHS = frozenset({"/health", "/healthz", "/attestation", "/cpu"})


# --------------------------------------------------------------------------------------------
# errors (OpenAI's shape)


class APIError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = (
            status,
            message,
            type,
            param,
            code,
        )

    def body(self) -> dict:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }

    def response(self) -> JSONResponse:
        headers = {"www-authenticate": "Bearer"} if self.status == 401 else None
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def bad_request(message: str, param: str | None = None, code: str | None = None) -> APIError:
    return APIError(400, message, param=param, code=code)


# --------------------------------------------------------------------------------------------
# auth (pure ASGI: it must not wrap streaming bodies or the receive channel)


class BearerAuth:
    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self._key = api_key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC_PATHS:
            return await self.app(scope, receive, send)
        header = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value
                break
        scheme, _, token = header.partition(b" ")
        if not header:
            err = APIError(
                401,
                "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.",
                code="missing_api_key",
            )
        elif scheme.lower() != b"bearer" or not hmac.compare_digest(token.strip(), self._key):
            err = APIError(401, "Incorrect API key provided.", code="invalid_api_key")
        else:
            return await self.app(scope, receive, send)
        await err.response()(scope, receive, send)


# --------------------------------------------------------------------------------------------
# request validation


def _number(body: dict, name: str, default: float, lo: float, hi: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"'{name}' must be a number", name, "invalid_type")
    if not lo <= value <= hi:
        raise bad_request(f"'{name}' must be between {lo} and {hi}", name, "invalid_value")
    return float(value)


def _int(body: dict, name: str, lo: int, hi: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"'{name}' must be an integer", name, "invalid_type")
    if not lo <= value <= hi:
        raise bad_request(f"'{name}' must be between {lo} and {hi}", name, "invalid_value")
    return value


def _message_text(content: Any, index: int) -> str:
    param = f"messages[{index}].content"
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text":
                raise bad_request("only text content parts are supported", param)
            text = part.get("text")
            if not isinstance(text, str):
                raise bad_request("a text content part needs a string 'text'", param)
            parts.append(text)
        return "".join(parts)
    raise bad_request("'content' must be a string or a list of text parts", param)


ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}


def parse_chat_request(body: Any, settings: Settings) -> dict:
    limits = settings.limits
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad_request("'model' is required", "model", "missing_required_parameter")
    if model != CHAT_MODEL_ID:
        raise APIError(
            404,
            f"The model '{model[:100]}' does not exist or is not a chat model.",
            param="model",
            code="model_not_found",
        )
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad_request(
            "'messages' must be a non-empty array", "messages", "missing_required_parameter"
        )
    if len(messages) > limits.max_messages:
        raise bad_request(
            f"too many messages ({len(messages)} > {limits.max_messages})",
            "messages",
            "array_above_max_length",
        )
    out: list[dict[str, str]] = []
    total = 0
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise bad_request("each message must be an object", f"messages[{i}]")
        role = message.get("role")
        if role not in ROLES:
            raise bad_request(
                f"unsupported role {str(role)[:20]!r}: use system, developer, user or assistant",
                f"messages[{i}].role",
            )
        if message.get("tool_calls") or message.get("function_call"):
            raise bad_request("tool calls are not supported", f"messages[{i}]")
        text = _message_text(message.get("content"), i)
        total += len(text)
        if total > limits.max_total_chars:
            raise bad_request(
                f"messages are too long (more than {limits.max_total_chars} characters in total)",
                "messages",
                "string_above_max_length",
            )
        out.append({"role": ROLES[role], "content": text})

    for unsupported in ("tools", "functions"):
        if body.get(unsupported):
            raise bad_request(f"'{unsupported}' is not supported", unsupported)
    if body.get("logprobs"):
        raise bad_request("'logprobs' is not supported", "logprobs")
    fmt = body.get("response_format")
    if fmt is not None and (not isinstance(fmt, dict) or fmt.get("type") != "text"):
        raise bad_request("only response_format {'type': 'text'} is supported", "response_format")
    n = _int(body, "n", 1, 1)
    del n

    max_tokens = _int(body, "max_completion_tokens", 1, settings.n_ctx)
    if max_tokens is None:
        max_tokens = _int(body, "max_tokens", 1, settings.n_ctx)

    stop = body.get("stop")
    if stop is None:
        stops: tuple[str, ...] = ()
    elif isinstance(stop, str):
        stops = (stop,)
    elif isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        stops = tuple(stop)
    else:
        raise bad_request("'stop' must be a string or an array of strings", "stop", "invalid_type")
    if len(stops) > limits.max_stop or any(not s or len(s) > limits.max_stop_chars for s in stops):
        raise bad_request(
            f"'stop' takes at most {limits.max_stop} non-empty strings of at most "
            f"{limits.max_stop_chars} characters",
            "stop",
            "invalid_value",
        )

    stream = body.get("stream", False)
    if stream is None:
        stream = False
    if not isinstance(stream, bool):
        raise bad_request("'stream' must be a boolean", "stream", "invalid_type")
    stream_options = body.get("stream_options")
    if stream_options is not None:
        if not stream:
            raise bad_request(
                "'stream_options' is only allowed when 'stream' is true", "stream_options"
            )
        if not isinstance(stream_options, dict):
            raise bad_request("'stream_options' must be an object", "stream_options")

    seed = _int(body, "seed", -(2**63), 2**63 - 1)
    return {
        "messages": out,
        "stream": stream,
        "max_tokens": max_tokens,
        "temperature": _number(body, "temperature", 1.0, 0.0, 2.0),
        "top_p": _number(body, "top_p", 1.0, 0.0, 1.0),
        "presence_penalty": _number(body, "presence_penalty", 0.0, -2.0, 2.0),
        "frequency_penalty": _number(body, "frequency_penalty", 0.0, -2.0, 2.0),
        "seed": seed,
        "stop": stops,
    }


def parse_embedding_request(body: Any, settings: Settings) -> tuple[list[str], str]:
    limits = settings.limits
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad_request("'model' is required", "model", "missing_required_parameter")
    if model != EMBEDDING_MODEL_ID:
        raise APIError(
            404,
            f"The model '{model[:100]}' does not exist or is not an embedding model.",
            param="model",
            code="model_not_found",
        )
    raw = body.get("input")
    if isinstance(raw, str):
        texts = [raw]
    elif isinstance(raw, list) and raw and all(isinstance(t, str) for t in raw):
        texts = raw
    elif isinstance(raw, list) and raw and all(isinstance(t, int | list) for t in raw):
        raise bad_request("token arrays are not supported: send strings", "input")
    else:
        raise bad_request(
            "'input' must be a string or a non-empty array of strings", "input", "invalid_type"
        )
    if len(texts) > limits.max_embedding_inputs:
        raise bad_request(
            f"too many inputs ({len(texts)} > {limits.max_embedding_inputs})",
            "input",
            "array_above_max_length",
        )
    for i, text in enumerate(texts):
        if not text:
            raise bad_request("inputs must be non-empty strings", f"input[{i}]")
        if len(text) > limits.max_embedding_chars:
            raise bad_request(
                f"input too long (more than {limits.max_embedding_chars} characters)",
                f"input[{i}]",
                "string_above_max_length",
            )
    if sum(len(t) for t in texts) > limits.max_embedding_total_chars:
        raise bad_request("inputs are too long in total", "input", "string_above_max_length")
    fmt = body.get("encoding_format") or "float"
    if fmt not in ("float", "base64"):
        raise bad_request(
            "'encoding_format' must be 'float' or 'base64'", "encoding_format", "invalid_value"
        )
    dims = body.get("dimensions")
    if dims is not None and dims != 384:
        raise bad_request(
            f"{EMBEDDING_MODEL_ID} only produces 384 dimensions", "dimensions", "invalid_value"
        )
    return texts, fmt


async def read_json(request: Request, max_bytes: int) -> Any:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise APIError(413, f"request body larger than {max_bytes} bytes", code="payload_too_large")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise APIError(
                413, f"request body larger than {max_bytes} bytes", code="payload_too_large"
            )
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("the request body is not valid JSON") from exc


# --------------------------------------------------------------------------------------------
# streaming with disconnect detection


async def _wait_for_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


class SSEResponse(Response):
    """Server-sent events from an async iterator of bytes.

    A separate task listens for ``http.disconnect``; the moment the client goes away it calls
    ``on_disconnect`` (which flags the generation thread to stop) and cancels the sender. We do
    this ourselves rather than rely on a framework version's disconnect handling.
    """

    def __init__(self, chunks: AsyncIterator[bytes], on_disconnect: Callable[[], None]):
        super().__init__(media_type="text/event-stream")
        self.chunks = chunks
        self.on_disconnect = on_disconnect
        self.headers["cache-control"] = "no-cache"
        self.headers["x-accel-buffering"] = "no"
        del self.headers["content-length"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                await _wait_for_disconnect(receive)
                self.on_disconnect()
                tg.cancel_scope.cancel()

            tg.start_soon(watch)
            try:
                await send(
                    {"type": "http.response.start", "status": 200, "headers": self.raw_headers}
                )
                async with aclosing(self.chunks) as chunks:
                    async for chunk in chunks:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except OSError:  # the client went away while we were writing
                pass
            finally:
                self.on_disconnect()
                tg.cancel_scope.cancel()


async def run_unless_disconnected(receive: Receive, work: Awaitable[Any]) -> tuple[bool, Any]:
    """Await ``work``; if the client disconnects first, cancel it. Returns (completed, result)."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_wait_for_disconnect(receive))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if task.done():
        return True, task.result()
    task.cancel()
    return False, None


def _sse(obj: Any) -> bytes:
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


# --------------------------------------------------------------------------------------------
# the application


class State:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.chat: ChatEngine | None = None
        self.embeddings: EmbeddingEngine | None = None
        self.load_error: str | None = None
        self.ready = threading.Event()
        self.attestation = AttestationRelay(
            settings.attestation_url, timeout=settings.attestation_timeout
        )
        self.started = int(time.time())
        self.on_fatal: Callable[[str], None] | None = None

    def load_models(self) -> None:
        s = self.settings
        try:
            chat = ChatEngine(
                resolve_chat_model(s.chat_model_path),
                n_ctx=s.n_ctx,
                n_threads=s.n_threads,
                prefill_batch=s.prefill_batch,
                prompt_cache=s.prompt_cache,
            )
            chat.load()
            log.info(
                "chat model %s (%s) loaded in %.2f s",
                CHAT_MODEL_ID,
                chat.model_path.name,
                chat.load_seconds,
            )
            self.chat = chat
            emb = EmbeddingEngine(
                find_embedding_model(s.embedding_model_path), n_threads=s.n_threads
            )
            emb.load()
            log.info("embedding model %s loaded in %.2f s", EMBEDDING_MODEL_ID, emb.load_seconds)
            self.embeddings = emb
            self.ready.set()
        except Exception as exc:
            self.load_error = f"{type(exc).__name__}: {exc}"
            log.error("model load failed: %s", self.load_error)
            if self.on_fatal:
                self.on_fatal(self.load_error)

    def require_ready(self) -> tuple[ChatEngine, EmbeddingEngine]:
        if not self.ready.is_set() or self.chat is None or self.embeddings is None:
            raise APIError(
                503,
                "the models are still loading" if not self.load_error else "model load failed",
                type="server_error",
                code="model_not_ready",
            )
        return self.chat, self.embeddings


def create_app(settings: Settings, *, load_models: bool = True) -> ASGIApp:
    if not settings.api_key:
        raise ValueError("an API key is required (ENCLAVE_API_KEY)")
    state = State(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if load_models:
            # Load in the background: the port answers at once, /health says 503 until ready.
            threading.Thread(target=state.load_models, name="enclave-load", daemon=True).start()
        yield

    def handle(fn: Callable[[Request], Awaitable[Response]]):
        async def endpoint(request: Request) -> Response:
            try:
                return await fn(request)
            except APIError as err:
                return err.response()

        return endpoint

    # -- health / metrics ----------------------------------------------------------------

    async def health(request: Request) -> Response:
        body: dict[str, Any] = {
            "status": "ok" if state.ready.is_set() else "loading",
            "version": __version__,
            "models": {
                CHAT_MODEL_ID: bool(state.chat and state.chat.loaded),
                EMBEDDING_MODEL_ID: bool(state.embeddings and state.embeddings.loaded),
            },
            "load_seconds": {
                CHAT_MODEL_ID: state.chat.load_seconds if state.chat else None,
                EMBEDDING_MODEL_ID: state.embeddings.load_seconds if state.embeddings else None,
            },
        }
        if state.load_error:
            body["status"] = "error"
            body["error"] = state.load_error
        return JSONResponse(body, status_code=200 if state.ready.is_set() else 503)

    async def metrics(request: Request) -> Response:
        emb = state.embeddings
        return JSONResponse(
            {
                "chat": state.chat.counters.snapshot() if state.chat else None,
                "embeddings": {"requests": emb.requests, "inputs": emb.inputs, "tokens": emb.tokens}
                if emb
                else None,
            }
        )

    # -- models --------------------------------------------------------------------------

    async def list_models(request: Request) -> Response:
        created = state.started
        return JSONResponse(
            {
                "object": "list",
                "data": [
                    {
                        "id": CHAT_MODEL_ID,
                        "object": "model",
                        "created": created,
                        "owned_by": "privexbot-enclave",
                    },
                    {
                        "id": EMBEDDING_MODEL_ID,
                        "object": "model",
                        "created": created,
                        "owned_by": "privexbot-enclave",
                    },
                ],
            }
        )

    # -- chat ----------------------------------------------------------------------------

    async def chat_completions(request: Request) -> Response:
        body = await read_json(request, settings.limits.max_body_bytes)
        req = parse_chat_request(body, settings)
        chat, _ = state.require_ready()
        try:
            prompt = chat.prompt_tokens(req["messages"])
        except Exception as exc:  # a template that rejects the conversation (e.g. roles order)
            raise bad_request(
                f"the messages do not fit the model's chat template: {exc}", "messages"
            ) from exc
        try:
            max_tokens = chat.check_budget(prompt, req["max_tokens"])
        except ContextLengthExceeded as exc:
            raise bad_request(str(exc), exc.param, "context_length_exceeded") from exc
        params = SamplingParams(
            max_tokens=max_tokens,
            temperature=req["temperature"],
            top_p=req["top_p"],
            seed=req["seed"],
            stop=req["stop"],
            presence_penalty=req["presence_penalty"],
            frequency_penalty=req["frequency_penalty"],
        )
        try:
            gen = chat.start(prompt, params, max_queued=settings.limits.max_queued_generations)
        except Busy as exc:
            raise APIError(
                429,
                f"the enclave is busy: {exc}",
                type="rate_limit_error",
                code="rate_limit_exceeded",
            ) from exc

        completion_id = "chatcmpl-" + secrets.token_hex(12)
        created = int(time.time())

        if req["stream"]:

            def chunk(delta: dict, finish: str | None = None, usage: dict | None = None) -> bytes:
                obj: dict[str, Any] = {
                    "id": completion_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": CHAT_MODEL_ID,
                    "choices": [
                        {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                    ],
                }
                if usage is not None:
                    obj["usage"] = usage
                return _sse(obj)

            async def stream() -> AsyncIterator[bytes]:
                yield chunk({"role": "assistant", "content": ""})
                async with aclosing(tracing.generation_events(gen.events(), max_tokens)) as events:
                    async for event in events:
                        if isinstance(event, Delta):
                            yield chunk({"content": event.text})
                        elif isinstance(event, Finished):
                            yield chunk({}, event.finish_reason, _usage(event))
                            yield b"data: [DONE]\n\n"
                        elif isinstance(event, Failed):
                            yield _sse(APIError(500, event.message, type="server_error").body())
                        # Cancelled: the client is gone; nothing to say.

            return SSEResponse(stream(), gen.cancel)

        async def collect() -> tuple[str, Any]:
            parts: list[str] = []
            async with aclosing(tracing.generation_events(gen.events(), max_tokens)) as events:
                async for event in events:
                    if isinstance(event, Delta):
                        parts.append(event.text)
                    else:
                        return "".join(parts), event
            return "".join(parts), None

        try:
            completed, result = await run_unless_disconnected(request.receive, collect())
        finally:
            gen.cancel()  # no-op if it finished
        if not completed:
            return Response(status_code=499)  # nobody is listening
        text, end = result
        if not isinstance(end, Finished):
            raise APIError(
                500, getattr(end, "message", "generation did not finish"), type="server_error"
            )
        return JSONResponse(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": CHAT_MODEL_ID,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "logprobs": None,
                        "finish_reason": end.finish_reason,
                    }
                ],
                "usage": _usage(end),
            }
        )

    # -- embeddings ----------------------------------------------------------------------

    async def embeddings(request: Request) -> Response:
        body = await read_json(request, settings.limits.max_body_bytes)
        texts, fmt = parse_embedding_request(body, settings)
        _, emb = state.require_ready()
        vectors, n_tokens = await anyio.to_thread.run_sync(emb.embed, texts)
        data = []
        for i, vec in enumerate(vectors):
            value: Any = (
                base64.b64encode(vec.astype("<f4").tobytes()).decode()
                if fmt == "base64"
                else vec.tolist()
            )
            data.append({"object": "embedding", "index": i, "embedding": value})
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "model": EMBEDDING_MODEL_ID,
                "usage": {"prompt_tokens": n_tokens, "total_tokens": n_tokens},
            }
        )

    # -- attestation ---------------------------------------------------------------------

    async def attestation(request: Request) -> Response:
        return JSONResponse(await state.attestation.report())

    async def cpu_quote(request: Request) -> Response:
        quote, why = await state.attestation.quote()
        if quote is None:
            return JSONResponse(
                {"attested": False, "reason": NOT_ATTESTED_REASON, "detail": why}, status_code=404
            )
        return PlainTextResponse(quote.hex)

    async def not_found(request: Request, exc: Exception) -> Response:
        return APIError(
            404, f"no such endpoint: {request.method} {request.url.path}", code="not_found"
        ).response()

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        return APIError(
            405, f"method {request.method} not allowed here", code="method_not_allowed"
        ).response()

    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s: %s", request.url.path, type(exc).__name__)
        return APIError(500, "internal error", type="server_error").response()

    routes = [
        Route("/health", health, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/v1/models", handle(list_models), methods=["GET"]),
        Route("/v1/chat/completions", handle(chat_completions), methods=["POST"]),
        Route("/v1/embeddings", handle(embeddings), methods=["POST"]),
        Route("/attestation", attestation, methods=["GET"]),
        Route("/cpu", cpu_quote, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(tracing.TraceRequests)] if tracing.on else [],
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: method_not_allowed, 500: server_error},
    )
    app.state.enclave = state
    return BearerAuth(app, settings.api_key)


def _usage(end: Finished) -> dict[str, int]:
    return {
        "prompt_tokens": end.prompt_tokens,
        "completion_tokens": end.completion_tokens,
        "total_tokens": end.prompt_tokens + end.completion_tokens,
    }
