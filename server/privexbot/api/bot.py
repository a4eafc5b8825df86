"""BotService: unpack the request, call the bots domain, pack the response."""

from __future__ import annotations

from google.api import httpbody_pb2
from google.protobuf import empty_pb2

from privexbot.api import standard
from privexbot.api.convert import enum_names, from_timestamp, pack
from privexbot.api.inference import finish_reason, usage_message, verdict_message
from privexbot.api.knowledge import MODES, retrieval_dict, scored_citation_message
from privexbot.bots import analytics, events
from privexbot.bots.chatbots import ChatbotView
from privexbot.bots.drafts import Draft
from privexbot.bots.leads import LeadFilter, LeadView
from privexbot.bots.published import VersionView
from privexbot.bots.sessions import FeedbackView, MessageView, SessionView
from privexbot.channels.connections import ChannelView
from privexbot.kernel import pagination, resources
from privexbot.kernel.calls import current
from privexbot.v1 import bot_pb2, bot_pb2_grpc

GROUNDING = enum_names(bot_pb2.GroundingMode)
LEAD_MODES = enum_names(bot_pb2.LeadCapture.Mode)
RATINGS = {
    bot_pb2.Feedback.RATING_THUMBS_UP: "up",
    bot_pb2.Feedback.RATING_THUMBS_DOWN: "down",
}
RATING_ENUMS = {v: k for k, v in RATINGS.items()}
PLATFORMS = enum_names(bot_pb2.Channel.Platform)
CREDENTIALS = tuple(f.name for f in bot_pb2.ChannelCredentials.DESCRIPTOR.fields)
CONFIG_FIELDS = frozenset(bot_pb2.ChatbotConfig.DESCRIPTOR.fields_by_name)


def config_dict(message: bot_pb2.ChatbotConfig) -> dict:
    """The configuration a request gives (knowledge bases as the names it sent)."""
    lead = message.lead_capture
    return {
        "display_name": message.display_name,
        "description": message.description,
        "system_prompt": message.system_prompt,
        "model": message.model,
        "temperature": message.temperature if message.HasField("temperature") else None,
        "max_tokens": message.max_tokens if message.HasField("max_tokens") else None,
        "greeting": message.greeting,
        "knowledge_bases": list(message.knowledge_bases),
        "retrieval": retrieval_dict(message.retrieval),
        "grounding_mode": GROUNDING.names.get(message.grounding_mode, "guided"),
        "memory_window": message.memory_window if message.HasField("memory_window") else None,
        "appearance": dict(message.appearance),
        "allowed_origins": list(message.allowed_origins),
        "lead_capture": {
            "mode": LEAD_MODES.names.get(lead.mode, "off"),
            "require_consent": lead.require_consent,
            "consent_text": lead.consent_text,
            "fields": [
                {"key": f.key, "label": f.label, "required": f.required} for f in lead.fields
            ],
            "email_optional": lead.email_optional,
        },
    }


def config_message(config: dict, organization_id: str, workspace_id: str) -> bot_pb2.ChatbotConfig:
    """The stored configuration as its message: enums by their domain names, knowledge bases
    by id (message fields given as dicts, unset where None)."""
    retrieval, lead = config["retrieval"], config["lead_capture"]
    given = {key: value for key, value in config.items() if key in CONFIG_FIELDS}
    return bot_pb2.ChatbotConfig(
        **{
            **given,
            "knowledge_bases": [
                resources.KNOWLEDGE_BASE.name(organization_id, workspace_id, kb)
                for kb in config["knowledge_bases"]
            ],
            "retrieval": {**retrieval, "mode": MODES.number(retrieval.get("mode", ""))},
            "grounding_mode": GROUNDING.number(config["grounding_mode"]),
            "lead_capture": {**lead, "mode": LEAD_MODES.number(lead["mode"])},
        }
    )


def draft_message(draft: Draft) -> bot_pb2.ChatbotDraft:
    config = config_message(draft.config, draft.organization_id, draft.workspace_id)
    return pack(bot_pb2.ChatbotDraft, draft, config=config)


