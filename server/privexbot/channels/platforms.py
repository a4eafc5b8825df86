"""Calls to the platforms' own APIs, at base URLs from settings (tests point them at a
local server). Telegram puts the bot token in the URL path, so the ``httpx`` request log
line, which would carry it, is kept below INFO; errors name the platform, never the URL."""

from __future__ import annotations

import logging

import httpx

from privexbot.kernel.errors import InvalidArgument, Unavailable

logging.getLogger("httpx").setLevel(logging.WARNING)


class Telegram:
    """The Bot API's webhook registration (setWebhook with the secret token it sends back
    in ``X-Telegram-Bot-Api-Secret-Token``; deleteWebhook)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = timeout

    async def _call(self, token: str, method: str, payload: dict) -> None:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                response = await http.post(f"{self._base}/bot{token}/{method}", json=payload)
        except httpx.HTTPError:
            raise Unavailable("PLATFORM_UNAVAILABLE", "Telegram did not answer; retry") from None
        if response.status_code in (401, 404):  # the Bot API's answer to a wrong token
            raise InvalidArgument.field("channel.credentials.bot_token", "Telegram refused it")
        if response.status_code != 200 or not response.json().get("ok"):
            raise Unavailable("PLATFORM_UNAVAILABLE", f"Telegram {method} failed; retry")

    async def set_webhook(self, token: str, url: str, secret: str) -> None:
        await self._call(
            token,
            "setWebhook",
            {"url": url, "secret_token": secret, "allowed_updates": ["message"]},
        )

    async def delete_webhook(self, token: str) -> None:
        await self._call(token, "deleteWebhook", {"drop_pending_updates": True})
