"""FlowService: unpack the request, call the flows domain, pack the response."""

from __future__ import annotations

from google.protobuf import empty_pb2, json_format

from privexbot.api.bot import RATINGS, chat_message, feedback_message
from privexbot.api.convert import from_timestamp, timestamp
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
from privexbot.bots import analytics
from privexbot.flows import compiler
from privexbot.flows import graph as graphs
from privexbot.kernel import pagination, resources
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


def _page(request, field: str = "page_size") -> int:
    return pagination.page_size(getattr(request, field), field)


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

    async def GetChatflowDraft(self, request, context):
        draft_id = resources.CHATFLOW_DRAFT.id_of(request.name)
        return draft_message(await self.drafts.get(current().scope, draft_id))

    async def UpdateChatflowDraft(self, request, context):
        draft = request.chatflow_draft
        draft_id = resources.CHATFLOW_DRAFT.id_of(draft.name, "chatflow_draft.name")
        updated = await self.drafts.update(
            current().scope, draft_id, _fields(draft), list(request.update_mask.paths), draft.etag
        )
        return draft_message(updated)

    async def FinalizeChatflowDraft(self, request, context):
        draft_id = resources.CHATFLOW_DRAFT.id_of(request.name)
        flow = await self.chatflows.finalize(
            current().scope, draft_id, request.etag, request.request_id
        )
        return chatflow_message(flow)

    # ---- chatflows ------------------------------------------------------------------------

    async def GetChatflow(self, request, context):
        flow_id = resources.CHATFLOW.id_of(request.name)
        return chatflow_message(await self.chatflows.get(current().scope, flow_id))

    async def ListChatflows(self, request, context):
        flows, token = await self.chatflows.list(
            current().scope, _page(request), request.page_token
        )
        return flow_pb2.ListChatflowsResponse(
            chatflows=[chatflow_message(f) for f in flows], next_page_token=token
        )

    async def UpdateChatflow(self, request, context):
        flow = request.chatflow
        flow_id = resources.CHATFLOW.id_of(flow.name, "chatflow.name")
        updated = await self.chatflows.update(
            current().scope, flow_id, _fields(flow), list(request.update_mask.paths), flow.etag
        )
        return chatflow_message(updated)

    async def DeleteChatflow(self, request, context):
        flow_id = resources.CHATFLOW.id_of(request.name)
        await self.chatflows.delete(current().scope, flow_id, request.etag)
        return empty_pb2.Empty()

    async def PublishChatflow(self, request, context):
        flow_id = resources.CHATFLOW.id_of(request.name)
        return chatflow_message(
            await self.chatflows.publish(current().scope, flow_id, request.etag)
        )

    async def ListChatflowVersions(self, request, context):
        flow_id = resources.CHATFLOW.id_of(request.parent, "parent")
        found, token = await self.chatflows.versions(
            current().scope, flow_id, _page(request), request.page_token
        )
        return flow_pb2.ListChatflowVersionsResponse(
            chatflow_versions=[version_message(v) for v in found], next_page_token=token
        )

    async def RollbackChatflow(self, request, context):
        flow_id = resources.CHATFLOW.id_of(request.name)
        flow = await self.chatflows.rollback(
            current().scope, flow_id, request.version, request.etag
        )
        return chatflow_message(flow)

    async def RotateChatflowPublishableKey(self, request, context):
        flow_id = resources.CHATFLOW.id_of(request.name)
        flow, key = await self.chatflows.rotate_publishable_key(current().scope, flow_id)
        return flow_pb2.RotateChatflowPublishableKeyResponse(
            chatflow=chatflow_message(flow), publishable_key=key
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

    async def ListChatflowRuns(self, request, context):
        flow_id = resources.CHATFLOW.id_of(request.parent, "parent")
        found, token = await self.runs.list(
            current().scope, flow_id, _page(request), request.page_token
        )
        return flow_pb2.ListChatflowRunsResponse(
            chatflow_runs=[run_message(r) for r in found], next_page_token=token
        )

    async def GetChatflowRun(self, request, context):
        return run_message(await self.runs.get(request.name))

    # ---- conversations --------------------------------------------------------------------

    async def ListChatflowSessions(self, request, context):
        flow_id = resources.CHATFLOW.id_of(request.parent, "parent")
        found, token = await self.sessions.list(
            current().scope, flow_id, _page(request), request.page_token
        )
        return bot_pb2.ListChatSessionsResponse(
            chat_sessions=[session_message(s) for s in found], next_page_token=token
        )

    async def GetChatflowSession(self, request, context):
        resources.CHATFLOW_SESSION.parse(request.name)
        row, messages, token = await self.sessions.get(
            request.name, _page(request, "message_page_size"), request.message_page_token
        )
        reply = session_message(row)
        reply.messages.extend(chat_message(m) for m in messages)
        reply.next_message_page_token = token
        return reply

    async def SubmitChatflowFeedback(self, request, context):
        resources.CHATFLOW_MESSAGE.parse(request.name)
        feedback = await self.sessions.submit_feedback(
            request.name, RATINGS[request.rating], request.comment, request.visitor_id
        )
        return feedback_message(feedback)

    async def GetChatflowAnalytics(self, request, context):
        flow_id = resources.CHATFLOW_ANALYTICS.parse(request.name)[2]
        start, end = analytics.time_range(
            from_timestamp(request, "start_time"), from_timestamp(request, "end_time")
        )
        result = await self.analytics.of(current().scope, flow_id, start, end)
        return bot_pb2.ChatbotAnalytics(
            name=request.name,
            start_time=timestamp(result.start),
            end_time=timestamp(result.end),
            conversations=result.conversations,
            messages=result.messages,
            unique_visitors=result.unique_visitors,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            feedback_up=result.feedback_up,
            feedback_down=result.feedback_down,
            knowledge_hit_rate=result.knowledge_hit_rate,
            unanswered_questions=result.unanswered_questions,
        )

    # ---- secrets --------------------------------------------------------------------------

    async def CreateChatflowSecret(self, request, context):
        secret = await self.secrets.create(
            current().scope, request.chatflow_secret_id, request.chatflow_secret.value
        )
        return flow_pb2.ChatflowSecret(name=secret.name, create_time=timestamp(secret.created_at))

    async def ListChatflowSecrets(self, request, context):
        found, token = await self.secrets.list(current().scope, _page(request), request.page_token)
        return flow_pb2.ListChatflowSecretsResponse(
            chatflow_secrets=[
                flow_pb2.ChatflowSecret(name=s.name, create_time=timestamp(s.created_at))
                for s in found
            ],
            next_page_token=token,
        )

    async def DeleteChatflowSecret(self, request, context):
        secret_id = resources.CHATFLOW_SECRET.id_of(request.name)
        await self.secrets.delete(current().scope, secret_id)
        return empty_pb2.Empty()
