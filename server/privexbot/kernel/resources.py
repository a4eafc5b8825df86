"""Resource names (AIP-122), read from the contract.

Every message with a ``google.api.resource`` option is a resource type, and each of its
patterns (``organizations/{organization}/workspaces/{workspace}``) is a ``Pattern`` here:
it parses names, builds them and finds their parent. No pattern string is written anywhere
else. The tenant is in the name, so a name's scope (organization, workspace) is known from
the request alone.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache

from google.api import resource_pb2

from privexbot.kernel.errors import InvalidArgument

TYPE_PREFIX = "privexbot.io/"
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_VARIABLE = re.compile(r"\{[a-z_]+\}")
# The generated modules holding resource messages (kernel.contract lists the services).
_MODULES = ("auth", "tenant", "bot", "flow", "knowledge", "inference")


@dataclass(frozen=True)
class Scope:
    """The organization (and workspace, when the name is inside one) a name belongs to."""

    organization_id: str
    workspace_id: str | None = None

    @property
    def columns(self) -> dict[str, str | None]:
        """The columns that place a row in this scope: ``Model(**scope.columns, ...)``."""
        return {"organization_id": self.organization_id, "workspace_id": self.workspace_id}


class Pattern:
    """One resource name pattern, e.g. ``organizations/{organization}/workspaces/{workspace}``."""

    __slots__ = ("type", "template", "_parts", "_example", "id_fields")

    def __init__(self, type_: str, template: str) -> None:
        self.type, self.template = type_, template
        # A segment is a literal collection name, or None where an id goes.
        self._parts = tuple(None if _VARIABLE.fullmatch(p) else p for p in template.split("/"))
        self._example = _VARIABLE.sub("{id}", template)
        # How a view names its ids: ``{variable}_id`` for each but the last, ``id``.
        variables = [p.strip("{}") for p in template.split("/") if _VARIABLE.fullmatch(p)]
        self.id_fields = (*(f"{v}_id" for v in variables[:-1]), "id")

    def __repr__(self) -> str:
        return f"Pattern({self.template!r})"

    def parse(self, name: str, field: str = "name") -> tuple[str, ...]:
        """The ids in ``name``; a name of another shape is INVALID_ARGUMENT naming ``field``."""
        parts = name.split("/")
        if len(parts) == len(self._parts):
            ids = []
            for part, want in zip(parts, self._parts, strict=True):
                if want is None:
                    if not _ID.fullmatch(part):
                        break
                    ids.append(part)
                elif part != want:
                    break
            else:
                return tuple(ids)
        raise InvalidArgument.field(field, f"must be a resource name like {self._example}")

    def matches(self, name: str) -> bool:
        try:
            self.parse(name)
        except InvalidArgument:
            return False
        return True

    def name(self, *ids: str) -> str:
        """The name these ids (in the pattern's order) make."""
        ids_left = iter(ids)
        return "/".join(next(ids_left) if part is None else part for part in self._parts)

    def name_of(self, holder) -> str:
        """The name of a row or view holding this pattern's ids as attributes (``id_fields``:
        ``organization_id``, ``workspace_id``… and its own ``id``)."""
        return self.name(*(getattr(holder, field) for field in self.id_fields))

    def parent(self, name: str, field: str = "name") -> str:
        """The name of the resource ``name`` is in (its last collection and id dropped)."""
        self.parse(name, field)
        return name.rsplit("/", 2 if self._parts[-1] is None else 1)[0]

    def id_of(self, name: str, field: str = "name") -> str:
        """The last id in ``name`` (the resource's own)."""
        return self.parse(name, field)[-1]

    @property
    def wildcard(self) -> str:
        """The pattern as HTTP path templates write it: ``organizations/*/workspaces/*``."""
        return "/".join("*" if part is None else part for part in self._parts)


@cache
def _by_type() -> dict[str, tuple[Pattern, ...]]:
    found: dict[str, tuple[Pattern, ...]] = {}
    for module in _MODULES:
        generated = importlib.import_module(f"privexbot.v1.{module}_pb2")
        for message in generated.DESCRIPTOR.message_types_by_name.values():
            options = message.GetOptions()
            if options.HasExtension(resource_pb2.resource):
                resource = options.Extensions[resource_pb2.resource]
                found[resource.type] = tuple(Pattern(resource.type, p) for p in resource.pattern)
    return found


def patterns() -> tuple[Pattern, ...]:
    """Every resource pattern the contract declares."""
    return tuple(p for each in _by_type().values() for p in each)


def of(kind: str, index: int = 0) -> Pattern:
    """The ``index``-th pattern of resource type ``privexbot.io/{kind}``."""
    return _by_type()[TYPE_PREFIX + kind][index]


USER = of("User")
IDENTITY = of("Identity")
SESSION = of("Session")
API_KEY = of("ApiKey")
ORGANIZATION = of("Organization")
WORKSPACE = of("Workspace")
ORGANIZATION_MEMBER = of("OrganizationMember")
WORKSPACE_MEMBER = of("WorkspaceMember")
INVITATION = of("Invitation")
ROLE = of("Role")
AUDIT_EVENT = of("AuditEvent")
USAGE = of("Usage")
CHATBOT_DRAFT = of("ChatbotDraft")
CHATBOT = of("Chatbot")
CHATBOT_VERSION = of("ChatbotVersion")
CHAT_SESSION = of("ChatSession")
LEAD = of("Lead")
DRAFT_CHAT_SESSION = of("ChatSession", 1)  # a draft's test chat, kept with the draft
CHAT_MESSAGE = of("ChatMessage")
CHATBOT_ANALYTICS = of("ChatbotAnalytics")
CHATBOT_WIDGET = of("ChatbotWidget")
CHATFLOW_DRAFT = of("ChatflowDraft")
CHATFLOW = of("Chatflow")
CHATFLOW_RUN = of("ChatflowRun")
CHATFLOW_VERSION = of("ChatflowVersion")
CHATFLOW_SECRET = of("ChatflowSecret")
CHATFLOW_SESSION = of("ChatSession", 2)  # a chatflow's conversation
CHATFLOW_MESSAGE = of("ChatMessage", 1)
CHATFLOW_ANALYTICS = of("ChatbotAnalytics", 1)
KNOWLEDGE_BASE = of("KnowledgeBase")
DOCUMENT = of("Document")
UPLOAD = of("Upload")
WEBSITE_SOURCE = of("WebsiteSource")
CHANNEL = of("Channel")


def scope_of(name: str, field: str = "name") -> Scope:
    """The tenant scope of any name under ``organizations/{id}[/workspaces/{id}]``."""
    if not name:
        raise InvalidArgument.field(field, "is required")
    parts = name.split("/")
    if len(parts) < 2 or parts[0] != "organizations" or not _ID.fullmatch(parts[1]):
        raise InvalidArgument.field(field, "must be a resource name under organizations/{id}")
    if len(parts) >= 4 and parts[2] == "workspaces":
        if not _ID.fullmatch(parts[3]):
            raise InvalidArgument.field(field, "has a malformed workspace id")
        return Scope(parts[1], parts[3])
    return Scope(parts[1])


def workspace_of(scope: Scope) -> str:
    """The workspace name of a workspace scope."""
    return WORKSPACE.name(scope.organization_id, scope.workspace_id)
