"""The blocking client: ``PrivexBot``.

with PrivexBot("127.0.0.1:50051") as px:
    session = px.auth.log_in_with_email(email=..., password=...)
    px.credentials = AccessToken.from_session(session)
    for kb in px.knowledge.list_knowledge_bases(session.workspace):
        print(kb.display_name)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from itertools import count
from typing import Any

import grpc

from privexbot.client._base import BaseClient, Call
from privexbot.client._rpc import Kind, Rpc
from privexbot.client.errors import error_details


class Pager:
    """Every item of a List RPC: iterating fetches the next page when one is used up."""

    def __init__(self, fetch: Callable[[str], Any], items: str) -> None:
        self._fetch, self._items = fetch, items

    def pages(self) -> Iterator[Any]:
        """Each response, from the first page to the last."""
        token = ""
        while True:
            page = self._fetch(token)
            yield page
            token = page.next_page_token
            if not token:
                return

    def __iter__(self) -> Iterator[Any]:
        for page in self.pages():
            yield from getattr(page, self._items)


class PrivexBot(BaseClient):
    """The PrivexBot API over gRPC, with blocking calls; see ``BaseClient`` for the
    arguments. Services: ``auth``, ``tenant``, ``bot``, ``flow``, ``knowledge``,
    ``inference``. Failed calls raise a ``PrivexBotError`` subclass."""

    _Lock = threading.Lock

    def _open(self, target: str, credentials: grpc.ChannelCredentials) -> grpc.Channel:
        return grpc.secure_channel(target, credentials)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> PrivexBot:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _invoke(self, method, name: str, rpc: Rpc, request: Any, arguments: dict) -> Any:
        call, timeout = self._plan(name, rpc, request, arguments)
        if rpc.kind is Kind.PAGED:
            return Pager(lambda token: self._unary(method, call.page(token, timeout)), rpc.items)
        if rpc.kind is Kind.SERVER_STREAM:
            return self._stream(method, call)
        return self._unary(method, call)

    def _unary(self, method, call: Call) -> Any:
        for attempt in count(1):
            token = "" if call.renewal else self._fresh()
            try:
                return method(call.request, timeout=call.remaining(), metadata=call.metadata)
            except grpc.RpcError as error:
                time.sleep(self._after(error, attempt, call, token))

    def _stream(self, method, call: Call) -> Iterator[Any]:
        for attempt in count(1):
            token = self._fresh()
            events = method(call.request, timeout=call.remaining(), metadata=call.metadata)
            started = False
            try:
                for event in events:
                    started = True
                    yield event
                return
            except grpc.RpcError as error:
                if started:
                    raise error_details(error) from error
                wait = self._after(error, attempt, call, token)
            finally:
                events.cancel()
            time.sleep(wait)

    def _fresh(self) -> str:
        """The access token to send, refreshed first when due."""
        if self._stale_token():
            with self._refreshing:
                if credentials := self._stale_token():
                    method = self.auth.stub.RefreshToken
                    credentials.renewed(self._unary(method, self._renewal(credentials)))
        return self._token()
