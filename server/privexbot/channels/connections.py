"""Channel connections: which chatbot or chatflow answers on which platform, with the
platform credentials sealed under the workspace's data key (``envelope``). Credentials
are write-only: no view carries them, audit events name only the fields changed."""

from __future__ import annotations

import contextlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from privexbot.channels.envelope import Envelope
from privexbot.channels.platforms import Telegram
from privexbot.kernel import resources, standard
from privexbot.kernel.errors import FieldViolation, InvalidArgument, NotFound
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import InWorkspace, from_row
from privexbot.store.channel_models import Channel, ChannelDataKey
from privexbot.store.flow_models import Chatflow
from privexbot.store.models import Chatbot

PLATFORMS = ("telegram", "discord", "slack", "whatsapp")
# The credential fields each platform needs.
REQUIRED = {
    "telegram": ("bot_token",),
    "discord": ("bot_token", "public_key", "account_id"),
    "slack": ("bot_token", "signing_secret"),
    "whatsapp": ("bot_token", "signing_secret", "account_id", "verify_token"),
}
CHANNELS = standard.Methods(
    Channel, resources.CHANNEL, "channel", {"display_name", "disabled", "credentials"}
)


@dataclass(frozen=True)
class ChannelView(InWorkspace, pattern=resources.CHANNEL):
    target: str  # the chatbot's or chatflow's name
    platform: str
    display_name: str
    disabled: bool
    webhook_path: str
    created_at: datetime
    updated_at: datetime
    etag: str


def _view(row: Channel) -> ChannelView:
    if row.chatbot_id:
        target = resources.CHATBOT.name(row.organization_id, row.workspace_id, row.chatbot_id)
    else:
        target = resources.CHATFLOW.name(row.organization_id, row.workspace_id, row.chatflow_id)
    return from_row(
        ChannelView,
        row,
        target=target,
        webhook_path=_webhook_path(row),
        etag=standard.etag(row),
    )


def _checked(platform: str, given: dict[str, str], field: str) -> dict[str, str]:
    """The credentials ``platform`` needs, all present; a Discord public key is 32 bytes."""
    missing = [f"{field}.{name}" for name in REQUIRED[platform] if not given.get(name)]
    if platform == "discord" and given.get("public_key") and len(given["public_key"]) != 64:
        missing.append(f"{field}.public_key")
    if missing:
        raise InvalidArgument(
            "INVALID_FIELD",
            f"{platform} needs: {', '.join(missing)}",
            violations=[FieldViolation(m, f"required for {platform}") for m in missing],
        )
    return {name: value for name, value in given.items() if value}


def _webhook_path(row: Channel) -> str:
    return f"/webhooks/{row.platform}/{row.id}"