def chatbot_message(bot: ChatbotView) -> bot_pb2.Chatbot:
    published = bot.published_config
    return pack(
        bot_pb2.Chatbot,
        bot,
        config=config_message(bot.config, bot.organization_id, bot.workspace_id),
        published_config=None
        if published is None
        else config_message(published, bot.organization_id, bot.workspace_id),
        creator=resources.USER.name(bot.creator_id) if bot.creator_id else "",
    )


def channel_message(channel: ChannelView) -> bot_pb2.Channel:
    return pack(bot_pb2.Channel, channel)


def _channel(resource: bot_pb2.Channel) -> dict:
    """What an update may change; credentials as given (replaced whole)."""
    credentials = {name: getattr(resource.credentials, name) for name in CREDENTIALS}
    return {
        "display_name": resource.display_name,
        "disabled": resource.disabled,
        "credentials": credentials,
    }


def feedback_message(feedback: FeedbackView) -> bot_pb2.Feedback:
    return pack(bot_pb2.Feedback, feedback, rating=RATING_ENUMS[feedback.rating])


def chat_message(message: MessageView) -> bot_pb2.ChatMessage:
    return pack(
        bot_pb2.ChatMessage,
        message,
        citations=[scored_citation_message(c) for c in message.citations],
        usage=usage_message(message.prompt_tokens, message.completion_tokens),
        finish_reason=finish_reason(message.finish_reason) if message.finish_reason else 0,
        attestation=None if message.verdict is None else verdict_message(message.verdict),
        feedback=None if message.feedback is None else feedback_message(message.feedback),
    )


def session_message(session: SessionView) -> bot_pb2.ChatSession:
    return pack(
        bot_pb2.ChatSession, session, lead=bot_pb2.Lead(**session.lead) if session.lead else None
    )


def event_message(event: events.Event) -> bot_pb2.ChatEvent:
    match event:
        case events.Delta(text=text):
            return bot_pb2.ChatEvent(delta=bot_pb2.ChatEvent.Delta(text=text))
        case events.SessionStarted(session=session):
            return bot_pb2.ChatEvent(
                session_started=bot_pb2.ChatEvent.SessionStarted(session=session)
            )
        case events.Cited(citations=citations):
            return bot_pb2.ChatEvent(
                citations=bot_pb2.ChatEvent.Citations(
                    citations=[scored_citation_message(c) for c in citations]
                )
            )
        case events.Usage(prompt_tokens=p, completion_tokens=c):
            return bot_pb2.ChatEvent(usage=usage_message(p, c))
        case events.Attested(verdict=verdict):
            return bot_pb2.ChatEvent(attestation=verdict_message(verdict))
        case events.Done(finish_reason=reason, message=message, incomplete=incomplete):
            return bot_pb2.ChatEvent(
                done=bot_pb2.ChatEvent.Done(
                    finish_reason=finish_reason(reason), message=message, incomplete=incomplete
                )
            )
    raise TypeError(event)


def lead_dict(message: bot_pb2.ChatRequest) -> dict | None:
    if not message.HasField("lead"):
        return None
    return lead_values(message.lead)


def lead_values(lead: bot_pb2.Lead) -> dict:
    return {
        "email": lead.email,
        "display_name": lead.display_name,
        "consent": lead.consent,
        "fields": dict(lead.fields),
    }


def _config(resource) -> dict:
    return config_dict(resource.config)


EMAIL_PRESENCE = {
    bot_pb2.LeadFilter.EMAIL_PRESENCE_WITH_EMAIL: "with",
    bot_pb2.LeadFilter.EMAIL_PRESENCE_WITHOUT_EMAIL: "without",
}


def lead_filter(message) -> LeadFilter:
    return LeadFilter(
        message.chatbot,
        from_timestamp(message, "start_time"),
        from_timestamp(message, "end_time"),
        EMAIL_PRESENCE.get(message.email, ""),
        tuple((m.key, m.value) for m in message.fields),
    )


def lead_message(view: LeadView) -> bot_pb2.LeadRecord:
    return pack(bot_pb2.LeadRecord, view, lead=pack(bot_pb2.Lead, view))


def version_message(v: VersionView, organization_id: str, workspace_id: str):
    config = config_message(v.content, organization_id, workspace_id)
    return pack(bot_pb2.ChatbotVersion, v, config=config)


