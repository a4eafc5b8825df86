"""BotService: unpack the request, call the bots domain, pack the response."""

from __future__ import annotations

from google.protobuf import empty_pb2

from privexbot.api.convert import from_timestamp, timestamp
from privexbot.api.inference import FINISH, usage_message, verdict_message
from privexbot.api.knowledge import MODE_ENUMS, retrieval_dict
from privexbot.bots import analytics, chat
from privexbot.bots.chatbots import ChatbotView, chatbot_name
from privexbot.bots.drafts import Draft
from privexbot.inference import gateway
from privexbot.kernel import pagination, resources
from privexbot.kernel.calls import current
from privexbot.kernel.errors import InvalidArgument
from privexbot.kernel.resources import Scope
from privexbot.kernel.standard import etag
from privexbot.store.models import ChatMessage, ChatSession
from privexbot.v1 import bot_pb2, bot_pb2_grpc, inference_pb2, knowledge_pb2

GROUNDING = {
    bot_pb2.GROUNDING_MODE_STRICT: "strict",
    bot_pb2.GROUNDING_MODE_GUIDED: "guided",
    bot_pb2.GROUNDING_MODE_FLEXIBLE: "flexible",
}
GROUNDING_ENUMS = {v: k for k, v in GROUNDING.items()}
LEAD_MODES = {
    bot_pb2.LeadCapture.MODE_OFF: "off",
    bot_pb2.LeadCapture.MODE_BEFORE_CHAT: "before_chat",
    bot_pb2.LeadCapture.MODE_DURING_CHAT: "during_chat",
}
LEAD_MODE_ENUMS = {v: k for k, v in LEAD_MODES.items()}
RATINGS = {
    bot_pb2.Feedback.RATING_THUMBS_UP: "up",
    bot_pb2.Feedback.RATING_THUMBS_DOWN: "down",
}
RATING_ENUMS = {v: k for k, v in RATINGS.items()}
ROLES = {"user": bot_pb2.ChatMessage.ROLE_USER, "assistant": bot_pb2.ChatMessage.ROLE_ASSISTANT}


def config_dict(message: bot_pb2.ChatbotConfig, scope: Scope, field: str) -> dict:
    """The domain's configuration from the message; knowledge bases must be in ``scope``."""
    kb_ids = []
    for kb in message.knowledge_bases:
        org, ws, kb_id = resources.KNOWLEDGE_BASE.parse(kb, f"{field}.knowledge_bases")
        if (org, ws) != (scope.organization_id, scope.workspace_id):
            raise InvalidArgument.field(
                f"{field}.knowledge_bases",
                f"{kb} is not in the chatbot's workspace",
                "KNOWLEDGE_BASE_OUTSIDE_WORKSPACE",
            )
        kb_ids.append(kb_id)
    lead = message.lead_capture
    return {
        "display_name": message.display_name,
        "description": message.description,
        "system_prompt": message.system_prompt,
        "model": message.model,
        "temperature": message.temperature if message.HasField("temperature") else None,
        "max_tokens": message.max_tokens if message.HasField("max_tokens") else None,
        "greeting": message.greeting,
        "knowledge_bases": kb_ids,
        "retrieval": retrieval_dict(message.retrieval),
        "grounding_mode": GROUNDING.get(message.grounding_mode, "guided"),
        "memory_window": message.memory_window if message.HasField("memory_window") else None,
        "appearance": dict(message.appearance),
        "allowed_origins": list(message.allowed_origins),
        "lead_capture": {
            "mode": LEAD_MODES.get(lead.mode, "off"),
            "require_consent": lead.require_consent,
            "consent_text": lead.consent_text,
        },
    }


def config_message(config: dict, organization_id: str, workspace_id: str) -> bot_pb2.ChatbotConfig:
    workspace = resources.WORKSPACE.name(organization_id, workspace_id)
    retrieval = config["retrieval"]
    lead = config["lead_capture"]
    return bot_pb2.ChatbotConfig(
        display_name=config["display_name"],
        description=config["description"],
        system_prompt=config["system_prompt"],
        model=config["model"],
        temperature=config["temperature"],
        max_tokens=config["max_tokens"],
        greeting=config["greeting"],
        knowledge_bases=[f"{workspace}/knowledgeBases/{k}" for k in config["knowledge_bases"]],
        retrieval=knowledge_pb2.RetrievalSettings(
            top_k=retrieval.get("top_k"),
            score_threshold=retrieval.get("score_threshold"),
            mode=MODE_ENUMS.get(retrieval.get("mode"), 0),
        ),
        grounding_mode=GROUNDING_ENUMS[config["grounding_mode"]],
        memory_window=config["memory_window"],
        appearance=config["appearance"],
        allowed_origins=config["allowed_origins"],
        lead_capture=bot_pb2.LeadCapture(
            mode=LEAD_MODE_ENUMS[lead["mode"]],
            require_consent=lead["require_consent"],
            consent_text=lead["consent_text"],
        ),
    )


