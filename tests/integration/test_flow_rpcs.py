"""Every FlowService RPC with bad input (INVALID_ARGUMENT naming the field, never INTERNAL)
and from another tenant (NOT_FOUND, exactly like a missing resource). Happy paths:
test_flow.py and test_flow_examples.py; unauthenticated and forbidden callers of every RPC:
test_authz_matrix.py."""

from __future__ import annotations

import grpc
from flowhelp import execute, new_flow, new_flow_draft
from google.protobuf import field_mask_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from helpers import raises, sign_up

from privexbot.kernel import contract
from privexbot.v1 import bot_pb2, flow_pb2

INVALID, NOT_FOUND = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND
FLOW_RPCS = {
    spec.name for spec in contract.methods().values() if spec.service.endswith("FlowService")
}


def later(seconds: int) -> Timestamp:
    stamp = Timestamp()
    stamp.GetCurrentTime()
    stamp.seconds += seconds
    return stamp


def bad_requests(ws: str, flow: str, draft: str, session: str, message: str, run: str) -> dict:
    """RPC -> (a request with one thing wrong, the field a violation must name)."""
    return {
        "CreateChatflowDraft": (
            flow_pb2.CreateChatflowDraftRequest(
                parent=ws, chatflow_draft=flow_pb2.ChatflowDraft(display_name="x" * 101)
            ),
            "chatflow_draft.display_name",
        ),
        "GetChatflowDraft": (
            flow_pb2.GetChatflowDraftRequest(name=ws + "/chatflowDrafts/UP"),
            "name",
        ),
        "UpdateChatflowDraft": (
            flow_pb2.UpdateChatflowDraftRequest(
                chatflow_draft=flow_pb2.ChatflowDraft(name=draft),
                update_mask=field_mask_pb2.FieldMask(paths=["creator"]),
            ),
            "update_mask",
        ),
        "FinalizeChatflowDraft": (
            flow_pb2.FinalizeChatflowDraftRequest(name=draft, etag="e" * 129),
            "etag",
        ),
        "GetChatflow": (flow_pb2.GetChatflowRequest(name=flow + "/x"), "name"),
        "ListChatflows": (
            flow_pb2.ListChatflowsRequest(parent=ws, page_token="not-a-token"),
            "page_token",
        ),
        "UpdateChatflow": (
            flow_pb2.UpdateChatflowRequest(
                chatflow=flow_pb2.Chatflow(name=flow, allowed_origins=["not an origin"]),
                update_mask=field_mask_pb2.FieldMask(paths=["allowed_origins"]),
            ),
            "chatflow.allowed_origins",
        ),
        "DeleteChatflow": (flow_pb2.DeleteChatflowRequest(name=flow, etag="e" * 129), "etag"),
        "ValidateChatflow": (
            flow_pb2.ValidateChatflowRequest(parent=ws, chatflow="chatflows/relative"),
            "chatflow",
        ),
        "ExecuteChatflow": (
            flow_pb2.ExecuteChatflowRequest(name=flow, message="m" * 4001),
            "message",
        ),
        "ListChatflowRuns": (
            flow_pb2.ListChatflowRunsRequest(parent=flow, page_size=-1),
            "page_size",
        ),
        "GetChatflowRun": (flow_pb2.GetChatflowRunRequest(name=run + "/nodes/1"), "name"),
        "PublishChatflow": (flow_pb2.PublishChatflowRequest(name=flow, etag="e" * 129), "etag"),
        "ListChatflowVersions": (
            flow_pb2.ListChatflowVersionsRequest(parent=flow, page_size=5000),
            "page_size",
        ),
        "RollbackChatflow": (flow_pb2.RollbackChatflowRequest(name=flow, version=-2), "version"),
        "RotateChatflowPublishableKey": (
            flow_pb2.RotateChatflowPublishableKeyRequest(name=flow + "/versions/1"),
            "name",
        ),
        "ListChatflowSessions": (
            flow_pb2.ListChatflowSessionsRequest(parent=flow, page_token="x"),
            "page_token",
        ),
        "GetChatflowSession": (
            flow_pb2.GetChatflowSessionRequest(name=session, message_page_size=-5),
            "message_page_size",
        ),
        "SubmitChatflowFeedback": (flow_pb2.SubmitChatflowFeedbackRequest(name=message), "rating"),
        "GetChatflowAnalytics": (
            flow_pb2.GetChatflowAnalyticsRequest(
                name=flow + "/analytics", start_time=later(60), end_time=later(0)
            ),
            "start_time",
        ),
        "CreateChatflowSecret": (
            flow_pb2.CreateChatflowSecretRequest(
                parent=ws,
                chatflow_secret_id="ok",
                chatflow_secret=flow_pb2.ChatflowSecret(value="v" * 4097),
            ),
            "chatflow_secret.value",
        ),  # fmt: skip
        "ListChatflowSecrets": (
            flow_pb2.ListChatflowSecretsRequest(parent=ws, page_size=-1),
            "page_size",
        ),
        "DeleteChatflowSecret": (
            flow_pb2.DeleteChatflowSecretRequest(name=ws + "/chatflowSecrets/Has Space"),
            "name",
        ),
    }


