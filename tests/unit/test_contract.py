"""The contract declares everything the platform enforces: routes, access, limits."""

from __future__ import annotations

import pytest
from google.api import annotations_pb2, field_behavior_pb2

from privexbot.kernel import contract
from privexbot.kernel.errors import InvalidArgument
from privexbot.kernel.permissions import CATALOG
from privexbot.kernel.validation import is_repeated
from privexbot.v1 import options_pb2

METHODS = sorted(contract.methods())


def test_six_services_are_served():
    assert [name.rsplit(".", 1)[1] for name in contract.service_names()] == [
        "AuthService",
        "TenantService",
        "BotService",
        "FlowService",
        "KnowledgeService",
        "InferenceService",
    ]


@pytest.mark.parametrize("path", METHODS)
def test_every_rpc_has_an_http_rule_and_an_access_declaration(path):
    spec = contract.methods()[path]
    service = spec.input.file.pool.FindServiceByName(spec.service)
    options = service.methods_by_name[spec.name].GetOptions()
    rule = options.Extensions[annotations_pb2.http]
    assert rule.WhichOneof("pattern") in {"get", "post", "patch", "delete", "put"}, path
    assert spec.declared, f"{path} lacks (privexbot.v1.access)"
    if spec.access.public:
        assert not spec.access.permission and not spec.access.user_only
    if spec.access.permission:
        assert spec.access.permission in CATALOG, spec.access.permission
        assert spec.access.scope_field


def test_the_contract_has_no_defects():
    assert contract.problems() == []


def test_an_undeclared_rpc_is_reported(monkeypatch):
    spec = contract.methods()["/privexbot.v1.AuthService/GetCurrentUser"]
    bare = type(spec.access)()
    monkeypatch.setitem(
        contract.methods(),
        spec.path,
        contract.MethodSpec(spec.path, spec.service, spec.name, bare, spec.input, False, False),
    )
    assert contract.problems() == [f"{spec.path}: no (privexbot.v1.access) declaration"]


def _unbounded(descriptor, path="", seen=None) -> list[str]:
    """Request fields a client could make arbitrarily large: no max_len / max_items."""
    seen = set() if seen is None else seen
    if descriptor.full_name in seen:
        return []
    seen.add(descriptor.full_name)
    found = []
    for field in descriptor.fields:
        options = field.GetOptions()
        behaviors = options.Extensions[field_behavior_pb2.field_behavior]
        if field_behavior_pb2.OUTPUT_ONLY in behaviors:
            continue
        rules = options.Extensions[options_pb2.rules]
        repeated = is_repeated(field)
        where = path + field.name
        if repeated and not rules.max_items:
            found.append(where)
        elif (
            not repeated
            and field.type in (field.TYPE_STRING, field.TYPE_BYTES)
            and not rules.max_len
        ):
            found.append(where)
        elif repeated and field.type in (field.TYPE_STRING, field.TYPE_BYTES) and not rules.max_len:
            found.append(where + "[]")
        if field.type == field.TYPE_MESSAGE and field.message_type.full_name.startswith(
            "privexbot."
        ):
            if not field.message_type.GetOptions().map_entry:
                found += _unbounded(field.message_type, where + ".", seen)
    return found


@pytest.mark.parametrize("path", METHODS)
def test_every_request_field_is_bounded(path):
    assert _unbounded(contract.methods()[path].input) == []


def test_scoped_rpcs_know_the_resource_their_scope_field_names():
    """From the HTTP bindings; only UploadDocument and UploadDocuments (client streaming,
    metadata.parent) have none, and their handlers parse the name themselves."""
    unbound = [
        s.name for s in contract.methods().values() if s.access.scope_field and not s.scope_patterns
    ]
    assert unbound == ["UploadDocument", "UploadDocuments"]


@pytest.mark.parametrize(
    ("method", "name", "ok"),
    [
        ("BotService/CreateChatbotDraft", "organizations/o1/workspaces/w1", True),
        ("BotService/CreateChatbotDraft", "organizations/o1", False),
        ("BotService/GetChatbot", "organizations/o1/workspaces/w1/chatbots/b1", True),
        ("BotService/GetChatbot", "organizations/o1/workspaces/w1/knowledgeBases/b1", False),
        (
            "KnowledgeService/WatchIngestion",
            "organizations/o1/workspaces/w1/knowledgeBases/k",
            True,
        ),
        (
            "KnowledgeService/WatchIngestion",
            "organizations/o1/workspaces/w1/knowledgeBases/k/documents/d",
            True,
        ),
        ("TenantService/GetUsage", "organizations/o1/usage", True),
        ("TenantService/GetUsage", "organizations/o1", False),
    ],
)
def test_a_scope_name_of_the_wrong_kind_is_invalid(method, name, ok):
    spec = contract.methods()[f"/privexbot.v1.{method}"]
    if ok:
        assert spec.scope_of(name).organization_id == "o1"
    else:
        with pytest.raises(InvalidArgument) as info:
            spec.scope_of(name)
        assert info.value.violations[0].field == spec.access.scope_field
