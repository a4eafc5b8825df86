"""Shared machinery: per-call state and wrapping of gRPC method handlers.

An interceptor implements ``around(spec, request, context)``, an async context manager
that runs around the handler; ``Chain`` nests them around each handler at registration. For client-streaming RPCs ``request`` is a ``FirstMessage``
stream, so checks that need the request (scope, field limits) can peek at its first message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

import grpc

from privexbot import contract


class FirstMessage:
    """A client stream whose first message can be read ahead (for authz and validation)."""

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
            yield message


async def request_message(request):
    """The message a check should look at: the request, or a stream's first message."""
    return await request.first() if isinstance(request, FirstMessage) else request


def _nest_unary(spec: contract.MethodSpec, around, inner):
    async def call(request, context):
        async with around(spec, request, context) as guard:
            return await guard.unary(inner(request, context))

    return call


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
    handler: grpc.RpcMethodHandler, spec: contract.MethodSpec, arounds
) -> grpc.RpcMethodHandler:
    """The handler with every interceptor's guard around it, the first outermost."""
    kind = (
        ("stream" if handler.request_streaming else "unary")
        + "_"
        + ("stream" if handler.response_streaming else "unary")
    )
    behavior = getattr(handler, kind)
    nest = _nest_stream if handler.response_streaming else _nest_unary
    for around in reversed(arounds):
        behavior = nest(spec, around, behavior)
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
    return make(behavior, handler.request_deserializer, handler.response_serializer)


class Guard(AbstractAsyncContextManager):
    """The per-call context an interceptor's ``around`` returns.

    ``unary``/``stream`` run the inner handler; subclasses override them to bound it in time.
    The default enter/exit do nothing, so a check-only interceptor overrides ``__aenter__``.
    """

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        return False

    async def unary(self, awaitable):
        return await awaitable

    def stream(self, iterator):
        return iterator


class Interceptor:
    """One concern around every privexbot.v1 call: ``around`` returns its per-call guard."""

    def around(self, spec: contract.MethodSpec, request, context) -> Guard:
        raise NotImplementedError


class Chain:
    """The platform's interceptors, applied to each privexbot.v1 handler once, when its
    service is registered. Not a grpc.aio server interceptor: that per-call machinery measured
    about as costly as the interceptors themselves. Health and reflection are registered
    without the chain; unknown methods answer UNIMPLEMENTED (grpc finds no handler)."""

    def __init__(self, interceptors: list[Interceptor]) -> None:
        self._arounds = [interceptor.around for interceptor in interceptors]

    def register(
        self, server: grpc.aio.Server, service: str, handlers: dict[str, grpc.RpcMethodHandler]
    ) -> None:
        methods = contract.methods()
        wrapped = {
            name: _wrap(handler, methods[f"/{service}/{name}"], self._arounds)
            for name, handler in handlers.items()
        }
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, wrapped),))
        server.add_registered_method_handlers(service, wrapped)
