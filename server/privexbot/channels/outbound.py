"""Replies sent through the platforms' send APIs, at base URLs from settings: Telegram
sendMessage, Slack chat.postMessage, Discord's interaction webhook (the deferred
response's original message edited, then follow-up messages) and the WhatsApp Cloud API
messages endpoint; where a platform edits messages, the reply is shown while it is
written (``Reply``). A 429 waits what the platform asks (``Retry-After`` or the body's
``retry_after``, at most ``MAX_WAIT_SECONDS``), a 5xx or a dropped connection backs off
exponentially, both up to ``MAX_ATTEMPTS``; any other refusal gives up at once. Nothing
here logs a token, a URL (Telegram's holds the token) or a message."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

import httpx

from privexbot.channels.compose import compose
from privexbot.kernel.errors import Unavailable

log = logging.getLogger("privexbot.channels")
MAX_ATTEMPTS = 5
MAX_WAIT_SECONDS = 30.0
BACKOFF_SECONDS = 0.5
EDITABLE = ("telegram", "slack", "discord")
EDIT_INTERVAL_SECONDS = 1.0


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

    def request(
        self, platform: str, credentials: dict, to: dict, text: str, first: bool, shown: str = ""
    ) -> tuple[str, str, dict, dict]:
        """(method, URL, headers, JSON body) of one message; ``shown``: the id of the message
        of ours to edit instead (Telegram's message_id, Slack's ts; Discord edits the
        interaction's original response)."""
        base = self._bases[platform]
        bearer = {"authorization": f"Bearer {credentials.get('bot_token', '')}"}
        if platform == "telegram":
            bot = f"{base}/bot{credentials['bot_token']}"
            if shown:
                edit = {"chat_id": to["chat_id"], "message_id": int(shown), "text": text}
                return "POST", f"{bot}/editMessageText", {}, edit
            body = {"chat_id": to["chat_id"], "text": text}
            if first and to.get("message_id"):
                body["reply_parameters"] = {"message_id": to["message_id"]}
            return "POST", f"{bot}/sendMessage", {}, body
        if platform == "slack":
            if shown:
                edit = {"channel": to["channel"], "ts": shown, "text": text}
                return "POST", f"{base}/chat.update", bearer, edit
            body = {"channel": to["channel"], "text": text, "mrkdwn": True}
            if to.get("thread_ts"):
                body["thread_ts"] = to["thread_ts"]
            return "POST", f"{base}/chat.postMessage", bearer, body
        if platform == "discord":  # the interaction's token authorizes its webhook
            hook = f"{base}/webhooks/{to['application_id']}/{to['token']}"
            if first or shown:
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

    def reply(self, platform: str, credentials: dict, to: dict, progress=None) -> Reply:
        return Reply(self, platform, credentials, to, progress)

    async def send(self, platform: str, credentials: dict, to: dict, pieces: Sequence[str]):
        """Each piece as one message, in order; Unavailable when the platform gave up."""
        await self.reply(platform, credentials, to).finish(pieces)

    async def deliver(self, platform: str, request: tuple) -> dict:
        """One request made (retried as the module says); the platform's JSON answer."""
        async with httpx.AsyncClient(timeout=self._timeout) as http:
            return await self._deliver(http, platform, *request)

    async def _deliver(
        self, http: httpx.AsyncClient, platform: str, method: str, url: str, headers, body
    ) -> dict:
        for attempt in range(MAX_ATTEMPTS):
            wait = BACKOFF_SECONDS * 2**attempt
            try:
                response = await http.request(method, url, headers=headers, json=body)
            except httpx.HTTPError:
                response = None
            if response is not None:
                if response.status_code < 300 and (answer := _accepted(response)) is not None:
                    return answer
                if response.status_code == 429:
                    wait = _retry_after(response) or wait
                elif response.status_code < 500:
                    log.warning("%s refused a reply: HTTP %s", platform, response.status_code)
                    raise Unavailable("PLATFORM_REFUSED", f"{platform} refused the reply")
            if attempt + 1 < MAX_ATTEMPTS:
                await self._sleep(wait)
        raise Unavailable("PLATFORM_UNAVAILABLE", f"{platform} did not take the reply")


def _accepted(response: httpx.Response) -> dict | None:
    """The JSON answer of a 2xx, None for an ``ok: false`` (Telegram and Slack report errors
    in the body)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    return None if body.get("ok") is False else body


def _shown_id(platform: str, answer: dict) -> str:
    """The id of the message a platform says it made, to edit it later."""
    if platform == "telegram":
        return str((answer.get("result") or {}).get("message_id", ""))
    if platform == "slack":
        return str(answer.get("ts", ""))
    return "@original"


class Reply:
    """One reply on its way. Where the platform edits messages (Telegram editMessageText,
    Slack chat.update, Discord's original response) a reply that takes longer than
    ``EDIT_INTERVAL_SECONDS`` is shown while it is written: sent, then edited at most once
    per interval (within the platforms' per-chat pace) while it fits one message. ``finish``
    puts the composed reply in place: its first piece as the last edit (or the first
    message), the rest as new messages."""

    def __init__(
        self,
        outbound: Outbound,
        platform: str,
        credentials: dict,
        to: dict,
        progress=None,
        clock=time.monotonic,
    ) -> None:
        """``progress``: where the delivery so far is kept (``turns.Progress``: the message
        shown, the pieces sent), so a reply taken over resumes; None keeps it here."""
        self._outbound, self._platform = outbound, platform
        self._credentials, self._to, self._clock = credentials, to, clock
        self._progress = progress
        # The message being edited and the pieces already sent (a reply taken over starts
        # from its progress); when it was last shown (at first: when the reply began).
        self._shown = progress.shown if progress else ""
        self._sent = progress.pieces_sent if progress else 0
        self._shown_at = clock()

    async def _put(self, text: str, first: bool = True) -> None:
        edit = self._shown if first else ""
        request = self._outbound.request(
            self._platform, self._credentials, self._to, text, first, edit
        )
        answer = await self._outbound.deliver(self._platform, request)
        if first and not self._shown:
            self._shown = _shown_id(self._platform, answer)
            await self._save()

    async def _save(self) -> None:
        if self._progress is not None:
            await self._progress.save(self._shown, self._sent)

    async def show(self, text: str) -> None:
        """The reply so far (raw), shown when the pace allows."""
        pieces = compose(self._platform, text)
        if self._platform not in EDITABLE or len(pieces) != 1:
            return
        now = self._clock()
        if now - self._shown_at < EDIT_INTERVAL_SECONDS:
            return
        self._shown_at = now
        await self._put(pieces[0] + " …")

    async def finish(self, pieces: Sequence[str]) -> None:
        """Put the pieces not sent yet in place (all but those a previous worker sent)."""
        for index in range(self._sent, len(pieces)):
            await self._put(pieces[index], first=index == 0)
            self._sent = index + 1
            await self._save()
