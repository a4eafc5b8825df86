"""FlowService over the real stack: drafts → finalize → published immutable versions (publish,
list, roll back), validation issues, bad input answered INVALID_ARGUMENT naming the node with
nothing half-saved, runs streamed and kept (paginated, redacted, truncated), secrets never
shown, sessions, feedback and analytics, publishable keys, and cross-tenant NOT_FOUND.
(Unauthenticated and forbidden callers of every RPC: test_authz_matrix.py.)"""

from __future__ import annotations

import grpc
from flowhelp import execute, finished_nodes, graph, kinds, new_flow, new_flow_draft, simple_graph
from flowhelp import text as text_of
from google.protobuf import field_mask_pb2
from helpers import raises, sign_up
from sqlalchemy import update

from privexbot.store.flow_models import Chatflow, ChatflowMessage, ChatflowSession
from privexbot.store.models import Organization
from privexbot.v1 import bot_pb2, flow_pb2, tenant_pb2

INVALID = grpc.StatusCode.INVALID_ARGUMENT


async def test_draft_finalize_publish_versions_and_rollback(client):
    me = await sign_up(client, "flows")
    draft = await new_flow_draft(client, me.workspace)
    assert draft.name.startswith(me.workspace + "/chatflowDrafts/") and draft.etag
    got = await client.flow.GetChatflowDraft(flow_pb2.GetChatflowDraftRequest(name=draft.name))
    assert got.graph == draft.graph and got.display_name == "Flow"
    # A draft may hold a graph that does not compile; it is reported, never run or finalized.
    broken = graph([{"id": "start", "type": "start"}, {"id": "x", "type": "nope"}], [])
    updated = await client.flow.UpdateChatflowDraft(
        flow_pb2.UpdateChatflowDraftRequest(
            chatflow_draft=flow_pb2.ChatflowDraft(name=draft.name, graph=broken, etag=draft.etag),
            update_mask=field_mask_pb2.FieldMask(paths=["graph"]),
        )
    )
    report = await client.flow.ValidateChatflow(
        flow_pb2.ValidateChatflowRequest(parent=me.workspace, chatflow=draft.name)
    )
    assert not report.valid
    assert {(i.code, i.node_id) for i in report.issues} >= {
        ("UNKNOWN_TYPE", "x"),
        ("NO_ANSWER", ""),
    }
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "GRAPH_INVALID"):
        await client.flow.FinalizeChatflowDraft(
            flow_pb2.FinalizeChatflowDraftRequest(name=draft.name)
        )
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "GRAPH_INVALID"):
        await execute(client, draft.name)
    async with raises(grpc.StatusCode.ABORTED, "ETAG_MISMATCH"):
        await client.flow.UpdateChatflowDraft(
            flow_pb2.UpdateChatflowDraftRequest(
                chatflow_draft=flow_pb2.ChatflowDraft(
                    name=draft.name, graph=simple_graph(), etag=draft.etag
                ),
                update_mask=field_mask_pb2.FieldMask(paths=["graph"]),
            )
        )
    fixed = await client.flow.UpdateChatflowDraft(
        flow_pb2.UpdateChatflowDraftRequest(
            chatflow_draft=flow_pb2.ChatflowDraft(
                name=draft.name, graph=simple_graph("v1 {{ sys.message }}"), etag=updated.etag
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["graph"]),
        )
    )
    # A draft runs to test it (nothing kept).
    tried = await execute(client, draft.name, "draft")
    assert text_of(tried) == "v1 draft" and kinds(tried)[0] == "run_started"
    flow = await client.flow.FinalizeChatflowDraft(
        flow_pb2.FinalizeChatflowDraftRequest(name=draft.name, etag=fixed.etag, request_id="fz1")
    )
    assert flow.published_version == 1 and flow.published_graph == flow.graph
    again = await client.flow.FinalizeChatflowDraft(
        flow_pb2.FinalizeChatflowDraftRequest(name=draft.name, request_id="fz1")
    )
    assert again.name == flow.name
    async with raises(grpc.StatusCode.NOT_FOUND):
        await client.flow.GetChatflowDraft(flow_pb2.GetChatflowDraftRequest(name=draft.name))

    # Editing the working graph changes nothing runs use until it is published.
    edited = await client.flow.UpdateChatflow(
        flow_pb2.UpdateChatflowRequest(
            chatflow=flow_pb2.Chatflow(
                name=flow.name, graph=simple_graph("v2 {{ sys.message }}"), etag=flow.etag
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["graph"]),
        )
    )
    assert text_of(await execute(client, flow.name, "x")) == "v1 x"
    published = await client.flow.PublishChatflow(
        flow_pb2.PublishChatflowRequest(name=flow.name, etag=edited.etag)
    )
    assert published.published_version == 2
    assert text_of(await execute(client, flow.name, "x")) == "v2 x"
    versions = await client.flow.ListChatflowVersions(
        flow_pb2.ListChatflowVersionsRequest(parent=flow.name, page_size=1)
    )
    assert [v.number for v in versions.chatflow_versions] == [2] and versions.next_page_token
    rest = await client.flow.ListChatflowVersions(
        flow_pb2.ListChatflowVersionsRequest(
            parent=flow.name, page_size=1, page_token=versions.next_page_token
        )
    )
    assert [v.number for v in rest.chatflow_versions] == [1]
    back = await client.flow.RollbackChatflow(
        flow_pb2.RollbackChatflowRequest(name=flow.name, version=1, etag=published.etag)
    )
    assert back.published_version == 1
    assert text_of(await execute(client, flow.name, "y")) == "v1 y"
    async with raises(grpc.StatusCode.NOT_FOUND):
        await client.flow.RollbackChatflow(
            flow_pb2.RollbackChatflowRequest(name=flow.name, version=9)
        )

    listed = await client.flow.ListChatflows(flow_pb2.ListChatflowsRequest(parent=me.workspace))
    assert [f.name for f in listed.chatflows] == [flow.name]
    runs = await client.flow.ListChatflowRuns(
        flow_pb2.ListChatflowRunsRequest(parent=flow.name, page_size=2)
    )
    assert len(runs.chatflow_runs) == 2 and runs.next_page_token
    newest = runs.chatflow_runs[0]
    assert newest.output == "v1 y" and newest.version == 1 and newest.message == "y"
    assert newest.state == flow_pb2.ChatflowRun.STATE_SUCCEEDED and not newest.node_runs
    full = await client.flow.GetChatflowRun(flow_pb2.GetChatflowRunRequest(name=newest.name))
    assert [n.node_id for n in full.node_runs] == ["start", "greet", "ans"]
    assert full.node_runs[1].output.struct_value["text"] == "v1 y"
    await client.flow.DeleteChatflow(flow_pb2.DeleteChatflowRequest(name=flow.name))
    async with raises(grpc.StatusCode.NOT_FOUND):
        await client.flow.GetChatflowRun(flow_pb2.GetChatflowRunRequest(name=newest.name))