class Channels:
    """``webhook_base_url``: the public URL platforms call; when set, connecting a Telegram
    bot registers its webhook there and deleting the channel removes it."""

    def __init__(
        self, sessions, envelope: Envelope, telegram: Telegram, webhook_base_url: str
    ) -> None:
        self._sessions, self._envelope = sessions, envelope
        self._telegram, self._webhook_base = telegram, webhook_base_url.rstrip("/")

    async def _register(self, row: Channel, credentials: dict[str, str]) -> None:
        if row.platform == "telegram" and self._webhook_base:
            await self._telegram.set_webhook(
                credentials["bot_token"],
                self._webhook_base + _webhook_path(row),
                credentials["webhook_secret"],
            )

    async def _data_key(self, workspace_id: str) -> bytes:
        """The workspace's data key, made (and stored wrapped) on first use."""
        async with self._sessions() as session:
            row = await session.get(ChannelDataKey, workspace_id)
        if row is None:
            key, wrapped = self._envelope.new_data_key(workspace_id)
            try:
                async with self._sessions() as session, session.begin():
                    session.add(ChannelDataKey(workspace_id=workspace_id, wrapped=wrapped))
                return key
            except IntegrityError:  # another call made it first
                async with self._sessions() as session:
                    row = await session.get(ChannelDataKey, workspace_id)
        return self._envelope.unwrap(workspace_id, row.wrapped)

    def _seal(self, key: bytes, row: Channel, credentials: dict[str, str]) -> None:
        row.credentials = self._envelope.seal(key, row.id, json.dumps(credentials))

    def _opened(self, key: bytes, row: Channel) -> dict[str, str]:
        return json.loads(self._envelope.open(key, row.id, row.credentials))

    async def _target(self, session, scope: Scope, target: str) -> dict[str, str]:
        """The row columns naming ``target``, a chatbot or chatflow in ``scope``."""
        for pattern, model, column in (
            (resources.CHATBOT, Chatbot, "chatbot_id"),
            (resources.CHATFLOW, Chatflow, "chatflow_id"),
        ):
            if pattern.matches(target):
                ids = pattern.parse(target)
                if ids[:2] != (scope.organization_id, scope.workspace_id):
                    raise InvalidArgument.field("channel.target", "must be in the parent")
                await standard.get(session, model, pattern, scope, *ids[2:])
                return {column: ids[2]}
        raise InvalidArgument.field("channel.target", "must name a chatbot or chatflow")

    async def create(
        self,
        scope: Scope,
        target: str,
        platform: str,
        display_name: str,
        credentials: dict[str, str],
        request_id: str,
    ) -> ChannelView:
        credentials = _checked(platform, credentials, "channel.credentials")
        if platform == "telegram":  # the secret token setWebhook gives Telegram to send back
            credentials["webhook_secret"] = secrets.token_urlsafe(32)
        key = await self._data_key(scope.workspace_id)
        async with self._sessions() as session, session.begin():
            owner = await self._target(session, scope, target)

            async def make() -> Channel:
                row = Channel(
                    **scope.columns,
                    platform=platform,
                    display_name=display_name,
                    credentials="",
                    **owner,
                )
                session.add(row)
                await session.flush()
                self._seal(key, row, credentials)
                await self._register(row, credentials)  # refused: nothing is kept
                return row

            # The fingerprint names the credential fields, not their values.
            row = await CHANNELS.create(
                session,
                request_id,
                (
                    resources.workspace_of(scope),
                    target,
                    platform,
                    display_name,
                    sorted(credentials),
                ),
                make,
                details=lambda r: {"platform": r.platform},
            )
        return _view(row)

    @staticmethod
    async def _row(session, scope: Scope, channel_id: str) -> Channel:
        return await CHANNELS.get(session, scope, channel_id)

    async def get(self, scope: Scope, channel_id: str) -> ChannelView:
        async with self._sessions() as session:
            return _view(await self._row(session, scope, channel_id))

    async def list(self, scope: Scope, size: int, token: str) -> tuple[list[ChannelView], str]:
        async with self._sessions() as session:
            rows, next_token = await standard.workspace_page(session, Channel, scope, size, token)
        return [_view(row) for row in rows], next_token

    async def update(
        self, scope: Scope, channel_id: str, given: dict, paths: list[str], given_etag: str
    ) -> ChannelView:
        standard.check_mask(paths, CHANNELS.updatable)
        key = await self._data_key(scope.workspace_id)
        async with self._sessions() as session, session.begin():
            row = await self._row(session, scope, channel_id)
            values = {p: given[p] for p in paths if p != "credentials"}
            if "credentials" in paths:
                fresh = _checked(row.platform, given["credentials"], "channel.credentials")
                kept = self._opened(key, row)
                if "webhook_secret" in kept:
                    fresh["webhook_secret"] = kept["webhook_secret"]
                values["credentials"] = self._envelope.seal(key, row.id, json.dumps(fresh))
                await self._register(row, fresh)
            CHANNELS.update(session, row, values, paths, given_etag)
        return _view(row)

    async def serving(self, platform: str, channel_id: str) -> tuple[Channel, dict[str, str]]:
        """The enabled ``platform`` channel ``channel_id`` and its credentials, for its
        webhook; a missing, disabled or other-platform channel is one NOT_FOUND."""
        async with self._sessions() as session:
            row = await session.get(Channel, channel_id) if len(channel_id) <= 32 else None
        if row is None or row.disabled or row.platform != platform:
            raise NotFound("CHANNEL_NOT_FOUND", "no such channel")
        return row, self._opened(await self._data_key(row.workspace_id), row)

    async def delete(self, scope: Scope, channel_id: str, given_etag: str) -> None:
        """The connection, after its Telegram webhook is removed (a token Telegram no longer
        knows has no webhook left to remove). The platform is called outside any database
        transaction; the delete then checks the etag again."""
        async with self._sessions() as session:
            row = await self._row(session, scope, channel_id)
        standard.check_etag(given_etag, row)
        if row.platform == "telegram" and self._webhook_base:
            token = self._opened(await self._data_key(scope.workspace_id), row)["bot_token"]
            with contextlib.suppress(InvalidArgument):
                await self._telegram.delete_webhook(token)
        async with self._sessions() as session, session.begin():
            row = await self._row(session, scope, channel_id)
            await CHANNELS.delete(session, row, given_etag)
