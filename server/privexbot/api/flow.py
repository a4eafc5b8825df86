"""FlowService: unpack the request, call the flows domain, pack the response."""

from __future__ import annotations

from google.protobuf import json_format

from privexbot.api import standard
from privexbot.api.bot import analytics_reply, feedback_reply, transcript_reply
from privexbot.api.convert import timestamp
from privexbot.api.flow_convert import (
    chatflow_message,
    draft_message,
    event_message,
    graph_record,
    issue_message,
    run_message,
    session_message,
    version_message,
)
from privexbot.flows import compiler
from privexbot.flows import graph as graphs
from privexbot.kernel import resources
from privexbot.kernel.calls import current
from privexbot.kernel.errors import InvalidArgument, not_found
from privexbot.v1 import bot_pb2, flow_pb2, flow_pb2_grpc


def _fields(message, paths=None) -> dict:
    """The resource fields a draft or chatflow request gives."""
    fields = {
        "display_name": message.display_name,
        "description": message.description,
        "graph": graph_record(message.graph),
    }
    if isinstance(message, flow_pb2.Chatflow):
        fields["allowed_origins"] = list(message.allowed_origins)
    return fields


def _secret_message(secret) -> flow_pb2.ChatflowSecret:
    return flow_pb2.ChatflowSecret(name=secret.name, create_time=timestamp(secret.created_at))


class FlowApi(flow_pb2_grpc.FlowServiceServicer):
    def __init__(self, platform) -> None:
        self.drafts, self.chatflows = platform.flow_drafts, platform.chatflows
        self.executor, self.runs = platform.flow_executor, platform.flow_runs
        self.sessions, self.analytics = platform.flow_sessions, platform.flow_analytics
        self.secrets = platform.flow_secrets

    # ---- drafts ---------------------------------------------------------------------------

    async def CreateChatflowDraft(self, request, context):
        draft = await self.drafts.create(
            current().scope, _fields(request.chatflow_draft), request.request_id
        )
        return draft_message(draft)

    GetChatflowDraft = standard.get("drafts", draft_message, resources.CHATFLOW_DRAFT)

    UpdateChatflowDraft = standard.update(
        "chatflow_draft", "drafts", draft_message, resources.CHATFLOW_DRAFT, _fields
    )

    FinalizeChatflowDraft = standard.custom(
        "chatflows", "finalize", chatflow_message, resources.CHATFLOW_DRAFT, "etag", "request_id"
    )

    # ---- chatflows ------------------------------------------------------------------------

    GetChatflow = standard.get("chatflows", chatflow_message, resources.CHATFLOW)

    ListChatflows = standard.list_(flow_pb2.ListChatflowsResponse, "chatflows", chatflow_message)

    UpdateChatflow = standard.update(
        "chatflow", "chatflows", chatflow_message, resources.CHATFLOW, _fields
    )

    DeleteChatflow = standard.delete("chatflows", resources.CHATFLOW)

    PublishChatflow = standard.custom(
        "chatflows", "publish", chatflow_message, resources.CHATFLOW, "etag"
    )

    ListChatflowVersions = standard.list_(
        flow_pb2.ListChatflowVersionsResponse,
        "chatflows",
        version_message,
        resources.CHATFLOW,
        lister="versions",
    )

    RollbackChatflow = standard.custom(
        "chatflows", "rollback", chatflow_message, resources.CHATFLOW, "version", "etag"
    )

    RotateChatflowPublishableKey = standard.custom(
        "chatflows",
        "rotate_publishable_key",
        standard.rotated(flow_pb2.RotateChatflowPublishableKeyResponse, chatflow_message),
        resources.CHATFLOW,
    )

    async def ValidateChatflow(self, request, context):
        scope = current().scope
        subject = request.WhichOneof("subject")
        if subject is None:
            raise InvalidArgument.field("chatflow", "set chatflow (a name) or graph")
        if subject == "graph":
            record = graph_record(request.graph)
        else:
            name = request.chatflow
            if resources.CHATFLOW_DRAFT.matches(name):
                org, ws, draft_id = resources.CHATFLOW_DRAFT.parse(name, "chatflow")
                if (org, ws) != (scope.organization_id, scope.workspace_id):
                    raise not_found(name)
                record = (await self.drafts.get(scope, draft_id)).graph
            else:
                org, ws, flow_id = resources.CHATFLOW.parse(name, "chatflow")
                if (org, ws) != (scope.organization_id, scope.workspace_id):
                    raise not_found(name)
                record = (await self.chatflows.get(scope, flow_id)).graph
        result = compiler.compile_graph(graphs.from_record(record, subject))
        return flow_pb2.ValidateChatflowResponse(
            valid=result.valid, issues=[issue_message(i) for i in result.issues]
        )

    # ---- runs -----------------------------------------------------------------------------

    async def ExecuteChatflow(self, request, context):
        call = current()
        inputs = json_format.MessageToDict(request.inputs) if request.HasField("inputs") else {}
        async for event in self.executor.execute(
            call.scope,
            request.name,
            request.message,
            inputs,
            request.session,
            request.visitor_id,
            call.metadata.get("origin", ""),
        ):
            yield event_message(event)

    ListChatflowRuns = standard.list_(
        flow_pb2.ListChatflowRunsResponse, "runs", run_message, resources.CHATFLOW
    )

    async def GetChatflowRun(self, request, context):
        return run_message(await self.runs.get(request.name))

    # ---- conversations --------------------------------------------------------------------

    ListChatflowSessions = standard.list_(
        bot_pb2.ListChatSessionsResponse, "sessions", session_message, resources.CHATFLOW
    )

    async def GetChatflowSession(self, request, context):
        resources.CHATFLOW_SESSION.parse(request.name)
        return await transcript_reply(self.sessions, request, session_message)

    async def SubmitChatflowFeedback(self, request, context):
        resources.CHATFLOW_MESSAGE.parse(request.name)
        return await feedback_reply(self.sessions, request)

    async def GetChatflowAnalytics(self, request, context):
        flow_id = resources.CHATFLOW_ANALYTICS.parse(request.name)[2]
        return await analytics_reply(self.analytics, flow_id, request)

    # ---- secrets --------------------------------------------------------------------------

    async def CreateChatflowSecret(self, request, context):
        secret = await self.secrets.create(
            current().scope, request.chatflow_secret_id, request.chatflow_secret.value
        )
        return _secret_message(secret)

    ListChatflowSecrets = standard.list_(
        flow_pb2.ListChatflowSecretsResponse, "secrets", _secret_message
    )

    DeleteChatflowSecret = standard.delete("secrets", resources.CHATFLOW_SECRET)