async def test_bad_graphs_are_invalid_argument_naming_the_node_and_nothing_is_saved(client):
    me = await sign_up(client, "badgraph")
    flow = await new_flow(client, me.workspace)
    cases = [
        (  # an unknown node type
            [{"id": "start", "type": "start"}, {"id": "weird", "type": "teleport"},
             {"id": "ans", "type": "answer", "config": {"text": "x"}}],
            [{"source": "start", "target": "ans"}],
            "chatflow.graph.nodes[1]", "weird",
        ),
        (  # a config that fails its schema
            [{"id": "start", "type": "start"},
             {"id": "llm1", "type": "llm", "config": {"max_tokens": 99999}},
             {"id": "ans", "type": "answer", "config": {"text": "{{ llm1.text }}"}}],
            [{"source": "start", "target": "llm1"}, {"source": "llm1", "target": "ans"}],
            "chatflow.graph.nodes[1].config.max_tokens", "llm1",
        ),
        (  # a cycle
            [{"id": "start", "type": "start"},
             {"id": "a", "type": "template", "config": {"template": "a"}},
             {"id": "b", "type": "template", "config": {"template": "b"}},
             {"id": "ans", "type": "answer", "config": {"text": "x"}}],
            [{"source": "start", "target": "a"}, {"source": "a", "target": "b"},
             {"source": "b", "target": "a"}, {"source": "b", "target": "ans"}],
            None, "a",
        ),
        (  # a dangling edge
            [{"id": "start", "type": "start"},
             {"id": "ans", "type": "answer", "config": {"text": "x"}}],
            [{"source": "start", "target": "ans"}, {"source": "ans", "target": "ghost"}],
            "chatflow.graph.edges[1]", "",
        ),
        (  # a reference to a branch that may not have run
            [{"id": "start", "type": "start"},
             {"id": "c", "type": "condition", "config": {"cases": [
                 {"id": "y", "rules": [{"left": "sys.message", "op": "eq", "right": "y"}]}]}},
             {"id": "t", "type": "template", "config": {"template": "t"}},
             {"id": "ans", "type": "answer", "config": {"text": "{{ t.text }}"}}],
            [{"source": "start", "target": "c"}, {"source": "c", "target": "t", "source_handle": "y"},
             {"source": "c", "target": "ans", "source_handle": "else"},
             {"source": "t", "target": "ans"}],
            "chatflow.graph.nodes[3].config.text", "ans",
        ),
    ]  # fmt: skip
    for nodes, edges, field, node_id in cases:
        async with raises(INVALID, "GRAPH_INVALID") as info:
            await client.flow.UpdateChatflow(
                flow_pb2.UpdateChatflowRequest(
                    chatflow=flow_pb2.Chatflow(name=flow.name, graph=graph(nodes, edges)),
                    update_mask=field_mask_pb2.FieldMask(paths=["graph"]),
                )
            )
        violations = info.details.field_violations
        if field is not None:
            assert field in violations, violations
        assert any(f"node {node_id}:" in d for d in violations.values()) or not node_id, violations
    # Over the contract's size limits: refused before any handler.
    huge = graph([{"id": f"n{i}", "type": "template"} for i in range(201)], [])
    async with raises(INVALID, fields={"chatflow.graph.nodes"}):
        await client.flow.UpdateChatflow(
            flow_pb2.UpdateChatflowRequest(
                chatflow=flow_pb2.Chatflow(name=flow.name, graph=huge),
                update_mask=field_mask_pb2.FieldMask(paths=["graph"]),
            )
        )
    unchanged = await client.flow.GetChatflow(flow_pb2.GetChatflowRequest(name=flow.name))
    assert unchanged.graph == flow.graph and unchanged.etag == flow.etag
    async with raises(INVALID, "INVALID_FIELD", {"update_mask"}):
        await client.flow.UpdateChatflow(
            flow_pb2.UpdateChatflowRequest(
                chatflow=flow_pb2.Chatflow(name=flow.name),
                update_mask=field_mask_pb2.FieldMask(paths=["published_version"]),
            )
        )
    async with raises(INVALID):
        await client.flow.GetChatflow(flow_pb2.GetChatflowRequest(name="not/a/name"))
    async with raises(INVALID):
        await client.flow.ValidateChatflow(flow_pb2.ValidateChatflowRequest(parent=me.workspace))
    async with raises(INVALID):
        await client.flow.RollbackChatflow(flow_pb2.RollbackChatflowRequest(name=flow.name))
    async with raises(INVALID, fields={"chatflow_secret_id"}):
        await client.flow.CreateChatflowSecret(
            flow_pb2.CreateChatflowSecretRequest(
                parent=me.workspace,
                chatflow_secret_id="Bad Id",
                chatflow_secret=flow_pb2.ChatflowSecret(value="x"),
            )
        )


