"""Shared machinery: per-call state and wrapping of gRPC method handlers.

An interceptor implements ``around(spec, request, context)``, an async context manager
that runs around the handler. For client-streaming RPCs ``request`` is a ``FirstMessage``
stream, so checks that need the request (scope, field limits) can peek at its first message.
"""

from __future__ import annotations

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


def _wrap(
    handler: grpc.RpcMethodHandler, spec: contract.MethodSpec, around
) -> grpc.RpcMethodHandler:
    if handler.request_streaming and handler.response_streaming:
        inner = handler.stream_stream

        async def stream_stream(request_iterator, context):
            stream = FirstMessage(request_iterator)
            async with around(spec, stream, context) as guard:
                async for response in guard.stream(inner(stream, context)):
                    yield response

        return grpc.stream_stream_rpc_method_handler(
            stream_stream, handler.request_deserializer, handler.response_serializer
        )
    if handler.request_streaming:
        inner = handler.stream_unary

        async def stream_unary(request_iterator, context):
            stream = FirstMessage(request_iterator)
            async with around(spec, stream, context) as guard:
                return await guard.unary(inner(stream, context))

        return grpc.stream_unary_rpc_method_handler(
            stream_unary, handler.request_deserializer, handler.response_serializer
        )
    if handler.response_streaming:
        inner = handler.unary_stream

        async def unary_stream(request, context):
            async with around(spec, request, context) as guard:
                async for response in guard.stream(inner(request, context)):
                    yield response

        return grpc.unary_stream_rpc_method_handler(
            unary_stream, handler.request_deserializer, handler.response_serializer
        )
    inner = handler.unary_unary

    async def unary_unary(request, context):
        async with around(spec, request, context) as guard:
            return await guard.unary(inner(request, context))

    return grpc.unary_unary_rpc_method_handler(
        unary_unary, handler.request_deserializer, handler.response_serializer
    )


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

    async def stream(self, iterator):
        async for item in iterator:
            yield item


class Interceptor(grpc.aio.ServerInterceptor):
    """Wraps privexbot.v1 handlers (health and reflection pass through untouched)."""

    def __init__(self) -> None:
        self._wrapped: dict[grpc.RpcMethodHandler, grpc.RpcMethodHandler] = {}

    def around(self, spec: contract.MethodSpec, request, context) -> Guard:
        raise NotImplementedError

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        spec = contract.methods().get(handler_call_details.method)
        if handler is None or spec is None:
            return handler  # unknown methods answer UNIMPLEMENTED; health/reflection are exempt
        wrapped = self._wrapped.get(handler)
        if wrapped is None:
            wrapped = self._wrapped[handler] = _wrap(handler, spec, self.around)
        return wrapped
