"""A platform's webhook call, from raw bytes to an answer: the channel (NOT_FOUND alike for
missing, disabled or another platform's), the platform's proof checked over the body as
received (a failure is audited, then 401), handshakes answered (Discord PING, Slack
url_verification, WhatsApp's verify GET), and a replayed update or event acknowledged
without being processed again (its id remembered for a day)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from privexbot.channels import webhooks
from privexbot.channels.connections import PLATFORMS, Channels
from privexbot.kernel import resources
from privexbot.kernel.errors import InvalidArgument, NotFound, Unauthenticated
from privexbot.store import audit

REPLAY_TTL_SECONDS = 24 * 3600
JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    content_type: str
    body: bytes
    fresh: bool = False  # an inbound message seen for the first time


def _json(value: dict, fresh: bool = False) -> Answer:
    return Answer(JSON, json.dumps(value).encode(), fresh)


class Inbound:
    def __init__(self, sessions, channels: Channels, store) -> None:
        self._sessions, self._channels, self._store = sessions, channels, store

    async def receive(
        self, platform: str, channel_id: str, headers: dict[str, str], body: bytes, hub: dict
    ) -> Answer:
        if platform not in PLATFORMS:
            raise NotFound("CHANNEL_NOT_FOUND", "no such channel")
        row, credentials = await self._channels.serving(platform, channel_id)
        try:
            if hub.get("mode"):
                if platform != "whatsapp":
                    raise NotFound("CHANNEL_NOT_FOUND", "no such channel")
                challenge = webhooks.whatsapp_handshake(
                    credentials["verify_token"], hub["mode"], hub.get("verify_token"),
                    hub.get("challenge", ""),
                )  # fmt: skip
                return Answer("text/plain", challenge.encode())
            self._check(platform, credentials, headers, body)
        except Unauthenticated as refused:
            await self._audit(row, refused.reason)
            raise
        try:
            event = json.loads(body)
        except ValueError:
            raise InvalidArgument.field("body", "must be JSON") from None
        return await self._answer(platform, row.id, event)

    @staticmethod
    def _check(platform: str, credentials: dict, headers: dict, body: bytes) -> None:
        if platform == "telegram":
            webhooks.telegram(
                credentials["webhook_secret"], headers.get("x-telegram-bot-api-secret-token")
            )
        elif platform == "discord":
            webhooks.discord(
                credentials["public_key"], headers.get("x-signature-ed25519"),
                headers.get("x-signature-timestamp"), body,
            )  # fmt: skip
        elif platform == "slack":
            webhooks.slack(
                credentials["signing_secret"], headers.get("x-slack-request-timestamp"),
                headers.get("x-slack-signature"), body,
            )  # fmt: skip
        else:
            webhooks.whatsapp(
                credentials["signing_secret"], headers.get("x-hub-signature-256"), body
            )

    async def _answer(self, platform: str, channel_id: str, event: dict) -> Answer:
        if platform == "discord" and event.get("type") == 1:
            return _json({"type": 1})  # PING -> PONG
        if platform == "slack" and event.get("type") == "url_verification":
            return _json({"challenge": str(event.get("challenge", ""))})
        if platform == "discord":  # an interaction: answered later by a follow-up message
            return _json({"type": 5}, await self._first(channel_id, str(event.get("id", ""))))
        event_id = {
            "telegram": lambda: str(event.get("update_id", "")),
            "slack": lambda: str(event.get("event_id", "")),
            "whatsapp": lambda: "",
        }[platform]()
        return _json({}, await self._first(channel_id, event_id))

    async def _first(self, channel_id: str, event_id: str) -> bool:
        """Whether this is the first delivery of ``event_id`` to the channel."""
        if not event_id:
            return True
        key = f"channel-event:{channel_id}:{event_id[:128]}"
        return await self._store.set(key, "1", REPLAY_TTL_SECONDS, only_new=True)

    async def _audit(self, row, reason: str) -> None:
        async with self._sessions() as session, session.begin():
            audit.record(
                session,
                "channel.webhook_refused",
                organization_id=row.organization_id,
                resource=resources.CHANNEL.name_of(row),
                details={"reason": reason},
            )
