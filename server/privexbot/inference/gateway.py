"""The inference gateway: relays OpenAI-compatible streaming completions token by token.

Upstream is the local enclave (development) or Secret AI (production), reached with the
``openai`` AsyncOpenAI client. Before any prompt leaves the platform the attestation
policy runs (``ATTESTATION=required``: a verified SecretVM quote bound to the TLS key the
client then pins). Retries happen only before the first token; a consumer that stops
(client cancel, deadline) closes the upstream response, which stops generation there.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import openai

# The SDK imports these on first use: ~0.8 s inside a process's first chat. Now at start-up.
import openai.resources.chat  # noqa: F401
import openai.resources.embeddings  # noqa: F401
from opentelemetry.trace import StatusCode

from privexbot import metrics, tracing
from privexbot.inference.attestation import Verdict
from privexbot.inference.attestor import Attestor
from privexbot.kernel.errors import (
    DeadlineExceeded,
    DomainError,
    InvalidArgument,
    ResourceExhausted,
    Unavailable,
)
from privexbot.kernel.resources import Scope

log = logging.getLogger("privexbot.inference")

RETRIES_BEFORE_FIRST_TOKEN = 2


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant
    content: str


@dataclass(frozen=True)
class Params:
    model: str
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Finish:
    reason: str  # stop | length | content_filter | cancelled | error
    model: str


@dataclass(frozen=True)
class Attested:
    verdict: Verdict


Event = Delta | Usage | Finish | Attested


@dataclass(frozen=True)
class ModelInfo:
    id: str
    owned_by: str
    embedding: bool


def _upstream_error(exc: Exception) -> DomainError:
    """One mapping for every upstream failure; never echoes upstream bodies to clients."""
    metrics.DEPENDENCY_ERRORS.labels("inference").inc()
    if isinstance(exc, openai.APITimeoutError):
        return DeadlineExceeded(
            "INFERENCE_TIMEOUT", "the inference endpoint did not answer in time"
        )
    if isinstance(exc, openai.RateLimitError):
        return ResourceExhausted(
            "INFERENCE_RATE_LIMITED",
            "the inference endpoint is busy; retry shortly",
            retry_after_seconds=1.0,
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return Unavailable(
            "INFERENCE_AUTH_FAILED", "the inference endpoint refused our credentials"
        )
    if isinstance(exc, openai.NotFoundError):
        return InvalidArgument.field(
            "model", "is not served by the inference endpoint", "UNKNOWN_MODEL"
        )
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return InvalidArgument("INFERENCE_REJECTED", "the inference endpoint rejected the request")
    return Unavailable(
        "INFERENCE_UNAVAILABLE", "the inference endpoint is unreachable; retry later"
    )


def _retryable(exc: Exception) -> bool:
    """A refused connection or a busy endpoint may answer the next attempt; a timeout
    already spent the caller's patience."""
    if isinstance(exc, openai.APITimeoutError):
        return False
    return isinstance(
        exc, openai.APIConnectionError | openai.RateLimitError | openai.InternalServerError
    )


def _silent(reason: str, seconds: float) -> Unavailable:
    return Unavailable(
        reason,
        f"the inference endpoint sent nothing for {seconds:g} s; retry later",
        retry_after_seconds=1.0,
    )


_OPENED = object()  # the pump's first item once the upstream response is open


def _bad_stream() -> Unavailable:
    return Unavailable("INFERENCE_BAD_STREAM", "the inference endpoint sent a malformed stream")


async def _payloads(response: httpx.Response) -> AsyncIterator[dict]:
    """The JSON objects of an OpenAI-style server-sent event stream, up to ``data: [DONE]``.

    Plain dicts, not the SDK's typed chunks: the relay reads three fields of each, and
    building a typed chunk per token measured as the largest share of relaying one. An event
    carrying ``error`` ends the stream as the SDK's own stream would (an upstream failure).
    """
    data: list[str] = []
    lines = response.aiter_lines()
    while True:
        line = await anext(lines, None)
        if line is not None and line.startswith("data:"):
            data.append(line[6:] if line.startswith("data: ") else line[5:])
            continue
        if line is not None and (line or not data):
            continue  # another field (event:, id:, a comment), or a blank line between events
        if not data:
            return  # the stream ended without [DONE]
        payload, data = "\n".join(data), []
        if payload.startswith("[DONE]"):
            return
        try:
            event = json.loads(payload)
        except ValueError:
            raise _bad_stream() from None
        if not isinstance(event, dict):
            raise _bad_stream()
        if event.get("error"):
            raise Unavailable(
                "INFERENCE_UNAVAILABLE", "the inference endpoint failed while generating"
            )
        yield event
        if line is None:
            return


