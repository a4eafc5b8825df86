"""A platform's webhook call, from raw bytes to an answer: the channel (NOT_FOUND alike for
missing, disabled or another platform's), the platform's proof checked over the body as
received (a failure is audited, then 401), handshakes answered (Discord PING, Slack
url_verification, WhatsApp's verify GET), and each message it carries stored as a
turn (``Turns``) before the call is acknowledged and answered after it (the platforms want
an answer within 3 s) — once: a replayed update, event, interaction or message id is
acknowledged and not processed again."""

from __future__ import annotations

import json
from dataclasses import dataclass

from privexbot.channels import webhooks
from privexbot.channels.connections import PLATFORMS, Channels
from privexbot.channels.messages import incoming
from privexbot.kernel import resources
from privexbot.kernel.errors import InvalidArgument, NotFound, Unauthenticated
from privexbot.store import audit

JSON = "application/json"
ASK_HINT = "Ask me a question: /ask question: ..."


@dataclass(frozen=True)
class Answer:
    content_type: str
    body: bytes


def _json(value: dict) -> Answer:
    return Answer(JSON, json.dumps(value).encode())


class Inbound:
    """``turns``: keeps a channel's messages until they are answered (``Turns``)."""

    def __init__(self, sessions, channels: Channels, turns) -> None:
        self._sessions, self._channels, self._turns = sessions, channels, turns

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
            event = None
        if not isinstance(event, dict):
            raise InvalidArgument.field("body", "must be a JSON object")
        messages = incoming(platform, event)
        for message in messages:
            await self._turns.enqueue(row.id, message)
        return self._answer(platform, event, bool(messages))

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

    @staticmethod
    def _answer(platform: str, event: dict, asked: bool) -> Answer:
        if platform == "discord" and event.get("type") == 1:
            return _json({"type": 1})  # PING -> PONG
        if platform == "slack" and event.get("type") == "url_verification":
            return _json({"challenge": str(event.get("challenge", ""))})
        if platform == "discord" and asked:  # deferred: the reply edits this response
            return _json({"type": 5})
        if platform == "discord":  # an interaction without a question
            return _json({"type": 4, "data": {"content": ASK_HINT}})
        return _json({})

    async def _audit(self, row, reason: str) -> None:
        async with self._sessions() as session, session.begin():
            audit.record(
                session,
                "channel.webhook_refused",
                organization_id=row.organization_id,
                resource=resources.CHANNEL.name_of(row),
                details={"reason": reason},
            )
