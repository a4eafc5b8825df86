"""A chatbot's configuration as the domain keeps it: a plain dict (stored as JSON) with
every field present, checked here whichever way it arrives (draft, update, finalize).

Keys are the ChatbotConfig field names; ``knowledge_bases`` holds ids in the chatbot's
workspace (requests name them; ``from_request`` checks and converts); enums are lower-case
words.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from privexbot.kernel import resources
from privexbot.kernel.errors import FailedPrecondition, InvalidArgument
from privexbot.kernel.resources import Scope
from privexbot.store.models import KnowledgeBase

GROUNDING_MODES = ("strict", "guided", "flexible")
LEAD_MODES = ("off", "before_chat", "during_chat")
DEFAULT_MEMORY_WINDOW = 10
# What a reply may cost when the chatbot does not say: the model's context is small.
DEFAULT_MAX_TOKENS = 256

DEFAULTS: dict = {
    "display_name": "",
    "description": "",
    "system_prompt": "",
    "model": "",
    "temperature": None,
    "max_tokens": None,
    "greeting": "",
    "knowledge_bases": [],
    "retrieval": {},
    "grounding_mode": "guided",
    "memory_window": None,
    "appearance": {},
    "allowed_origins": [],
    "lead_capture": {
        "mode": "off",
        "require_consent": False,
        "consent_text": "",
        "fields": [],  # [{"key", "label", "required"}]
        "email_optional": False,
    },
}
FIELDS = frozenset(DEFAULTS)
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def from_request(given: dict, scope: Scope, field: str) -> dict:
    """The configuration as a request gave it, with its knowledge bases (resource names) as
    ids: each must be in the chatbot's workspace."""
    ids = []
    for kb in given.get("knowledge_bases", ()):
        org, ws, kb_id = resources.KNOWLEDGE_BASE.parse(kb, f"{field}.knowledge_bases")
        if (org, ws) != (scope.organization_id, scope.workspace_id):
            raise InvalidArgument.field(
                f"{field}.knowledge_bases",
                f"{kb} is not in the chatbot's workspace",
                "KNOWLEDGE_BASE_OUTSIDE_WORKSPACE",
            )
        ids.append(kb_id)
    return {**given, "knowledge_bases": ids}


def updated(current: dict, given: dict, paths: list[str], prefix: str) -> dict:
    """``current`` with the fields an update mask names taken from ``given``.

    Paths are ``config`` (replace it all) or ``config.<field>``; ``prefix`` is the resource
    field the mask is relative to (``chatbot`` or ``chatbot_draft``), for error messages.
    """
    if not paths:
        raise InvalidArgument.field("update_mask", "must name the fields to change")
    result = dict(current)
    for path in paths:
        if path == "config":
            result = dict(given)
            continue
        head, _, field = path.partition(".")
        if head != "config" or field not in FIELDS:
            raise InvalidArgument.field(
                "update_mask",
                f"cannot change {path}; updatable: config, config.<field> "
                f"(fields of {prefix}.config)",
            )
        result[field] = given[field]
    return result


def normalized(config: dict, field: str) -> dict:
    """Every field present, origins and lead capture checked; ``field`` names the config in
    errors (e.g. ``chatbot.config``)."""
    config = {**DEFAULTS, **config}
    config["knowledge_bases"] = list(dict.fromkeys(config["knowledge_bases"]))
    for origin in config["allowed_origins"]:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise InvalidArgument.field(
                f"{field}.allowed_origins",
                f"{origin!r} is not an origin like https://example.com[:port] or *",
            )
    lead = {**DEFAULTS["lead_capture"], **config["lead_capture"]}
    if lead["require_consent"] and lead["mode"] != "off" and not lead["consent_text"]:
        raise InvalidArgument.field(
            f"{field}.lead_capture.consent_text", "is required when consent is required"
        )
    keys = [f["key"] for f in lead["fields"]]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            raise InvalidArgument.field(
                f"{field}.lead_capture.fields[{index}].key", f"repeats the key {key!r}"
            )
    config["lead_capture"] = lead
    return config


def ensure_complete(config: dict) -> None:
    """A chatbot needs a name; a draft may lack one until it is finalized."""
    if not config["display_name"].strip():
        raise FailedPrecondition(
            "CONFIG_INCOMPLETE",
            "config.display_name is required to finalize or publish",
            {"field": "config.display_name"},
        )


def memory_window(config: dict) -> int:
    window = config["memory_window"]
    return DEFAULT_MEMORY_WINDOW if window is None else window


def origin_allowed(config: dict, origin: str) -> bool:
    allowed = config["allowed_origins"]
    return "*" in allowed or (bool(origin) and origin.rstrip("/") in allowed)


class References:
    """Checks what a configuration points at: its knowledge bases exist in the chatbot's
    workspace, and its model is a chat model the inference endpoint serves."""

    def __init__(self, sessions, list_models) -> None:
        self._sessions, self._list_models = sessions, list_models

    async def check(self, scope: Scope, config: dict, field: str) -> None:
        if config["knowledge_bases"]:
            async with self._sessions() as session:
                present = set(
                    await session.scalars(
                        select(KnowledgeBase.id).where(
                            KnowledgeBase.id.in_(config["knowledge_bases"]),
                            KnowledgeBase.organization_id == scope.organization_id,
                            KnowledgeBase.workspace_id == scope.workspace_id,
                        )
                    )
                )
            missing = [k for k in config["knowledge_bases"] if k not in present]
            if missing:
                name = resources.KNOWLEDGE_BASE.name(
                    scope.organization_id, scope.workspace_id, missing[0]
                )
                raise InvalidArgument.field(
                    f"{field}.knowledge_bases",
                    f"{name} not found in the workspace",
                    "KNOWLEDGE_BASE_NOT_FOUND",
                )
        if config["model"]:
            served = sorted(m.id for m in await self._list_models() if not m.embedding)
            if config["model"] not in served:
                raise InvalidArgument.field(
                    f"{field}.model",
                    f"is not a chat model the inference endpoint serves ({', '.join(served)})",
                    "UNKNOWN_MODEL",
                )