def _events(payload: dict) -> tuple[list[str], str | None, Usage | None]:
    """One stream payload's text deltas, finish reason and usage."""
    try:
        texts, finish = [], None
        for choice in payload.get("choices") or ():
            text = (choice.get("delta") or {}).get("content")
            if text:
                texts.append(str(text))
            finish = choice.get("finish_reason") or finish
        usage = payload.get("usage")
        if usage:
            usage = Usage(int(usage["prompt_tokens"]), int(usage["completion_tokens"]))
        return texts, finish, usage or None
    except (AttributeError, KeyError, TypeError, ValueError):
        raise _bad_stream() from None


async def _pump(open_stream, chunks: asyncio.Queue) -> None:
    """Put into ``chunks`` ``_OPENED`` once ``open_stream()`` answers (an httpx response,
    still streaming), then each payload, then None; or, in place of any of these, the
    exception that ended it. Closes the response however it ends. Runs as a task of its
    own, which only ``stream_chat`` cancels (see there)."""
    try:
        response = await open_stream()
    except Exception as exc:
        await chunks.put(exc)
        return
    try:
        await chunks.put(_OPENED)
        async for payload in _payloads(response):
            await chunks.put(payload)
        await chunks.put(None)
    except Exception as exc:
        await chunks.put(exc)
    finally:
        await response.aclose()


def _span_attributes(operation: str, model: str) -> dict:
    return {"gen_ai.operation.name": operation, "gen_ai.request.model": model}