async def transcript_reply(sessions, request, to_message) -> bot_pb2.ChatSession:
    """A session with one page of its messages (GetChatSession, GetChatflowSession)."""
    row, messages, token = await sessions.get(
        request.name,
        pagination.page_size(request.message_page_size, "message_page_size"),
        request.message_page_token,
    )
    reply = to_message(row)
    reply.messages.extend(chat_message(m) for m in messages)
    reply.next_message_page_token = token
    return reply


async def feedback_reply(sessions, request) -> bot_pb2.Feedback:
    feedback = await sessions.submit_feedback(
        request.name, RATINGS[request.rating], request.comment, request.visitor_id
    )
    return feedback_message(feedback)


async def analytics_reply(counted, owner_id: str, request) -> bot_pb2.ChatbotAnalytics:
    """A chatbot's or chatflow's analytics over the request's time range."""
    start, end = analytics.time_range(
        from_timestamp(request, "start_time"), from_timestamp(request, "end_time")
    )
    result = await counted.of(current().scope, owner_id, start, end)
    by_channel = [
        bot_pb2.ChatbotAnalytics.ChannelConversations(channel=name, conversations=count)
        for name, count in result.channel_conversations
    ]
    return pack(
        bot_pb2.ChatbotAnalytics, result, name=request.name, start_time=result.start,
        end_time=result.end, channel_conversations=by_channel,
    )  # fmt: skip