async def test_another_tenant_sees_nothing(client, client_factory):
    me = await sign_up(client, "owner")
    flow = await new_flow(client, me.workspace)
    run = await execute(client, flow.name)
    run_name = run[0].run_started.run
    session = run[0].run_started.session
    other = client_factory()
    await sign_up(other, "stranger")
    for call in (
        other.flow.GetChatflow(flow_pb2.GetChatflowRequest(name=flow.name)),
        other.flow.GetChatflowRun(flow_pb2.GetChatflowRunRequest(name=run_name)),
        other.flow.ListChatflowRuns(flow_pb2.ListChatflowRunsRequest(parent=flow.name)),
        other.flow.GetChatflowSession(flow_pb2.GetChatflowSessionRequest(name=session)),
        other.flow.ListChatflowVersions(flow_pb2.ListChatflowVersionsRequest(parent=flow.name)),
        other.flow.ListChatflowSecrets(flow_pb2.ListChatflowSecretsRequest(parent=me.workspace)),
        other.flow.PublishChatflow(flow_pb2.PublishChatflowRequest(name=flow.name)),
        other.flow.ValidateChatflow(
            flow_pb2.ValidateChatflowRequest(parent=me.workspace, chatflow=flow.name)
        ),
    ):
        async with raises(grpc.StatusCode.NOT_FOUND):
            await call
    async with raises(grpc.StatusCode.NOT_FOUND):
        await execute(other, flow.name)
    # A name in the caller's own workspace naming another tenant's chatflow: still NOT_FOUND.
    mine = await sign_up(client_factory(), "third")
    async with raises(grpc.StatusCode.NOT_FOUND):
        await client.flow.ValidateChatflow(
            flow_pb2.ValidateChatflowRequest(
                parent=me.workspace, chatflow=mine.workspace + "/chatflows/" + flow.name[-20:]
            )
        )