def _end_span(span, finish: str, usage: Usage | None) -> None:
    """The completion's span ended with its finish reason and token counts (never text)."""
    span.set_attribute("gen_ai.response.finish_reasons", (finish,))
    if usage is not None:
        span.set_attribute("gen_ai.usage.input_tokens", usage.prompt_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", usage.completion_tokens)
    if finish == "error":
        span.set_status(StatusCode.ERROR, "the completion failed")
    span.end()


# (scope, model, prompt tokens, completion tokens) -> recorded (tenancy's usage).
# (scope, model, prompt tokens, completion tokens, source: the resource spending them)
RecordUsage = Callable[[Scope, str, int, int, str], Awaitable[None]]


class InferenceGateway:
    def __init__(self, settings, attestor: Attestor, record_usage: RecordUsage) -> None:
        """``record_usage``: told the tokens of every completion that reported them."""
        self._settings, self.attestor, self._record_usage = settings, attestor, record_usage
        self.default_model = settings.inference_model
        self.base_url = settings.inference_base_url
        self._client: openai.AsyncOpenAI | None = None
        self._pin: str | None = None

    def _client_for(self, pin: str | None) -> openai.AsyncOpenAI:
        """A client whose TLS is pinned to the attested key (rebuilt when the pin changes)."""
        if self._client is None or pin != self._pin:
            verify = self.attestor.pinned_ssl_context() if pin else True
            self._client = openai.AsyncOpenAI(
                base_url=self._settings.inference_base_url,
                api_key=self._settings.inference_api_key,
                max_retries=0,  # we retry ourselves, and only before the first token
                http_client=httpx.AsyncClient(
                    verify=verify,
                    # Each request continues the current trace (the enclave extracts it).
                    event_hooks={"request": [tracing.inject_into_request]} if tracing.on else None,
                    timeout=httpx.Timeout(
                        self._settings.inference_first_token_timeout_seconds, connect=5.0
                    ),
                    limits=httpx.Limits(max_connections=500, max_keepalive_connections=100),
                ),
            )
            self._pin = pin
        return self._client

    async def _ready(self) -> tuple[Verdict, openai.AsyncOpenAI]:
        verdict = await self.attestor.ensure()
        return verdict, self._client_for(self.attestor.pinned_spki_sha256)

    async def list_models(self) -> list[ModelInfo]:
        _, client = await self._ready()
        try:
            page = await client.models.list()
        except openai.OpenAIError as exc:
            raise _upstream_error(exc) from exc
        embedding = self._settings.embedding_model
        return [ModelInfo(m.id, m.owned_by or "", m.id == embedding) for m in page.data]

    async def stream_chat(
        self, scope: Scope, messages: list[Message], params: Params, source: str = ""
    ) -> AsyncIterator[Event]:
        """The completion's events, its tokens counted against ``scope`` (a workspace) and
        ``source`` (the chatbot's name, say; "" for a direct completion)."""
        verdict, client = await self._ready()
        model = params.model or self.default_model
        request = {
            "model": model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        for name in ("temperature", "top_p", "max_tokens", "seed"):
            if getattr(params, name) is not None:
                request[name] = getattr(params, name)
        if params.stop:
            request["stop"] = list(params.stop)
        # The upstream request runs in a task of its own, cancelled by us alone and once.
        # httpcore closes a half-read response's connection in its cleanup after a cancel,
        # but a second cancel landing during that cleanup leaves the connection open (and in
        # the pool): the enclave sees no disconnect and generates on. A deadline cancels this
        # handler twice (grpc, and the limits interceptor's timer at the same instant).
        chunks: asyncio.Queue = asyncio.Queue(maxsize=8)
        span = tracing.begin(f"chat {model}", _span_attributes("chat", model))
        pump = tracing.spawn(_pump(lambda: self._opened(client, request), chunks), span)
        usage, finish = None, "error"
        loop = asyncio.get_running_loop()
        started = loop.time()
        first = self._settings.inference_first_token_timeout_seconds
        idle = self._settings.inference_idle_timeout_seconds
        # Until the first token, one deadline from now; after it, one per pause. Only the
        # wait for the upstream is timed, never the caller's handling of an event.
        reason, waited, deadline = "INFERENCE_FIRST_TOKEN_TIMEOUT", first, loop.time() + first

        async def upstream():
            try:
                async with asyncio.timeout_at(deadline):
                    item = await chunks.get()
            except TimeoutError:
                raise _silent(reason, waited) from None
            if isinstance(item, Exception):
                raise item
            return item

        try:
            # Opened before anything is sent, so a failure here is a clean status for the
            # caller (REST: an HTTP error with a JSON body), not a stream that breaks after
            # one event.
            await upstream()
            yield Attested(verdict)
            while (payload := await upstream()) is not None:
                texts, finished, reported = _events(payload)
                for text in texts:
                    yield Delta(text)
                if texts:
                    if reason == "INFERENCE_FIRST_TOKEN_TIMEOUT":
                        metrics.FIRST_TOKEN_SECONDS.labels(model).observe(loop.time() - started)
                    reason, waited, deadline = "INFERENCE_STALLED", idle, loop.time() + idle
                finish, usage = finished or finish, reported or usage
        except (asyncio.CancelledError, GeneratorExit):
            finish = "cancelled"
            raise
        except openai.OpenAIError as exc:
            raise _upstream_error(exc) from exc
        except httpx.HTTPError as exc:  # the pump reads the body with httpx itself
            if isinstance(exc, httpx.TimeoutException):
                raise _silent(reason, waited) from exc
            raise Unavailable(
                "INFERENCE_UNAVAILABLE", "the inference endpoint failed while generating"
            ) from exc
        finally:
            # Closing the response stops generation upstream. asyncio.wait never cancels what
            # it waits for: a second cancel of this handler cannot interrupt the pump's close.
            pump.cancel()
            await asyncio.wait([pump])
            if span is not None:
                _end_span(span, finish, usage)
        if usage is not None:
            yield usage
        yield Finish(finish, model)
        if usage is not None:  # after the caller has its last event: no commit in its way
            metrics.TOKENS.labels(model, "prompt").inc(usage.prompt_tokens)
            metrics.TOKENS.labels(model, "completion").inc(usage.completion_tokens)
            await self._record_usage(
                scope, model, usage.prompt_tokens, usage.completion_tokens, source
            )

    async def _opened(self, client: openai.AsyncOpenAI, request: dict) -> httpx.Response:
        """The upstream's streaming response, its status checked (an error status raises as
        the SDK maps it) and its body not yet read."""
        raw = await self._retrying(
            lambda: client.chat.completions.with_raw_response.create(**request)
        )
        return raw.http_response

    @staticmethod
    async def _retrying(call):
        """``await call()``, retrying transient upstream failures. Used only before anything
        reached the caller (opening a stream, a whole embeddings batch), so retries are
        invisible."""
        for attempt in range(RETRIES_BEFORE_FIRST_TOKEN + 1):
            try:
                return await call()
            except openai.OpenAIError as exc:
                if attempt == RETRIES_BEFORE_FIRST_TOKEN or not _retryable(exc):
                    raise _upstream_error(exc) from exc
                log.warning(
                    "inference attempt %d failed (%s); retrying", attempt + 1, type(exc).__name__
                )
                await asyncio.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    async def embed(self, texts: list[str]) -> list[list[float]]:
        """Embeddings of ``texts`` from the (attested) inference endpoint, in order."""
        _, client = await self._ready()
        model = self._settings.embedding_model
        with tracing.child(f"embeddings {model}", _span_attributes("embeddings", model)):
            reply = await self._retrying(lambda: client.embeddings.create(model=model, input=texts))
        return [item.embedding for item in sorted(reply.data, key=lambda d: d.index)]

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