def draft_message(draft: Draft) -> bot_pb2.ChatbotDraft:
    return bot_pb2.ChatbotDraft(
        name=draft.name,
        config=config_message(draft.config, draft.organization_id, draft.workspace_id),
        expire_time=timestamp(draft.expires_at),
        create_time=timestamp(draft.created_at),
        update_time=timestamp(draft.updated_at),
        etag=draft.etag,
    )


def chatbot_message(view: ChatbotView) -> bot_pb2.Chatbot:
    bot = view.bot
    published = view.published_config
    return bot_pb2.Chatbot(
        name=chatbot_name(bot),
        config=config_message(bot.config, bot.organization_id, bot.workspace_id),
        published_version=bot.published_version,
        published_config=None
        if published is None
        else config_message(published, bot.organization_id, bot.workspace_id),
        publish_time=timestamp(bot.published_at),
        publishable_key_prefix=bot.publishable_key_prefix or "",
        creator=resources.USER.name(bot.creator_id) if bot.creator_id else "",
        create_time=timestamp(bot.created_at),
        update_time=timestamp(bot.updated_at),
        etag=etag(bot),
    )


def citation_message(record: dict) -> knowledge_pb2.ScoredCitation:
    fields = {k: v for k, v in record.items() if k != "score"}
    return knowledge_pb2.ScoredCitation(
        citation=knowledge_pb2.Citation(**fields), score=record["score"]
    )


def finish_reason(reason: str) -> int:
    return FINISH.get(reason, inference_pb2.FINISH_REASON_ERROR)


def chat_message(session: ChatSession, message: ChatMessage) -> bot_pb2.ChatMessage:
    verdict = chat.verdict_from_record(message.attestation)
    return bot_pb2.ChatMessage(
        name=chat.message_name(session, message),
        role=ROLES[message.role],
        content=message.content,
        citations=[citation_message(c) for c in message.citations],
        usage=usage_message(gateway.Usage(message.prompt_tokens, message.completion_tokens)),
        finish_reason=finish_reason(message.finish_reason) if message.finish_reason else 0,
        incomplete=message.incomplete,
        attestation=None if verdict is None else verdict_message(verdict),
        chatbot_version=message.chatbot_version,
        feedback=feedback_message(session, message) if message.feedback_rating else None,
        create_time=timestamp(message.created_at),
    )


def feedback_message(session: ChatSession, message: ChatMessage) -> bot_pb2.Feedback:
    return bot_pb2.Feedback(
        message=chat.message_name(session, message),
        rating=RATING_ENUMS[message.feedback_rating],
        comment=message.feedback_comment,
        create_time=timestamp(message.feedback_at),
    )


def session_message(row: ChatSession) -> bot_pb2.ChatSession:
    return bot_pb2.ChatSession(
        name=chat.session_name(row),
        visitor_id=row.visitor_id,
        lead=bot_pb2.Lead(**row.lead) if row.lead else None,
        message_count=row.message_count,
        create_time=timestamp(row.created_at),
        update_time=timestamp(row.updated_at),
    )


def event_message(event: chat.Event) -> bot_pb2.ChatEvent:
    match event:
        case chat.SessionStarted(session=session):
            return bot_pb2.ChatEvent(
                session_started=bot_pb2.ChatEvent.SessionStarted(session=session)
            )
        case gateway.Delta(text=text):
            return bot_pb2.ChatEvent(delta=bot_pb2.ChatEvent.Delta(text=text))
        case chat.Cited(citations=citations):
            return bot_pb2.ChatEvent(
                citations=bot_pb2.ChatEvent.Citations(
                    citations=[citation_message(c) for c in citations]
                )
            )
        case gateway.Usage():
            return bot_pb2.ChatEvent(usage=usage_message(event))
        case gateway.Attested(verdict=verdict):
            return bot_pb2.ChatEvent(attestation=verdict_message(verdict))
        case chat.Done(finish_reason=reason, message=message, incomplete=incomplete):
            return bot_pb2.ChatEvent(
                done=bot_pb2.ChatEvent.Done(
                    finish_reason=finish_reason(reason), message=message, incomplete=incomplete
                )
            )
    raise TypeError(event)


def lead_dict(message: bot_pb2.ChatRequest) -> dict | None:
    if not message.HasField("lead"):
        return None
    lead = message.lead
    return {"email": lead.email, "display_name": lead.display_name, "consent": lead.consent}


