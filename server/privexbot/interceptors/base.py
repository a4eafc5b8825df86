"""Shared machinery: per-call state and wrapping of gRPC method handlers.

An interceptor implements ``around(spec, request, context)``, which returns a ``Guard``: an
async context manager that runs around the handler. ``Chain`` applies the interceptors to
each handler once, at registration. For a unary-response RPC the guards are entered in one
flat loop and exited in reverse (``_flat_unary``): the semantics of nested ``async with``
blocks (as ``contextlib.AsyncExitStack`` has them), without a coroutine per layer per call.
For client-streaming RPCs ``request`` is a ``FirstMessage`` stream, so checks that need the
request (scope, field limits) can peek at its first message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

import grpc

from privexbot.kernel import contract


class Malformed:
    """A request message that could not be read (it did not decode, or was over the size
    limit): what the handler's deserializer returns instead of raising (wellformed.py)."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class FirstMessage:
    """A client stream whose first message can be read ahead (for authz and validation).
    A later message that could not be read ends the stream with its error."""

    def __init__(self, stream: AsyncIterator) -> None:
        self._stream = stream.__aiter__()
        self._first = None
        self._peeked = False

    async def first(self):
        if not self._peeked:
            self._first = await anext(self._stream, None)
            self._peeked = True
        return self._first

    def __aiter__(self):
        return self._iterate()

    async def _iterate(self):
        first = await self.first()
        if first is None:
            return
        yield first
        async for message in self._stream:
            if type(message) is Malformed:
                raise message.error
            yield message


async def request_message(request):
    """The message a check should look at: the request, or a stream's first message."""
    return await request.first() if isinstance(request, FirstMessage) else request


def _flat_unary(spec: contract.MethodSpec, arounds, inner):
    """``inner`` inside every guard, as ``contextlib.AsyncExitStack`` would run them (nested
    ``async with`` blocks, in effect): entered outermost first (one whose ``__aenter__`` fails
    is not exited), exited innermost first, each exit seeing the exception still in flight and
    able to suppress or replace it. A guard's ``unary`` bounds the handler (not the inner guards' checks). The
    guards' default enter/exit/unary are skipped, not awaited."""

    async def call(request, context):
        entered = []
        try:
            for around in arounds:
                guard = around(spec, request, context)
                if type(guard).__aenter__ is not _ENTER:
                    await guard.__aenter__()
                entered.append(guard)
            awaitable = inner(request, context)
            for guard in reversed(entered):
                if type(guard).unary is not _UNARY:
                    awaitable = guard.unary(awaitable)
            result = await awaitable
        except BaseException as exc:
            remaining = await _exit(entered, exc)
            if remaining is exc:
                raise
            if remaining is not None:  # a guard's exit raised it (its context already set)
                raise remaining  # noqa: B904
            return None  # a guard suppressed the exception
        remaining = await _exit(entered, None)
        if remaining is not None:
            raise remaining
        return result

    return call


async def _exit(entered: list, exc: BaseException | None) -> BaseException | None:
    """Exit ``entered`` innermost first; the exception that remains (None: none, or it was
    suppressed)."""
    for guard in reversed(entered):
        if type(guard).__aexit__ is _EXIT:
            continue
        try:
            if exc is None:
                await guard.__aexit__(None, None, None)
            elif await guard.__aexit__(type(exc), exc, exc.__traceback__):
                exc = None
        except BaseException as raised:  # as from a nested block: outer guards see this one
            exc = raised
    return exc


def _nest_stream(spec: contract.MethodSpec, around, inner):
    async def call(request, context):
        async with around(spec, request, context) as guard:
            # aclosing: however this layer ends, the inner generators run their cleanup now
            # (a streaming handler's finally closes its upstream request), not at GC time.
            async with contextlib.aclosing(guard.stream(inner(request, context))) as stream:
                async for response in stream:
                    yield response

    return call


def _closed_when_done(behavior):
    """A response stream that is closed as soon as its RPC ends. grpc cancels a call (client
    gone, deadline) while the stream may be suspended at a ``yield``; nothing would then close
    it before garbage collection, and its upstream work would go on."""

    async def call(request, context):
        stream = behavior(request, context)

        def close(_context) -> None:
            closing = asyncio.ensure_future(stream.aclose())
            # Already closed, or running (it then sees the cancellation itself): nothing to do.
            closing.add_done_callback(lambda task: task.cancelled() or task.exception())

        context.add_done_callback(close)
        async with contextlib.aclosing(stream):
            async for response in stream:
                yield response

    return call


