"""A local HTTP/1.1 server for http-node tests (loopback only; bounded; stops with its test):
``/order`` JSON, ``/hang`` never answers, ``/redirect?to=URL`` a 302, ``/big`` 2 MiB,
``/secure`` answers 200 only with the right bearer token (and never echoes it)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from urllib.parse import parse_qs, urlsplit

TOKEN = "tok-" + "9f3c2a71e4b8"


def _reply(status: int, body: bytes, content_type="application/json", extra="") -> bytes:
    reason = {200: "OK", 302: "Found", 401: "Unauthorized", 404: "Not Found"}.get(status, "X")
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n{extra}\r\n"
    ).encode() + body


class Server:
    def __init__(self) -> None:
        self.port = 0
        self.hits: list[str] = []
        self._server: asyncio.Server | None = None

    async def _handle(self, reader, writer) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            _, target, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            parts = urlsplit(target)
            self.hits.append(parts.path)
            if parts.path == "/order":
                body = json.dumps({"order": "A-17", "status": "shipped", "n": 42}).encode()
                writer.write(_reply(200, body))
            elif parts.path == "/hang":
                await asyncio.sleep(20)  # bounded: the test has long given up
            elif parts.path == "/redirect":
                to = parse_qs(parts.query)["to"][0]
                writer.write(_reply(302, b"", extra=f"location: {to}\r\n"))
            elif parts.path == "/big":
                writer.write(_reply(200, b"x" * (2 * 1024 * 1024), "text/plain"))
            elif parts.path == "/secure":
                ok = headers.get("authorization") == f"Bearer {TOKEN}"
                writer.write(_reply(200 if ok else 401, json.dumps({"ok": ok}).encode()))
            else:
                writer.write(_reply(404, b"{}"))
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 1)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"
