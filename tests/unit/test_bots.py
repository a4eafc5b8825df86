"""The bots domain's pure parts: configuration updates and checks, prompt building, and
drafts over the real in-process ephemeral store (expiry included)."""

from __future__ import annotations

import asyncio

import pytest

from privexbot.bots import config, prompt
from privexbot.bots.drafts import Drafts
from privexbot.inference.gateway import Message
from privexbot.kernel import calls, contract
from privexbot.kernel.errors import Aborted, FailedPrecondition, InvalidArgument, NotFound
from privexbot.kernel.principal import Principal
from privexbot.kernel.resources import Scope
from privexbot.store.ephemeral import MemoryStore

SCOPE = Scope("org1", "ws1")


def full(**values) -> dict:
    return config.normalized(values, "config")


def test_an_update_mask_changes_only_the_fields_it_names():
    current = full(display_name="A", system_prompt="old", greeting="hi")
    given = full(display_name="ignored", system_prompt="new")
    result = config.updated(current, given, ["config.system_prompt"], "chatbot")
    assert result["system_prompt"] == "new"
    assert result["display_name"] == "A" and result["greeting"] == "hi"
    assert config.updated(current, given, ["config"], "chatbot") == given


@pytest.mark.parametrize("paths", [[], ["name"], ["config.nope"], ["etag"]])
def test_a_bad_update_mask_is_refused(paths):
    with pytest.raises(InvalidArgument) as info:
        config.updated(full(), full(), paths, "chatbot")
    assert info.value.violations[0].field == "update_mask"


def test_origins_must_be_origins():
    full(allowed_origins=["https://a.example", "http://localhost:3000", "*"])
    with pytest.raises(InvalidArgument) as info:
        full(allowed_origins=["https://a.example/path"])
    assert info.value.violations[0].field == "config.allowed_origins"


def test_origin_checks():
    assert config.origin_allowed(full(allowed_origins=["https://a.example"]), "https://a.example")
    assert not config.origin_allowed(
        full(allowed_origins=["https://a.example"]), "https://b.example"
    )
    assert not config.origin_allowed(full(), "https://a.example")  # none allowed by default
    assert config.origin_allowed(full(allowed_origins=["*"]), "")


def test_consent_text_is_required_when_consent_is():
    with pytest.raises(InvalidArgument):
        full(lead_capture={"mode": "before_chat", "require_consent": True})


def test_a_chatbot_needs_a_name():
    with pytest.raises(FailedPrecondition):
        config.ensure_complete(full(display_name="  "))


def test_the_prompt_carries_instructions_context_and_recent_history():
    cfg = full(system_prompt="Be brief.", knowledge_bases=["kb1"], grounding_mode="strict")
    history = [Message("user", "q1"), Message("assistant", "a1")]
    messages = prompt.build(cfg, history, "q2", [prompt.Source("Handbook", "The wifi rotates.")])
    system = messages[0].content
    assert messages[0].role == "system" and system.startswith("Be brief.")
    assert prompt.INSTRUCTIONS["strict"] in system
    assert "[1] Handbook\nThe wifi rotates." in system
    assert [m.content for m in messages[1:]] == ["q1", "a1", "q2"]


def test_without_knowledge_bases_there_is_no_context_section():
    messages = prompt.build(full(), [], "hello", [])
    assert messages[0].content == prompt.DEFAULT_SYSTEM_PROMPT
    assert "Context" not in messages[0].content


def test_context_and_history_stay_within_budget():
    sources = [prompt.Source(f"doc{i}", "x" * 2000) for i in range(5)]
    history = [Message("user", "y" * 500) for _ in range(10)]
    messages = prompt.build(full(knowledge_bases=["kb"]), history, "q", sources)
    context = messages[0].content.split("Context:\n", 1)[1]
    assert len(context) <= prompt.MAX_CONTEXT_CHARS + 10
    kept = messages[1:-1]
    assert sum(len(m.content) for m in kept) <= prompt.MAX_HISTORY_CHARS
    assert kept and kept[-1] is history[-1]  # the newest history is what stays


class _NoReferences:
    async def check(self, scope, cfg, field):
        return None


@pytest.fixture
def call():
    spec = contract.methods()["/privexbot.v1.BotService/CreateChatbotDraft"]
    token = calls.begin(calls.Call(spec, "req1", principal=Principal("user", "u1")))
    yield
    calls.end(token)


async def test_drafts_update_with_etags_and_expire(call):
    drafts = Drafts(MemoryStore(), 1, _NoReferences())
    draft = await drafts.create(SCOPE, {"display_name": "A"}, "")
    assert (await drafts.get(SCOPE, draft.id)).config["display_name"] == "A"
    with pytest.raises(Aborted):
        await drafts.update(SCOPE, draft.id, full(), ["config.greeting"], "stale")
    updated = await drafts.update(
        SCOPE, draft.id, full(greeting="hey"), ["config.greeting"], draft.etag
    )
    assert updated.config["greeting"] == "hey" and updated.etag != draft.etag
    assert updated.expires_at > draft.expires_at or updated.updated_at >= draft.updated_at
    with pytest.raises(NotFound):
        await drafts.get(Scope("org1", "other"), draft.id)  # another workspace: not found
    await asyncio.sleep(1.1)
    with pytest.raises(NotFound):
        await drafts.get(SCOPE, draft.id)  # abandoned: gone


async def test_a_retried_create_returns_the_same_draft(call):
    drafts = Drafts(MemoryStore(), 60, _NoReferences())
    first = await drafts.create(SCOPE, {"display_name": "A"}, "retry-1")
    again = await drafts.create(SCOPE, {"display_name": "A"}, "retry-1")
    other = await drafts.create(SCOPE, {"display_name": "A"}, "retry-2")
    assert first.id == again.id != other.id