async def test_secrets_are_used_by_reference_and_never_shown(client):
    me = await sign_up(client, "secrets")
    secret = await client.flow.CreateChatflowSecret(
        flow_pb2.CreateChatflowSecretRequest(
            parent=me.workspace,
            chatflow_secret_id="api-token",
            chatflow_secret=flow_pb2.ChatflowSecret(value="s3cr3t-value-123"),
        )
    )
    assert secret.name == me.workspace + "/chatflowSecrets/api-token" and not secret.value
    async with raises(grpc.StatusCode.ALREADY_EXISTS, "SECRET_EXISTS"):
        await client.flow.CreateChatflowSecret(
            flow_pb2.CreateChatflowSecretRequest(
                parent=me.workspace,
                chatflow_secret_id="api-token",
                chatflow_secret=flow_pb2.ChatflowSecret(value="other"),
            )
        )
    listed = await client.flow.ListChatflowSecrets(
        flow_pb2.ListChatflowSecretsRequest(parent=me.workspace)
    )
    assert [s.name for s in listed.chatflow_secrets] == [secret.name]
    assert not listed.chatflow_secrets[0].value
    await client.flow.DeleteChatflowSecret(flow_pb2.DeleteChatflowSecretRequest(name=secret.name))
    async with raises(grpc.StatusCode.NOT_FOUND):
        await client.flow.DeleteChatflowSecret(
            flow_pb2.DeleteChatflowSecretRequest(name=secret.name)
        )