class BotApi(bot_pb2_grpc.BotServiceServicer):
    def __init__(self, platform) -> None:
        self.drafts, self.chatbots = platform.drafts, platform.chatbots
        self.chat, self.chat_sessions = platform.chat, platform.chat_sessions
        self.analytics = platform.chatbot_analytics
        self.channels, self.channel_inbound = platform.channels, platform.channel_inbound
        self.leads = platform.leads

    # ---- drafts ---------------------------------------------------------------------------

    async def CreateChatbotDraft(self, request, context):
        config = config_dict(request.chatbot_draft.config)
        draft = await self.drafts.create(current().scope, config, request.request_id)
        return draft_message(draft)

    GetChatbotDraft = standard.get("drafts", draft_message, resources.CHATBOT_DRAFT)

    UpdateChatbotDraft = standard.update(
        "chatbot_draft", "drafts", draft_message, resources.CHATBOT_DRAFT, _config
    )

    FinalizeChatbotDraft = standard.custom(
        "chatbots", "finalize", chatbot_message, resources.CHATBOT_DRAFT, "etag", "request_id"
    )

    async def TestChatbotDraft(self, request, context):
        draft_id = resources.CHATBOT_DRAFT.id_of(request.name)
        async for event in self.chat.test_draft(
            current().scope, draft_id, request.session, request.message
        ):
            yield event_message(event)

    # ---- chatbots -------------------------------------------------------------------------

    GetChatbot = standard.get("chatbots", chatbot_message, resources.CHATBOT)

    ListChatbots = standard.list_(bot_pb2.ListChatbotsResponse, "chatbots", chatbot_message)

    UpdateChatbot = standard.update(
        "chatbot", "chatbots", chatbot_message, resources.CHATBOT, _config
    )

    async def DeleteChatbot(self, request, context):
        (bot_id,) = standard.ids_below_scope(resources.CHATBOT, request.name)
        await self.chatbots.delete(current().scope, bot_id, request.etag, request.keep_leads)
        return empty_pb2.Empty()

    PublishChatbot = standard.custom(
        "chatbots", "publish", chatbot_message, resources.CHATBOT, "etag"
    )

    ListChatbotVersions = standard.list_(
        bot_pb2.ListChatbotVersionsResponse,
        "chatbots",
        lambda v: version_message(v, *resources.CHATBOT_VERSION.parse(v.name)[:2]),
        resources.CHATBOT,
        lister="versions",
    )

    RollbackChatbot = standard.custom(
        "chatbots", "rollback", chatbot_message, resources.CHATBOT, "version", "etag"
    )

    RotatePublishableKey = standard.custom(
        "chatbots",
        "rotate_publishable_key",
        standard.rotated(bot_pb2.RotatePublishableKeyResponse, chatbot_message),
        resources.CHATBOT,
    )

    # ---- chat -----------------------------------------------------------------------------

    async def Chat(self, request, context):
        call = current()
        bot_id = resources.CHATBOT.id_of(request.name)
        async for event in self.chat.chat(
            call.scope,
            bot_id,
            request.session,
            request.message,
            request.visitor_id,
            lead_dict(request),
            call.metadata.get("origin", ""),
        ):
            yield event_message(event)

    async def GetChatbotWidget(self, request, context):
        call = current()
        org_id, ws_id, bot_id = resources.CHATBOT_WIDGET.parse(request.name)
        config = await self.chat.widget(call.scope, bot_id, call.metadata.get("origin", ""))
        return bot_pb2.ChatbotWidget(
            name=request.name,
            display_name=config["display_name"],
            greeting=config["greeting"],
            appearance=config["appearance"],
            lead_capture=config_message(config, org_id, ws_id).lead_capture,
        )

    async def ListLeads(self, request, context):
        views, next_token, total = await self.leads.list(
            current().scope,
            lead_filter(request.filter),
            pagination.page_size(request.page_size),
            request.page_token,
        )
        return bot_pb2.ListLeadsResponse(
            leads=[lead_message(v) for v in views], next_page_token=next_token, total_size=total
        )

    async def GetLeadStats(self, request, context):
        stats = await self.leads.stats(current().scope, lead_filter(request.filter))
        return bot_pb2.LeadStats(
            total=stats.total,
            with_consent=stats.with_consent,
            by_chatbot=[
                bot_pb2.LeadStats.ChatbotCount(chatbot=b, leads=n) for b, n in stats.by_chatbot
            ],
            by_day=[bot_pb2.LeadStats.DayCount(day=d, leads=n) for d, n in stats.by_day],
        )

    GetLead = standard.get("leads", lead_message, resources.LEAD)

    async def UpdateLead(self, request, context):
        bot_id, session_id = standard.ids_below_scope(resources.LEAD, request.name)
        view = await self.leads.update(
            current().scope,
            bot_id,
            session_id,
            lead_values(request.lead),
            list(request.update_mask.paths),
        )
        return lead_message(view)

    DeleteLead = standard.delete("leads", resources.LEAD)

    async def ExportLeads(self, request, context):
        as_json = request.format == bot_pb2.ExportLeadsRequest.FORMAT_JSON
        chunks = self.leads.export(current().scope, lead_filter(request.filter), as_json)
        async for chunk in chunks:
            yield bot_pb2.ExportLeadsResponse(data=chunk)

    ListChatSessions = standard.list_(
        bot_pb2.ListChatSessionsResponse, "chat_sessions", session_message, resources.CHATBOT
    )

    async def GetChatSession(self, request, context):
        return await transcript_reply(self.chat_sessions, request, session_message)

    async def SubmitFeedback(self, request, context):
        return await feedback_reply(self.chat_sessions, request)

    async def GetChatbotAnalytics(self, request, context):
        bot_id = resources.CHATBOT_ANALYTICS.parse(request.name)[2]
        return await analytics_reply(self.analytics, bot_id, request)

    # ---- channels -------------------------------------------------------------------------

    async def CreateChannel(self, request, context):
        channel = request.channel
        view = await self.channels.create(
            current().scope,
            channel.target,
            PLATFORMS.name(channel.platform, "channel.platform"),
            channel.display_name,
            _channel(channel)["credentials"],
            request.request_id,
        )
        return channel_message(view)

    GetChannel = standard.get("channels", channel_message, resources.CHANNEL)

    ListChannels = standard.list_(bot_pb2.ListChannelsResponse, "channels", channel_message)

    UpdateChannel = standard.update(
        "channel", "channels", channel_message, resources.CHANNEL, _channel
    )

    DeleteChannel = standard.delete("channels", resources.CHANNEL)

    async def ReceiveChannelWebhook(self, request, context):
        headers = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
        hub = {f: getattr(request.hub, f) for f in ("mode", "verify_token", "challenge")}
        answer = await self.channel_inbound.receive(
            request.platform, request.channel, headers, request.body.data, hub
        )
        return httpbody_pb2.HttpBody(content_type=answer.content_type, data=answer.body)
