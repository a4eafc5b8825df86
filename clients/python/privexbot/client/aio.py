"""The asyncio client: ``AsyncPrivexBot``.

async with AsyncPrivexBot("127.0.0.1:50051") as px:
    session = await px.auth.log_in_with_email(email=..., password=...)
    px.credentials = AccessToken.from_session(session)
    async for kb in px.knowledge.list_knowledge_bases(session.workspace):
        print(kb.display_name)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from itertools import count
from typing import Any

import grpc

from privexbot.client._base import BaseClient, Call
from privexbot.client._rpc import Kind, Rpc
from privexbot.client.errors import error_details


class AsyncPager:
    """Every item of a List RPC: iterating fetches the next page when one is used up."""

    def __init__(self, fetch: Callable[[str], Awaitable[Any]], items: str) -> None:
        self._fetch, self._items = fetch, items

    async def pages(self) -> AsyncIterator[Any]:
        """Each response, from the first page to the last."""
        token = ""
        while True:
            page = await self._fetch(token)
            yield page
            token = page.next_page_token
            if not token:
                return

    async def __aiter__(self) -> AsyncIterator[Any]:
        async for page in self.pages():
            for item in getattr(page, self._items):
                yield item


class AsyncPrivexBot(BaseClient):
    """The PrivexBot API over gRPC for asyncio; see ``BaseClient`` for the arguments.
    Services: ``auth``, ``tenant``, ``bot``, ``flow``, ``knowledge``, ``inference``; their
    methods are awaited, except List RPCs (an ``AsyncPager``) and server streams (async
    iterators). Failed calls raise a ``PrivexBotError`` subclass."""

    _Lock = asyncio.Lock

    def _open(self, target: str, credentials: grpc.ChannelCredentials) -> grpc.aio.Channel:
        return grpc.aio.secure_channel(target, credentials)

    async def close(self) -> None:
        await self.channel.close()

    async def __aenter__(self) -> AsyncPrivexBot:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def _invoke(self, method, name: str, rpc: Rpc, request: Any, arguments: dict) -> Any:
        call, timeout = self._plan(name, rpc, request, arguments)
        if rpc.kind is Kind.PAGED:
            return AsyncPager(
                lambda token: self._unary(method, call.page(token, timeout)), rpc.items
            )
        if rpc.kind is Kind.SERVER_STREAM:
            return self._stream(method, call)
        return self._unary(method, call)

    async def _unary(self, method, call: Call) -> Any:
        for attempt in count(1):
            token = "" if call.renewal else await self._fresh()
            try:
                return await method(call.request, timeout=call.remaining(), metadata=call.metadata)
            except grpc.RpcError as error:
                await asyncio.sleep(self._after(error, attempt, call, token))

    async def _stream(self, method, call: Call) -> AsyncIterator[Any]:
        for attempt in count(1):
            token = await self._fresh()
            events = method(call.request, timeout=call.remaining(), metadata=call.metadata)
            started = False
            try:
                async for event in events:
                    started = True
                    yield event
                return
            except grpc.RpcError as error:
                if started:
                    raise error_details(error) from error
                wait = self._after(error, attempt, call, token)
            finally:
                events.cancel()
            await asyncio.sleep(wait)

    async def _fresh(self) -> str:
        """The access token to send, refreshed first when due."""
        if self._stale_token():
            async with self._refreshing:
                if credentials := self._stale_token():
                    method = self.auth.stub.RefreshToken
                    credentials.renewed(await self._unary(method, self._renewal(credentials)))
        return self._token()
