"""A local stand-in for the platforms' HTTP APIs (loopback only), answering the documented
shapes and recording every call. Telegram Bot API: ``POST /bot{token}/{method}`` with a
JSON body answers ``{"ok": true, "result": true}``, or 401 ``{"ok": false, ...}`` for a
token containing "revoked" (what Telegram answers for an unknown token)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Call:
    token: str
    method: str
    payload: dict


def _reply(status: int, body: dict) -> bytes:
    data = json.dumps(body).encode()
    reason = {200: "OK", 401: "Unauthorized", 404: "Not Found"}.get(status, "X")
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(data)}\r\nconnection: close\r\n\r\n"
    ).encode() + data


class PlatformApis:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.url = ""
        self._server: asyncio.Server | None = None

    def telegram(self, token: str) -> list[Call]:
        return [c for c in self.calls if c.token == token]

    async def _handle(self, reader, writer) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            _, target, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            bot, _, method = target.lstrip("/").partition("/")
            if not bot.startswith("bot"):
                writer.write(_reply(404, {"ok": False, "error_code": 404}))
            else:
                token = bot.removeprefix("bot")
                self.calls.append(Call(token, method, json.loads(body or b"{}")))
                if "revoked" in token:
                    writer.write(_reply(401, {"ok": False, "error_code": 401}))
                else:
                    writer.write(_reply(200, {"ok": True, "result": True}))
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
