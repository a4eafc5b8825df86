"""The website widget's rules: who a chat is from, and what a visitor may do.

A widget chats with the chatbot's publishable key (minted here, authenticated by
identity/publishable_keys.py), only from the chatbot's allowed origins, with a visitor id
it keeps, rate limited per key and per visitor. Lead capture keeps a visitor's contact
details only with consent when the chatbot asks for it, and before-chat capture refuses a
widget's first message without them.
"""

from __future__ import annotations

from privexbot.bots import config as bot_config
from privexbot.kernel import emails
from privexbot.kernel.calls import current
from privexbot.kernel.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from privexbot.kernel.ids import PUBLISHABLE_KEY_SCHEME, new_key
from privexbot.kernel.ratelimit import Limit, RateLimiter


def new_publishable_key() -> tuple[str, str, str]:
    """(the key, shown once; its visible prefix; the hash to store)."""
    return new_key(PUBLISHABLE_KEY_SCHEME)


class WidgetPolicy:
    def __init__(self, store, chats_per_key_minute: int, chats_per_visitor_minute: int) -> None:
        self._limits = RateLimiter(store)
        self._per_key = Limit("chat-key", chats_per_key_minute, 60)
        self._per_visitor = Limit("chat-visitor", chats_per_visitor_minute, 60)

    async def count_chat(self, bot_id: str, visitor_id: str) -> None:
        """A widget's chat counts against its key's and its visitor's rate limits."""
        if not visitor_id:
            raise InvalidArgument.field("visitor_id", "is required with a publishable key")
        await self._limits.hit(self._per_key, bot_id)
        await self._limits.hit(self._per_visitor, f"{bot_id}:{visitor_id}")


def visitor(config: dict, visitor_id: str, origin: str) -> str:
    """Who is chatting: the widget's visitor (publishable key: origin checked), a channel's
    platform user (as its verified webhook named them), or the signed-in member / API key."""
    principal = current().principal
    if principal.is_channel:
        return visitor_id
    if not principal.is_publishable_key:
        return principal.resource_name
    require_origin(config, origin)
    return visitor_id


def require_origin(config: dict, origin: str) -> None:
    """A publishable key works only from the chatbot's allowed origins."""
    if current().principal.is_publishable_key and not bot_config.origin_allowed(config, origin):
        raise PermissionDenied(
            "ORIGIN_NOT_ALLOWED",
            f"origin {origin[:100] or '(none)'} is not among the chatbot's allowed origins",
            {"origin": origin[:200]},
        )


def lead(config: dict, given: dict | None, existing: dict | None) -> dict | None:
    """The contact details to keep: only when lead capture is on and, if the chatbot asks
    for consent, only with it. An email, unless the chatbot makes it optional (then a name
    or a field will do); the chatbot's fields only, its required ones filled."""
    capture = config["lead_capture"]
    if capture["mode"] == "off":
        return existing
    kept = None
    offered = bool(given) and any(given.get(k) for k in ("email", "display_name", "fields"))
    if offered:
        given = _checked(capture, given)
        consented = given.get("consent") or not capture["require_consent"]
        kept = given if consented else None
    required = (
        existing is None
        and capture["mode"] == "before_chat"
        and current().principal.is_publishable_key
    )
    if required and kept is None:
        reason = "CONSENT_REQUIRED" if offered else "LEAD_REQUIRED"
        raise FailedPrecondition(
            reason,
            "this chatbot asks for contact details"
            + (", with consent," if capture["require_consent"] else "")
            + " before the first message",
            {"field": "lead"},
        )
    return kept or existing


def _checked(capture: dict, given: dict) -> dict:
    """``given`` with its email normalized and its fields checked against the chatbot's."""
    if given.get("email"):
        given = {**given, "email": emails.normalize(given["email"], "lead.email")}
    elif not capture["email_optional"]:
        raise InvalidArgument.field("lead.email", "is required")
    declared = {f["key"]: f for f in capture["fields"]}
    values = {k: v.strip() for k, v in (given.get("fields") or {}).items() if v.strip()}
    for key in values:
        if key not in declared:
            raise InvalidArgument.field(
                f"lead.fields[{key[:32]!r}]", "is not one of the chatbot's lead fields"
            )
    for key, declared_field in declared.items():
        if declared_field["required"] and key not in values:
            raise InvalidArgument.field(f"lead.fields[{key!r}]", "is required")
    return {**given, "fields": values}
