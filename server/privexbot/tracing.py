"""OpenTelemetry traces: a span per RPC (interceptors/logging.py), with child spans for SQL,
Milvus and the inference endpoint, whose HTTP requests carry the W3C trace context so the
enclave continues the trace.

Configured by the standard OTEL_* settings, read by the SDK itself (OTEL_SERVICE_NAME,
OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_SAMPLER, OTEL_BSP_* ...); off unless
OTEL_TRACES_EXPORTER names an exporter (``otlp``: OTLP over HTTP/protobuf, ``console``).
Off, ``on`` is False: no provider, no SQL hooks, and each call site skips tracing with one
check. Spans carry methods, codes, ids and statement text (no parameters), never message
content, credentials or SQL parameters.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
from collections.abc import Coroutine, Iterator, Mapping

from opentelemetry import context, trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from privexbot.__about__ import __version__

log = logging.getLogger("privexbot.tracing")

on = False
tracer: trace.Tracer = trace.NoOpTracer()
_provider = None
_propagator = TraceContextTextMapPropagator()
SQL_TEXT_MAX = 2000  # characters of a statement kept on its span


def exporter_names(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The exporters the OTEL_* settings name (none: tracing is off); ValueError for one
    that is not ``otlp`` or ``console``."""
    names = [n.strip() for n in environ.get("OTEL_TRACES_EXPORTER", "").split(",") if n.strip()]
    if environ.get("OTEL_SDK_DISABLED", "").lower() == "true" or names == ["none"]:
        return []
    for name in names:
        if name not in ("otlp", "console"):
            raise ValueError(f"OTEL_TRACES_EXPORTER: {name!r} is not otlp, console or none")
    return names


def configure(environ: Mapping[str, str] = os.environ) -> bool:
    """Start tracing as the OTEL_* settings say (once per process, after any fork); whether
    it is on."""
    names = exporter_names(environ)
    if not names:
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    # The OTLP exporter reads its endpoint, headers and timeout from OTEL_EXPORTER_OTLP_*.
    exporters = {"otlp": OTLPSpanExporter, "console": ConsoleSpanExporter}
    start([BatchSpanProcessor(exporters[name]()) for name in names])
    log.info("tracing on: exporting to %s", ", ".join(names))
    return True


def start(processors) -> None:
    """Record spans through ``processors`` (tests: a SimpleSpanProcessor over an
    InMemorySpanExporter). The service is OTEL_SERVICE_NAME, else "privexbot"."""
    global on, tracer, _provider
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider

    resource = Resource.create()
    if resource.attributes.get(SERVICE_NAME, "").startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: "privexbot"}))
    _provider = TracerProvider(resource=resource)  # the sampler: OTEL_TRACES_SAMPLER
    for processor in processors:
        _provider.add_span_processor(processor)
    tracer = _provider.get_tracer("privexbot", __version__)
    on = True


def stop() -> None:
    """Export what is pending and turn tracing off."""
    global on, tracer, _provider
    provider, _provider = _provider, None
    on, tracer = False, trace.NoOpTracer()
    if provider is not None:
        provider.shutdown()


def extract(carrier: Mapping[str, str]) -> context.Context:
    """The trace context a caller sent (``traceparent``/``tracestate`` metadata or headers)."""
    return _propagator.extract(carrier)


def carrier() -> dict[str, str]:
    """The current trace context as headers (``traceparent``), to hand work to another
    process; empty when tracing is off."""
    headers: dict[str, str] = {}
    if on:
        _propagator.inject(headers)
    return headers


async def inject_into_request(request) -> None:
    """An httpx request hook: the request continues the current trace."""
    if on:
        _propagator.inject(request.headers)


def ids() -> tuple[str, str] | None:
    """The current span's (trace id, span id) in hex, None when no span is active."""
    if not on:
        return None
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return f"{span_context.trace_id:032x}", f"{span_context.span_id:016x}"


@contextlib.contextmanager
def child(name: str, attributes: Mapping[str, object] | None = None, *, client: bool = True):
    """A span under the current one, current for the block, recorded only when tracing is on
    and the block runs inside a recorded span (an RPC, an ingestion job): background loops
    make no root spans of their own. Yields the span, or None."""
    if not on or not trace.get_current_span().is_recording():
        yield None
        return
    kind = trace.SpanKind.CLIENT if client else trace.SpanKind.INTERNAL
    with _current(tracer.start_span(name, kind=kind, attributes=attributes)) as span:
        yield span


def begin(name: str, attributes: Mapping[str, object] | None = None) -> trace.Span | None:
    """A client span under the current one, not made current (it outlives the frame, as an
    async generator's does: ``spawn`` its work, then end it); None when ``child`` would record
    nothing."""
    if not on or not trace.get_current_span().is_recording():
        return None
    return tracer.start_span(name, kind=trace.SpanKind.CLIENT, attributes=attributes)


def spawn(coroutine: Coroutine, span: trace.Span | None) -> asyncio.Task:
    """``asyncio.create_task(coroutine)``, with ``span`` (when given) current in the task."""
    if span is None:
        return asyncio.create_task(coroutine)
    task_context = contextvars.copy_context()
    task_context.run(context.attach, trace.set_span_in_context(span))
    return asyncio.create_task(coroutine, context=task_context)


@contextlib.contextmanager
def root(name: str, attributes: Mapping[str, object] | None = None):
    """A span of its own trace, current for the block (a background job). Yields the span,
    or None when tracing is off."""
    if not on:
        yield None
        return
    started = tracer.start_span(name, context=context.Context(), attributes=attributes)
    with _current(started) as span:
        yield span


@contextlib.contextmanager
def continued(headers: Mapping[str, str], name: str):
    """A span continuing the trace ``headers`` carry (``carrier`` in the process that handed
    the work over), current for the block; nothing when tracing is off or they carry none."""
    if not on or not headers:
        yield None
        return
    with _current(tracer.start_span(name, context=extract(headers))) as span:
        yield span


@contextlib.contextmanager
def _current(span) -> Iterator[trace.Span]:
    """``span`` current for the block, then ended; an error is marked by its type alone (an
    exception's message or stack could quote content)."""
    with trace.use_span(
        span, end_on_exit=True, record_exception=False, set_status_on_exception=False
    ):
        try:
            yield span
        except Exception as exc:
            span.set_status(trace.StatusCode.ERROR, type(exc).__name__)
            raise


def trace_sql(sync_engine, system: str) -> None:
    """A span per statement the engine runs inside a recorded span: its text (placeholders,
    never parameters) and the database system."""
    from sqlalchemy import event

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, execution, executemany):
        if execution is None or not trace.get_current_span().is_recording():
            return
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        execution._privexbot_span = tracer.start_span(
            operation,
            kind=trace.SpanKind.CLIENT,
            attributes={"db.system.name": system, "db.query.text": statement[:SQL_TEXT_MAX]},
        )

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, execution, executemany):
        span = getattr(execution, "_privexbot_span", None)
        if span is not None:
            span.end()

    @event.listens_for(sync_engine, "handle_error")
    def _failed(exception_context):
        span = getattr(exception_context.execution_context, "_privexbot_span", None)
        if span is not None:
            span.set_status(
                trace.StatusCode.ERROR, type(exception_context.original_exception).__name__
            )
            span.end()