def _wrap(
    handler: grpc.RpcMethodHandler, spec: contract.MethodSpec, arounds, decoder
) -> grpc.RpcMethodHandler:
    """The handler with every interceptor's guard around it, the first outermost, and its
    request deserializer made by ``decoder`` (one that never raises)."""
    kind = (
        ("stream" if handler.request_streaming else "unary")
        + "_"
        + ("stream" if handler.response_streaming else "unary")
    )
    behavior = getattr(handler, kind)
    if handler.response_streaming:
        for around in reversed(arounds):
            behavior = _nest_stream(spec, around, behavior)
    else:
        behavior = _flat_unary(spec, tuple(arounds), behavior)
    if handler.request_streaming:  # checks peek at the first message; the handler sees all
        composed = behavior
        if handler.response_streaming:

            async def behavior(request_iterator, context):
                async for response in composed(FirstMessage(request_iterator), context):
                    yield response
        else:

            async def behavior(request_iterator, context):
                return await composed(FirstMessage(request_iterator), context)

    if handler.response_streaming:
        behavior = _closed_when_done(behavior)
    make = getattr(grpc, f"{kind}_rpc_method_handler")
    return make(behavior, decoder(handler.request_deserializer), handler.response_serializer)


class Guard(AbstractAsyncContextManager):
    """The per-call context an interceptor's ``around`` returns.

    ``unary``/``stream`` run the inner handler; subclasses override them to bound it in time
    or cut it short (``unary`` takes the handler's awaitable and returns an awaitable of its
    result). The default enter/exit do nothing, so a check-only interceptor overrides
    ``__aenter__``; for a unary-response RPC the chain does not even call the defaults.
    """

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        return False

    async def unary(self, awaitable):
        return await awaitable

    def stream(self, iterator):
        return iterator


# The defaults, which the flat unary path skips rather than awaits.
_ENTER, _EXIT, _UNARY = Guard.__aenter__, Guard.__aexit__, Guard.unary


class Interceptor:
    """One concern around every privexbot.v1 call: ``around`` returns its per-call guard."""

    def around(self, spec: contract.MethodSpec, request, context) -> Guard:
        raise NotImplementedError


class _Methods(grpc.GenericRpcHandler):
    """Every wrapped method of every service the chain registered, found in one look-up."""

    def __init__(self) -> None:
        self.handlers: dict[str, grpc.RpcMethodHandler] = {}

    def service(self, handler_call_details):
        return self.handlers.get(handler_call_details.method)


class Chain:
    """The platform's interceptors, applied to each privexbot.v1 handler once, when its
    service is registered. Not a grpc.aio server interceptor: that per-call machinery measured
    about as costly as the interceptors themselves. Health and reflection are registered
    without the chain; unknown methods answer UNIMPLEMENTED (grpc finds no handler).

    The handlers are served as one generic handler (a dict look-up per call), not as grpc's
    registered methods: grpc.aio keeps a pending request per registered method and, for every
    call it accepts, waits on all of them (``asyncio.wait``, ~90 for the six services), which
    measured as a third of a cheap RPC's cost."""

    def __init__(self, interceptors: list[Interceptor], decoder) -> None:
        """``decoder(parse)``: the deserializer to serve a message's ``parse`` with."""
        self._arounds = tuple(interceptor.around for interceptor in interceptors)
        self._decoder = decoder
        self._methods: dict[grpc.aio.Server, _Methods] = {}

    def register(
        self, server: grpc.aio.Server, service: str, handlers: dict[str, grpc.RpcMethodHandler]
    ) -> None:
        methods = contract.methods()
        registered = self._methods.get(server)
        if registered is None:
            registered = self._methods[server] = _Methods()
            server.add_generic_rpc_handlers((registered,))
        for name, handler in handlers.items():
            path = f"/{service}/{name}"
            registered.handlers[path] = _wrap(handler, methods[path], self._arounds, self._decoder)