class BotApi(bot_pb2_grpc.BotServiceServicer):
    def __init__(self, platform) -> None:
        self.drafts, self.chatbots = platform.drafts, platform.chatbots
        self.conversations = platform.conversations

    # ---- drafts ---------------------------------------------------------------------------

    async def CreateChatbotDraft(self, request, context):
        scope = current().scope
        config = config_dict(request.chatbot_draft.config, scope, "chatbot_draft.config")
        draft = await self.drafts.create(scope, config, request.request_id)
        return draft_message(draft)

    async def GetChatbotDraft(self, request, context):
        draft_id = resources.CHATBOT_DRAFT.parse(request.name)[2]
        return draft_message(await self.drafts.get(current().scope, draft_id))

    async def UpdateChatbotDraft(self, request, context):
        scope = current().scope
        draft = request.chatbot_draft
        draft_id = resources.CHATBOT_DRAFT.parse(draft.name, "chatbot_draft.name")[2]
        updated = await self.drafts.update(
            scope,
            draft_id,
            config_dict(draft.config, scope, "chatbot_draft.config"),
            list(request.update_mask.paths),
            draft.etag,
        )
        return draft_message(updated)

    async def FinalizeChatbotDraft(self, request, context):
        draft_id = resources.CHATBOT_DRAFT.parse(request.name)[2]
        view = await self.chatbots.finalize(
            current().scope, draft_id, request.etag, request.request_id
        )
        return chatbot_message(view)

    async def TestChatbotDraft(self, request, context):
        draft_id = resources.CHATBOT_DRAFT.parse(request.name)[2]
        async for event in self.conversations.test_draft(
            current().scope, draft_id, request.session, request.message
        ):
            yield event_message(event)

    # ---- chatbots -------------------------------------------------------------------------

    async def GetChatbot(self, request, context):
        bot_id = resources.CHATBOT.parse(request.name)[2]
        return chatbot_message(await self.chatbots.get(current().scope, bot_id))

    async def ListChatbots(self, request, context):
        views, token = await self.chatbots.list(
            current().scope, pagination.page_size(request.page_size), request.page_token
        )
        return bot_pb2.ListChatbotsResponse(
            chatbots=[chatbot_message(v) for v in views], next_page_token=token
        )

    async def UpdateChatbot(self, request, context):
        scope = current().scope
        bot = request.chatbot
        bot_id = resources.CHATBOT.parse(bot.name, "chatbot.name")[2]
        view = await self.chatbots.update(
            scope,
            bot_id,
            config_dict(bot.config, scope, "chatbot.config"),
            list(request.update_mask.paths),
            bot.etag,
        )
        return chatbot_message(view)

    async def DeleteChatbot(self, request, context):
        bot_id = resources.CHATBOT.parse(request.name)[2]
        await self.chatbots.delete(current().scope, bot_id, request.etag)
        return empty_pb2.Empty()

    async def PublishChatbot(self, request, context):
        bot_id = resources.CHATBOT.parse(request.name)[2]
        return chatbot_message(await self.chatbots.publish(current().scope, bot_id, request.etag))

    async def RotatePublishableKey(self, request, context):
        bot_id = resources.CHATBOT.parse(request.name)[2]
        view, key = await self.chatbots.rotate_publishable_key(current().scope, bot_id)
        return bot_pb2.RotatePublishableKeyResponse(
            chatbot=chatbot_message(view), publishable_key=key
        )

    # ---- chat -----------------------------------------------------------------------------

    async def Chat(self, request, context):
        call = current()
        bot_id = resources.CHATBOT.parse(request.name)[2]
        async for event in self.conversations.chat(
            call.scope,
            bot_id,
            request.session,
            request.message,
            request.visitor_id,
            lead_dict(request),
            call.metadata.get("origin", ""),
        ):
            yield event_message(event)

    async def ListChatSessions(self, request, context):
        bot_id = resources.CHATBOT.parse(request.parent, "parent")[2]
        rows, token = await self.conversations.list_sessions(
            current().scope, bot_id, pagination.page_size(request.page_size), request.page_token
        )
        return bot_pb2.ListChatSessionsResponse(
            chat_sessions=[session_message(r) for r in rows], next_page_token=token
        )

    async def GetChatSession(self, request, context):
        row, messages, token = await self.conversations.get_session(
            current().scope,
            request.name,
            pagination.page_size(request.message_page_size, "message_page_size"),
            request.message_page_token,
        )
        reply = session_message(row)
        reply.messages.extend(chat_message(row, m) for m in messages)
        reply.next_message_page_token = token
        return reply

    async def SubmitFeedback(self, request, context):
        session, message = await self.conversations.submit_feedback(
            current().scope,
            request.name,
            RATINGS[request.rating],
            request.comment,
            request.visitor_id,
        )
        return feedback_message(session, message)

    async def GetChatbotAnalytics(self, request, context):
        bot_id = resources.CHATBOT_ANALYTICS.parse(request.name)[2]
        start, end = analytics.time_range(
            from_timestamp(request, "start_time"), from_timestamp(request, "end_time")
        )
        result = await self.conversations.analytics(current().scope, bot_id, start, end)
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
