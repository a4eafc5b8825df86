"""OpenTelemetry traces of the enclave, by the same OTEL_* settings as the server: off unless
OTEL_TRACES_EXPORTER names an exporter (``otlp``: OTLP over HTTP/protobuf, ``console``).

A request carrying a W3C ``traceparent`` header (the server's inference gateway sends one)
continues its caller's trace: a span per HTTP request, and a ``generation`` span per chat
completion with its token counts and finish reason. Never prompts, completions or the key.
Needs the ``tracing`` extra (opentelemetry-sdk and the OTLP exporter); without it tracing
stays off, with a warning.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from .config import CHAT_MODEL_ID
from .models import Delta, Failed, Finished

log = logging.getLogger("privexbot_enclave")

on = False
_tracer: Any = None
# Span names: the routes (any other path is named by its method alone).
ROUTES = frozenset({"/v1/chat/completions", "/v1/embeddings", "/v1/models"})


def configure(environ: Mapping[str, str] = os.environ) -> bool:
    """Start tracing as the OTEL_* settings say; whether it is on."""
    global on, _tracer
    names = [n.strip() for n in environ.get("OTEL_TRACES_EXPORTER", "").split(",") if n.strip()]
    if environ.get("OTEL_SDK_DISABLED", "").lower() == "true" or names in ([], ["none"]):
        return False
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
    except ImportError:
        log.warning("OTEL_TRACES_EXPORTER is set but OpenTelemetry is not installed: no traces")
        return False
    exporters = {"otlp": OTLPSpanExporter, "console": ConsoleSpanExporter}
    unknown = [name for name in names if name not in exporters]
    if unknown:
        raise ValueError(f"OTEL_TRACES_EXPORTER: {unknown[0]!r} is not otlp, console or none")
    resource = Resource.create()
    if resource.attributes.get(SERVICE_NAME, "").startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: "privexbot-enclave"}))
    provider = TracerProvider(resource=resource)  # flushed at exit
    for name in names:
        provider.add_span_processor(BatchSpanProcessor(exporters[name]()))
    _tracer = provider.get_tracer("privexbot_enclave")
    on = True
    log.info("tracing on: exporting to %s", ", ".join(names))
    return True


class TraceRequests:
    """A SERVER span per HTTP request, a child of the caller's ``traceparent`` when it sent
    one, current while the request (a streamed body included) is served. Pure ASGI."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from opentelemetry import trace
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        method, path = scope["method"], scope["path"]
        with _tracer.start_as_current_span(
            f"{method} {path}" if path in ROUTES else method,
            context=TraceContextTextMapPropagator().extract(headers),
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path[:200]},
            record_exception=False,
        ) as span:

            async def sending(message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                    if message["status"] >= 500:
                        span.set_status(trace.StatusCode.ERROR)
                await send(message)

            await self.app(scope, receive, sending)


def generation_events(events: AsyncIterator, max_tokens: int) -> AsyncIterator:
    """A generation's ``events``, in a ``generation`` span when tracing is on."""
    return _traced(events, max_tokens) if on else events


async def _traced(events: AsyncIterator, max_tokens: int) -> AsyncIterator:
    from opentelemetry import trace

    span = _tracer.start_span(
        "generation",
        attributes={"gen_ai.request.model": CHAT_MODEL_ID, "gen_ai.request.max_tokens": max_tokens},
    )
    first = True
    try:
        async with aclosing(events):
            async for event in events:
                if first and isinstance(event, Delta):
                    span.add_event("first token")
                    first = False
                elif isinstance(event, Finished):
                    span.set_attribute("gen_ai.response.finish_reasons", (event.finish_reason,))
                    span.set_attribute("gen_ai.usage.input_tokens", event.prompt_tokens)
                    span.set_attribute("gen_ai.usage.output_tokens", event.completion_tokens)
                elif isinstance(event, Failed):
                    span.set_status(trace.StatusCode.ERROR, "the generation failed")
                yield event
    finally:
        span.end()
