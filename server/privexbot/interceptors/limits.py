"""Limits on every call: field rules from the contract, and a default deadline.

Size and stream-count limits are set on the server itself (``privexbot.app``); this
interceptor rejects malformed requests before any handler runs and bounds handler time
when the client sent no deadline (or one beyond the default).

A unary call whose client deadline already falls within the default is not given a timer of
its own: grpc cancels the call at that deadline anyway (the client has its
DEADLINE_EXCEEDED), and a timer per call measured as a noticeable share of a cheap RPC.
Streams are always bounded here, message by message.
"""

from __future__ import annotations

import asyncio
import contextlib

from privexbot.interceptors.base import Guard, Interceptor, request_message
from privexbot.kernel import validation


class _Limited(Guard):
    __slots__ = ("request", "context", "default")

    def __init__(self, request, context, default: float) -> None:
        self.request, self.context, self.default = request, context, default

    async def __aenter__(self):
        validation.validate(await request_message(self.request))
        return self

    def _deadline(self) -> float:
        remaining = self.context.time_remaining()
        budget = self.default if remaining is None else min(remaining, self.default)
        return asyncio.get_running_loop().time() + budget

    def unary(self, awaitable):
        remaining = self.context.time_remaining()
        if remaining is not None and remaining <= self.default:
            return awaitable  # grpc ends the call at the client's deadline
        return self._bounded(awaitable, self.default)

    @staticmethod
    async def _bounded(awaitable, budget: float):
        async with asyncio.timeout(budget):
            return await awaitable

    async def stream(self, iterator):
        # Bound the time spent producing each message (not the time the client takes to read).
        deadline = self._deadline()
        async with contextlib.aclosing(iterator):
            while True:
                async with asyncio.timeout_at(deadline):
                    try:
                        item = await anext(iterator)
                    except StopAsyncIteration:
                        return
                yield item


class LimitsInterceptor(Interceptor):
    def __init__(self, unary_deadline: float, stream_deadline: float) -> None:
        self._unary, self._stream = unary_deadline, stream_deadline

    def around(self, spec, request, context) -> Guard:
        default = self._stream if spec.server_streaming or spec.client_streaming else self._unary
        return _Limited(request, context, default)