def calls(client) -> dict:
    f = client.flow
    return {name: getattr(f, name) for name in FLOW_RPCS}


async def call(client, rpc: str, request):
    if rpc == "ExecuteChatflow":
        return [e async for e in client.flow.ExecuteChatflow(request)]
    return await calls(client)[rpc](request)


async def owned(client, me):
    """A chatflow with a run, a session, a message, a draft and a secret."""
    flow = await new_flow(client, me.workspace)
    draft = await new_flow_draft(client, me.workspace)
    events = await execute(client, flow.name)
    session = events[0].run_started.session
    read = await client.flow.GetChatflowSession(flow_pb2.GetChatflowSessionRequest(name=session))
    secret = await client.flow.CreateChatflowSecret(
        flow_pb2.CreateChatflowSecretRequest(
            parent=me.workspace,
            chatflow_secret_id="k1",
            chatflow_secret=flow_pb2.ChatflowSecret(value="v"),
        )
    )
    return flow.name, draft.name, session, read.messages[1].name, events[0].run_started.run, secret


async def test_every_rpc_refuses_bad_input_naming_the_field(client):
    me = await sign_up(client, "badinput")
    flow, draft, session, message, run, _ = await owned(client, me)
    table = bad_requests(me.workspace, flow, draft, session, message, run)
    assert set(table) == FLOW_RPCS
    for rpc, (request, field) in table.items():
        async with raises(INVALID) as info:
            await call(client, rpc, request)
        assert field in info.details.field_violations, (rpc, info.details.field_violations)


async def test_every_rpc_answers_not_found_for_another_tenants_names(client, client_factory):
    me = await sign_up(client, "tenant-a")
    flow, draft, session, message, run, secret = await owned(client, me)
    other = client_factory()
    await sign_up(other, "tenant-b")
    ws = me.workspace
    requests = {
        "CreateChatflowDraft": flow_pb2.CreateChatflowDraftRequest(
            parent=ws, chatflow_draft=flow_pb2.ChatflowDraft(display_name="x")
        ),
        "GetChatflowDraft": flow_pb2.GetChatflowDraftRequest(name=draft),
        "UpdateChatflowDraft": flow_pb2.UpdateChatflowDraftRequest(
            chatflow_draft=flow_pb2.ChatflowDraft(name=draft, display_name="x"),
            update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
        ),
        "FinalizeChatflowDraft": flow_pb2.FinalizeChatflowDraftRequest(name=draft),
        "GetChatflow": flow_pb2.GetChatflowRequest(name=flow),
        "ListChatflows": flow_pb2.ListChatflowsRequest(parent=ws),
        "UpdateChatflow": flow_pb2.UpdateChatflowRequest(
            chatflow=flow_pb2.Chatflow(name=flow, display_name="x"),
            update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
        ),
        "DeleteChatflow": flow_pb2.DeleteChatflowRequest(name=flow),
        "ValidateChatflow": flow_pb2.ValidateChatflowRequest(parent=ws, chatflow=flow),
        "ExecuteChatflow": flow_pb2.ExecuteChatflowRequest(name=flow, message="hi"),
        "ListChatflowRuns": flow_pb2.ListChatflowRunsRequest(parent=flow),
        "GetChatflowRun": flow_pb2.GetChatflowRunRequest(name=run),
        "PublishChatflow": flow_pb2.PublishChatflowRequest(name=flow),
        "ListChatflowVersions": flow_pb2.ListChatflowVersionsRequest(parent=flow),
        "RollbackChatflow": flow_pb2.RollbackChatflowRequest(name=flow, version=1),
        "RotateChatflowPublishableKey": flow_pb2.RotateChatflowPublishableKeyRequest(name=flow),
        "ListChatflowSessions": flow_pb2.ListChatflowSessionsRequest(parent=flow),
        "GetChatflowSession": flow_pb2.GetChatflowSessionRequest(name=session),
        "SubmitChatflowFeedback": flow_pb2.SubmitChatflowFeedbackRequest(
            name=message, rating=bot_pb2.Feedback.RATING_THUMBS_UP
        ),
        "GetChatflowAnalytics": flow_pb2.GetChatflowAnalyticsRequest(name=flow + "/analytics"),
        "CreateChatflowSecret": flow_pb2.CreateChatflowSecretRequest(
            parent=ws, chatflow_secret_id="k2", chatflow_secret=flow_pb2.ChatflowSecret(value="v")
        ),
        "ListChatflowSecrets": flow_pb2.ListChatflowSecretsRequest(parent=ws),
        "DeleteChatflowSecret": flow_pb2.DeleteChatflowSecretRequest(name=secret.name),
    }
    assert set(requests) == FLOW_RPCS
    for rpc, request in requests.items():
        async with raises(NOT_FOUND, "RESOURCE_NOT_FOUND"):
            await call(other, rpc, request)
    # Nothing changed for the owner.
    still = await client.flow.GetChatflow(flow_pb2.GetChatflowRequest(name=flow))
    assert (
        still.display_name == "Flow"
        and still.published_version == 1
        and not still.publishable_key_prefix
    )