async def test_sessions_feedback_analytics_and_conversation_variables(client):
    me = await sign_up(client, "convo")
    g = graph(
        [
            {"id": "start", "type": "start",
             "config": {"conversation_variables": [{"name": "turns", "type": "array"}]}},
            {"id": "mem", "type": "memory", "config": {"window": 10}},
            {"id": "keep", "type": "assign", "config": {"assignments": [
                {"variable": "turns", "op": "append", "value": "sys.message"}]}},
            {"id": "ans", "type": "answer",
             "config": {"text": "{{ conv.turns | join(',') }} after {{ mem.messages | length }}"}},
        ],
        [{"source": "start", "target": "mem"}, {"source": "mem", "target": "keep"},
         {"source": "keep", "target": "ans"}],
    )  # fmt: skip
    flow = await new_flow(client, me.workspace, g)
    first = await execute(client, flow.name, "one")
    session = first[0].run_started.session
    assert session.startswith(flow.name + "/sessions/") and text_of(first) == "one after 0"
    second = await execute(client, flow.name, "two", session=session)
    assert text_of(second) == "one,two after 2"
    listed = await client.flow.ListChatflowSessions(
        flow_pb2.ListChatflowSessionsRequest(parent=flow.name)
    )
    assert [s.name for s in listed.chat_sessions] == [session]
    assert listed.chat_sessions[0].message_count == 4
    read = await client.flow.GetChatflowSession(flow_pb2.GetChatflowSessionRequest(name=session))
    answer = read.messages[3]
    assert answer.role == bot_pb2.ChatMessage.ROLE_ASSISTANT and answer.content == "one,two after 2"
    feedback = await client.flow.SubmitChatflowFeedback(
        flow_pb2.SubmitChatflowFeedbackRequest(
            name=answer.name, rating=bot_pb2.Feedback.RATING_THUMBS_UP
        )
    )
    assert feedback.message == answer.name
    async with raises(INVALID):
        await client.flow.SubmitChatflowFeedback(
            flow_pb2.SubmitChatflowFeedbackRequest(
                name=read.messages[0].name, rating=bot_pb2.Feedback.RATING_THUMBS_UP
            )
        )
    stats = await client.flow.GetChatflowAnalytics(
        flow_pb2.GetChatflowAnalyticsRequest(name=flow.name + "/analytics")
    )
    assert (stats.conversations, stats.messages, stats.feedback_up) == (1, 4, 1)


async def test_a_widget_runs_a_published_chatflow_with_its_publishable_key(client, client_factory):
    me = await sign_up(client, "widgetflow")
    flow = await new_flow(client, me.workspace)
    flow = await client.flow.UpdateChatflow(
        flow_pb2.UpdateChatflowRequest(
            chatflow=flow_pb2.Chatflow(
                name=flow.name, allowed_origins=["https://shop.example.com"]
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["allowed_origins"]),
        )
    )
    key = await client.flow.RotateChatflowPublishableKey(
        flow_pb2.RotateChatflowPublishableKeyRequest(name=flow.name)
    )
    assert key.publishable_key.startswith("pxbpk_") and key.chatflow.publishable_key_prefix
    visitor = client_factory(publishable_key=key.publishable_key)
    visitor.extra_metadata = visitor.extra_metadata + (("origin", "https://shop.example.com"),)
    events = await execute(visitor, flow.name, "widget", visitor_id="v-1")
    assert text_of(events) == "Hello widget"
    session = events[0].run_started.session
    read = await client.flow.GetChatflowSession(flow_pb2.GetChatflowSessionRequest(name=session))
    assert read.visitor_id == "v-1"
    await visitor.flow.SubmitChatflowFeedback(
        flow_pb2.SubmitChatflowFeedbackRequest(
            name=read.messages[1].name, rating=bot_pb2.Feedback.RATING_THUMBS_DOWN, visitor_id="v-1"
        )
    )
    async with raises(grpc.StatusCode.NOT_FOUND):  # another visitor's session
        await execute(visitor, flow.name, "x", visitor_id="v-2", session=session)
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PUBLISHABLE_KEY_NOT_ALLOWED"):
        await visitor.flow.GetChatflow(flow_pb2.GetChatflowRequest(name=flow.name))
    async with raises(INVALID, fields={"visitor_id"}):
        await execute(visitor, flow.name, "x")
    elsewhere = client_factory(publishable_key=key.publishable_key)
    elsewhere.extra_metadata = elsewhere.extra_metadata + (("origin", "https://evil.example"),)
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "ORIGIN_NOT_ALLOWED"):
        await execute(elsewhere, flow.name, "x", visitor_id="v-3")
    # The key runs this chatflow only.
    other = await new_flow(client, me.workspace, name="Other")
    async with raises(grpc.StatusCode.NOT_FOUND):
        await execute(visitor, other.name, "x", visitor_id="v-1")


