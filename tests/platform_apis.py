"""A local stand-in for the platforms' HTTP APIs (loopback only), answering the documented
shapes and recording every call. One server; each platform's base URL is a prefix of it
(``base(platform)``):

- Telegram Bot API: ``POST /bot{token}/{method}`` with a JSON body answers
  ``{"ok": true, "result": ...}`` (sendMessage: the Message).
- Slack Web API: ``POST /slack/chat.postMessage`` and ``/slack/chat.update`` with
  ``Authorization: Bearer xoxb-...`` answer ``{"ok": true, "channel", "ts", "text"}``.
- Discord interaction webhooks: ``PATCH /discord/webhooks/{application}/{token}/messages/
  @original`` and ``POST /discord/webhooks/{application}/{token}`` answer the message.
- WhatsApp Cloud API: ``POST /whatsapp/{phone number id}/messages`` with a bearer token
  answers ``{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id"}]}``.

A token containing "revoked" is answered 401 (what Telegram answers for an unknown token,
Meta for an expired access token). A token containing "throttled" is answered 429 on its first call, the way each platform
says so (Telegram: ``parameters.retry_after``; Slack: ``Retry-After``; Discord: both;
WhatsApp: ``Retry-After``), then served."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field

PREFIXES = {"telegram": "", "slack": "/slack", "discord": "/discord", "whatsapp": "/whatsapp"}


@dataclass(frozen=True)
class Call:
    token: str  # the bot token, bearer token or (Discord) interaction token
    method: str  # Telegram/Slack method, "editOriginal"/"followup", "messages"
    payload: dict
    platform: str = "telegram"
    target: str = ""  # the path's id: Discord application, WhatsApp phone number id
    made: int = 0  # the id of the message a Telegram sendMessage made (the call's number)
    at: float = field(default_factory=time.monotonic)


def _reply(status: int, body: dict, headers: dict | None = None) -> bytes:
    data = json.dumps(body).encode()
    reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return (
        f"HTTP/1.1 {status} {reason.get(status, 'X')}\r\ncontent-type: application/json\r\n"
        f"{extra}content-length: {len(data)}\r\nconnection: close\r\n\r\n"
    ).encode() + data


def _route(verb: str, path: str, headers: dict) -> tuple[str, str, str, str] | None:
    """(platform, token, method, target) of a documented call, else None."""
    bearer = headers.get("authorization", "").removeprefix("Bearer ")
    parts = path.lstrip("/").split("/")
    if parts[0] == "slack" and parts[1:] in (["chat.postMessage"], ["chat.update"]):
        return "slack", bearer, parts[1], ""
    if parts[0] == "discord" and len(parts) >= 4 and parts[1] == "webhooks":
        if verb == "PATCH" and parts[4:] == ["messages", "@original"]:
            return "discord", parts[3], "editOriginal", parts[2]
        if verb == "POST" and len(parts) == 4:
            return "discord", parts[3], "followup", parts[2]
    if parts[0] == "whatsapp" and len(parts) == 3 and parts[2] == "messages" and verb == "POST":
        return "whatsapp", bearer, "messages", parts[1]
    if parts[0].startswith("bot") and len(parts) == 2 and verb == "POST":
        return "telegram", parts[0].removeprefix("bot"), parts[1], ""
    return None


def _throttled(platform: str) -> bytes:
    if platform == "telegram":
        body = {"ok": False, "error_code": 429, "parameters": {"retry_after": 1}}
        return _reply(429, body)
    if platform == "discord":
        body = {"message": "You are being rate limited.", "retry_after": 0.5, "global": False}
        return _reply(429, body, {"retry-after": "1"})
    return _reply(429, {"ok": False, "error": "ratelimited"}, {"retry-after": "1"})


def _answer(call: Call) -> bytes:
    payload = call.payload
    if "revoked" in call.token:
        return _reply(401, {"ok": False, "error_code": 401})
    if call.platform == "telegram":
        if call.method == "sendMessage":
            message = {"message_id": call.made, "chat": {"id": payload.get("chat_id")}}
            return _reply(200, {"ok": True, "result": {**message, "text": payload.get("text")}})
        return _reply(200, {"ok": True, "result": True})
    if call.platform == "slack":
        message = {"text": payload.get("text"), "ts": f"{time.time():.6f}"}
        return _reply(200, {"ok": True, "channel": payload.get("channel"), **message})
    if call.platform == "discord":
        return _reply(200, {"id": "1", "content": payload.get("content")})
    to = payload.get("to")
    body = {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}]}
    return _reply(200, {**body, "messages": [{"id": "wamid.local"}]})


class PlatformApis:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.url = ""
        self._server: asyncio.Server | None = None
        self._arrived = asyncio.Condition()

    def base(self, platform: str) -> str:
        return self.url + PREFIXES[platform]

    def to(self, token: str) -> list[Call]:
        """The calls made with ``token`` (any platform's)."""
        return [c for c in self.calls if c.token == token]

    async def wait_for(self, token: str, count: int = 1, until=None) -> list[Call]:
        """The calls made with ``token`` once there are ``count`` of them, or once they
        satisfy ``until`` (3 minutes at most: a chat turn on a busy machine)."""

        def arrived() -> bool:
            calls = self.to(token)
            return until(calls) if until else len(calls) >= count

        async with asyncio.timeout(180), self._arrived:
            await self._arrived.wait_for(arrived)
        return self.to(token)

    async def _handle(self, reader, writer) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            verb, target, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            route = _route(verb, target, headers)
            if route is None:
                writer.write(_reply(404, {"ok": False, "error_code": 404}))
            else:
                platform, token, method, path_id = route
                payload = json.loads(body or b"{}")
                call = Call(token, method, payload, platform, path_id, made=len(self.calls) + 1)
                first = not self.to(token)
                async with self._arrived:
                    self.calls.append(call)
                    self._arrived.notify_all()
                throttle = "throttled" in token and first
                writer.write(_throttled(platform) if throttle else _answer(call))
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
