"""Replies sent through the platforms' send APIs, at base URLs from settings: Telegram
sendMessage, Slack chat.postMessage, Discord's interaction webhook (the deferred
response's original message edited, then follow-up messages) and the WhatsApp Cloud API
messages endpoint. A 429 waits what the platform asks (``Retry-After`` or the body's
``retry_after``, at most ``MAX_WAIT_SECONDS``), a 5xx or a dropped connection backs off
exponentially, both up to ``MAX_ATTEMPTS``; any other refusal gives up at once. Nothing
here logs a token, a URL (Telegram's holds the token) or a message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import httpx

from privexbot.kernel.errors import Unavailable

log = logging.getLogger("privexbot.channels")
MAX_ATTEMPTS = 5
MAX_WAIT_SECONDS = 30.0
BACKOFF_SECONDS = 0.5


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the platform asks to wait: the body's (Discord's ``retry_after``, exact where
    its header is rounded up; Telegram's ``parameters.retry_after``), else ``Retry-After``."""
    try:
        body = response.json()
    except ValueError:
        body = None
    candidates = []
    if isinstance(body, dict):
        candidates += [body.get("retry_after"), (body.get("parameters") or {}).get("retry_after")]
    candidates.append(response.headers.get("retry-after"))
    for value in candidates:
        try:
            return min(max(float(value), 0.0), MAX_WAIT_SECONDS)
        except (TypeError, ValueError):
            continue
    return None


class Outbound:
    """``bases``: platform -> API base URL; ``sleep``: how waits are taken (tests count them)."""

    def __init__(
        self,
        bases: dict[str, str],
        timeout: float = 15.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._bases = {platform: url.rstrip("/") for platform, url in bases.items()}
        self._timeout, self._sleep = timeout, sleep

    def _request(
        self, platform: str, credentials: dict, to: dict, text: str, first: bool
    ) -> tuple[str, str, dict, dict]:
        """(method, URL, headers, JSON body) of one message."""
        base = self._bases[platform]
        bearer = {"authorization": f"Bearer {credentials.get('bot_token', '')}"}
        if platform == "telegram":
            body = {"chat_id": to["chat_id"], "text": text}
            if first and to.get("message_id"):
                body["reply_parameters"] = {"message_id": to["message_id"]}
            return "POST", f"{base}/bot{credentials['bot_token']}/sendMessage", {}, body
        if platform == "slack":
            body = {"channel": to["channel"], "text": text, "mrkdwn": True}
            if to.get("thread_ts"):
                body["thread_ts"] = to["thread_ts"]
            return "POST", f"{base}/chat.postMessage", bearer, body
        if platform == "discord":  # the interaction's token authorizes its webhook
            hook = f"{base}/webhooks/{to['application_id']}/{to['token']}"
            if first:
                return "PATCH", hook + "/messages/@original", {}, {"content": text}
            return "POST", hook, {}, {"content": text}
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to["to"],
            "type": "text",
            "text": {"body": text, "preview_url": False},
        }
        return "POST", f"{base}/{credentials['account_id']}/messages", bearer, body

    async def send(self, platform: str, credentials: dict, to: dict, pieces: Sequence[str]):
        """Each piece as one message, in order; Unavailable when the platform gave up."""
        async with httpx.AsyncClient(timeout=self._timeout) as http:
            for index, piece in enumerate(pieces):
                request = self._request(platform, credentials, to, piece, index == 0)
                await self._deliver(http, platform, *request)

    async def _deliver(
        self, http: httpx.AsyncClient, platform: str, method: str, url: str, headers, body
    ) -> None:
        for attempt in range(MAX_ATTEMPTS):
            wait = BACKOFF_SECONDS * 2**attempt
            try:
                response = await http.request(method, url, headers=headers, json=body)
            except httpx.HTTPError:
                response = None
            if response is not None:
                if response.status_code < 300 and _accepted(response):
                    return
                if response.status_code == 429:
                    wait = _retry_after(response) or wait
                elif response.status_code < 500:
                    log.warning("%s refused a reply: HTTP %s", platform, response.status_code)
                    raise Unavailable("PLATFORM_REFUSED", f"{platform} refused the reply")
            if attempt + 1 < MAX_ATTEMPTS:
                await self._sleep(wait)
        raise Unavailable("PLATFORM_UNAVAILABLE", f"{platform} did not take the reply")


def _accepted(response: httpx.Response) -> bool:
    """A 2xx that is not an ``ok: false`` (Telegram and Slack report errors in the body)."""
    try:
        body = response.json()
    except ValueError:
        return True
    return not (isinstance(body, dict) and body.get("ok") is False)