async def test_node_events_stream_in_order_and_outputs_are_redacted_and_truncated(client):
    me = await sign_up(client, "events")
    g = graph(
        [
            {"id": "start", "type": "start"},
            {"id": "big", "type": "template", "config": {"template": "{% for i in range(3000) %}ab{% endfor %}"}},
            {"id": "code", "type": "code", "config": {
                "source": "function main(i){ return {password: 'hunter2', n: i.x.length}; }",
                "inputs": {"x": "big.text"}}},
            {"id": "ans", "type": "answer", "config": {"text": "{{ code.result.n }}"}},
        ],
        [{"source": "start", "target": "big"}, {"source": "big", "target": "code"},
         {"source": "code", "target": "ans"}],
    )  # fmt: skip
    flow = await new_flow(client, me.workspace, g)
    events = await execute(client, flow.name)
    order = kinds(events)
    assert order[0] == "run_started" and order[-1] == "run_finished"
    assert events[-1].run_finished.state == flow_pb2.ChatflowRun.STATE_SUCCEEDED
    assert text_of(events) == "6000"
    done = finished_nodes(events)
    shown = done["big"].output.struct_value["text"]
    assert len(shown) < 2100 and "more characters" in shown
    assert done["code"].output.struct_value["result"]["password"] == "[redacted]"
    stored = await client.flow.GetChatflowRun(
        flow_pb2.GetChatflowRunRequest(name=events[0].run_started.run)
    )
    assert "hunter2" not in str(stored)


async def test_chatflow_messages_count_against_the_monthly_quota_and_plan(client, stack):
    me = await sign_up(client, "flowquota")
    flow = await new_flow(client, me.workspace)
    org_id = me.organization.split("/")[1]
    async with stack.running.platform.sessions() as session, session.begin():
        # The Free plan after its trial: 100 messages a month, 2 chatflows. 99 were sent.
        await session.execute(
            update(Organization).where(Organization.id == org_id).values(trial_ends_at=None)
        )
        row = ChatflowSession(
            chatflow_id=flow.name.split("/")[-1],
            organization_id=org_id,
            workspace_id=me.workspace.split("/")[-1],
            visitor_id="seed",
        )
        session.add(row)
        await session.flush()
        session.add_all(
            ChatflowMessage(
                session_id=row.id,
                chatflow_id=row.chatflow_id,
                organization_id=org_id,
                role="user",
                content="earlier",
            )  # fmt: skip
            for _ in range(99)
        )
    await execute(client, flow.name, "the 100th")
    usage = await client.tenant.GetUsage(
        tenant_pb2.GetUsageRequest(name=me.organization + "/usage")
    )
    assert usage.messages_this_month.used == 100 and usage.chatflows.used == 1
    async with raises(grpc.StatusCode.RESOURCE_EXHAUSTED, "MESSAGE_QUOTA_EXHAUSTED"):
        await execute(client, flow.name, "one more")
    await new_flow(client, me.workspace, name="Second")
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "PLAN_LIMIT_REACHED"):
        await new_flow(client, me.workspace, name="Third")
    draft = await new_flow_draft(client, me.workspace)
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "NOT_PUBLISHED"):
        # Unpublished: a chatflow whose published version is gone (written directly).
        async with stack.running.platform.sessions() as session, session.begin():
            await session.execute(
                update(Chatflow)
                .where(Chatflow.id == flow.name.split("/")[-1])
                .values(published_version=0)
            )
        await execute(client, flow.name)
    assert draft.name
