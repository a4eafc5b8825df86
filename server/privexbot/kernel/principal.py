"""Who is calling: a signed-in user, an API key, a chatbot's publishable key, a channel
(a platform webhook whose signature verified, speaking for the platform's user), or nobody."""

from __future__ import annotations

from dataclasses import dataclass

from privexbot.kernel import resources


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "api_key" | "publishable_key" | "channel" | "anonymous"
    # Users: the user id. API keys: the key id. Publishable keys: the chatbot's id.
    # Channels: the channel's id.
    id: str = ""
    # Users: the sign-in session (refresh-token family) the access token belongs to.
    session_id: str = ""
    # Users: the context in the access token. Keys: the workspace they are scoped to.
    organization_id: str = ""
    workspace_id: str = ""
    # Keys only: exactly what the key may do.
    permissions: frozenset[str] = frozenset()
    # Publishable keys: the name of the chatbot or chatflow the key acts for (alone).
    resource: str = ""

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    @property
    def is_api_key(self) -> bool:
        return self.kind == "api_key"

    @property
    def is_publishable_key(self) -> bool:
        return self.kind == "publishable_key"

    @property
    def is_channel(self) -> bool:
        return self.kind == "channel"

    @property
    def speaks_for_visitors(self) -> bool:
        """A widget's key or a channel: the caller names the visitor, who is rate limited."""
        return self.kind in ("publishable_key", "channel")

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def resource_name(self) -> str:
        if self.is_user:
            return resources.USER.name(self.id)
        if self.is_api_key:
            return resources.API_KEY.name(self.organization_id, self.workspace_id, self.id)
        if self.is_publishable_key:  # its chatbot or chatflow: the key acts for nothing else
            return self.resource
        if self.is_channel:
            return resources.CHANNEL.name(self.organization_id, self.workspace_id, self.id)
        return ""


ANONYMOUS = Principal("anonymous")
