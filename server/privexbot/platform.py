"""The platform's parts, built once per process and handed to every servicer: this is where
the domains are wired to each other (what one needs of another is passed in here, so no
domain imports another's internals)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from privexbot.bots.analytics import ConversationAnalytics
from privexbot.bots.chat import Chat
from privexbot.bots.chatbots import Chatbots
from privexbot.bots.config import References
from privexbot.bots.drafts import Drafts
from privexbot.bots.exchange import Exchange
from privexbot.bots.leads import Leads
from privexbot.bots.sessions import ChatSessions
from privexbot.bots.widget import WidgetPolicy
from privexbot.channels.connections import Channels
from privexbot.channels.conversations import Conversations
from privexbot.channels.envelope import Envelope
from privexbot.channels.inbound import Inbound
from privexbot.channels.outbound import Outbound
from privexbot.channels.platforms import Telegram
from privexbot.channels.turns import Turns
from privexbot.config import Settings, attestation_policy
from privexbot.flows.chatflows import Chatflows
from privexbot.flows.drafts import FlowDrafts
from privexbot.flows.engine import Services as FlowServices
from privexbot.flows.execute import Executor, Limits
from privexbot.flows.runs import Runs
from privexbot.flows.sandbox import Sandbox
from privexbot.flows.secrets import Secrets
from privexbot.flows.sessions import FlowSessions
from privexbot.flows.ssrf import Fetcher
from privexbot.identity.accounts import Accounts
from privexbot.identity.api_keys import ApiKeys
from privexbot.identity.current_user import CurrentUsers
from privexbot.identity.email import EmailSignIn
from privexbot.identity.email_links import EmailLinks
from privexbot.identity.publishable_keys import PublishableKeys
from privexbot.identity.sessions import SignInSessions
from privexbot.identity.sign_in_process import SignInProcesses
from privexbot.identity.tokens import AccessTokens, Authenticator
from privexbot.identity.wallet_sign_in import WalletSignIn
from privexbot.inference.attestor import Attestor
from privexbot.inference.gateway import InferenceGateway
from privexbot.kernel.errors import Unavailable
from privexbot.kernel.mail import Mailer
from privexbot.knowledge.crawl import Crawler
from privexbot.knowledge.documents import Documents
from privexbot.knowledge.ingestion import Ingestion
from privexbot.knowledge.knowledge_bases import KnowledgeBases
from privexbot.knowledge.reindex import FullTextReindex
from privexbot.knowledge.retrieval import Retriever
from privexbot.knowledge.uploads import Uploads
from privexbot.knowledge.vectors import VectorStore
from privexbot.knowledge.website_sources import WebsiteSources
from privexbot.knowledge.website_sync import WebsiteSync
from privexbot.store import db, ephemeral, idempotency
from privexbot.store.stamps import Stamps
from privexbot.tenancy.access import AccessResolver
from privexbot.tenancy.audit_log import AuditLog
from privexbot.tenancy.billing import Billing
from privexbot.tenancy.custom_roles import CustomRoles
from privexbot.tenancy.departures import Departures
from privexbot.tenancy.invitations import Invitations
from privexbot.tenancy.members import Members
from privexbot.tenancy.organizations import Organizations, create_organization
from privexbot.tenancy.usage import Usage
from privexbot.tenancy.workspaces import Workspaces

log = logging.getLogger("privexbot.platform")
TURNS_DRAIN_SECONDS = 5.0  # a stopping process lets replies being written finish


@dataclass
class Platform:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    store: ephemeral.EphemeralStore
    vectors: VectorStore
    inference: InferenceGateway
    ingestion: Ingestion
    # identity
    authenticator: Authenticator
    api_keys: ApiKeys
    sign_in: SignInProcesses
    sign_in_sessions: SignInSessions
    email_sign_in: EmailSignIn
    email_links: EmailLinks
    wallet_sign_in: WalletSignIn
    current_users: CurrentUsers
    accounts: Accounts
    # tenancy
    access: AccessResolver
    organizations: Organizations
    workspaces: Workspaces
    members: Members
    custom_roles: CustomRoles
    invitations: Invitations
    billing: Billing
    audit_log: AuditLog
    usage: Usage
    # knowledge
    knowledge_bases: KnowledgeBases
    documents: Documents
    retriever: Retriever
    uploads: Uploads
    website_sources: WebsiteSources
    website_sync: WebsiteSync
    # bots
    drafts: Drafts
    chatbots: Chatbots
    chat: Chat
    chat_sessions: ChatSessions
    chatbot_analytics: ConversationAnalytics
    leads: Leads
    # flows
    flow_drafts: FlowDrafts
    chatflows: Chatflows
    flow_runs: Runs
    flow_sessions: FlowSessions
    flow_analytics: ConversationAnalytics
    flow_secrets: Secrets
    channels: Channels
    channel_inbound: Inbound
    channel_turns: Turns
    flow_sandbox: Sandbox
    flow_executor: Executor
    _housekeeping: asyncio.Task | None = None
    _reindex: asyncio.Task | None = None

    @classmethod
    async def create(cls, settings: Settings) -> Platform:
        engine = db.create_engine(settings.database_url)
        sessions = db.sessionmaker(engine)
        store = ephemeral.connect(
            settings.redis_url, settings.redis_max_connections, settings.redis_pool_timeout_seconds
        )
        stamps = Stamps(store)
        tokens = AccessTokens(settings, store, sessions)
        sign_in = SignInProcesses(settings)
        families = SignInSessions(sessions, tokens, settings.refresh_token_ttl_seconds)
        usage = Usage(sessions)
        mailer = Mailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_security,
            settings.smtp_username,
            settings.smtp_password,
            settings.mail_from,
            settings.app_url,
        )
        email_links = EmailLinks(
            sessions,
            store,
            stamps,
            families,
            mailer,
            settings.email_verification_ttl_seconds,
            settings.password_reset_ttl_seconds,
        )
        ensure_verified = email_links.ensure_verified if settings.require_verified_email else None
        api_keys = ApiKeys(sessions, store, ensure_verified)
        inference = InferenceGateway(
            settings,
            Attestor(
                attestation_policy(settings),
                settings.inference_base_url,
                attestation_url=settings.attestation_url or None,
            ),
            usage.record_tokens,
        )
        vectors = VectorStore(settings.milvus_uri)
        try:
            await vectors.open()
        except Unavailable as exc:  # health keeps KnowledgeService NOT_SERVING and retries
            log.warning("vector store unavailable at startup: %s", exc)
        ingestion = Ingestion(
            sessions,
            vectors,
            inference.embed,
            retry_for=timedelta(hours=settings.ingestion_retry_hours),
            lease=timedelta(seconds=settings.ingestion_lease_seconds),
        )
        documents = Documents(sessions, ingestion)
        crawler = Crawler(Fetcher(settings.crawl_http_allow).fetch)
        website_sync = WebsiteSync(sessions, crawler, ingestion, settings.crawl_delay_seconds)
        departures = Departures(store, ingestion.notify)
        retriever = Retriever(sessions, vectors, inference.embed)
        references = References(sessions, inference.list_models)
        drafts = Drafts(store, settings.chatbot_draft_ttl_seconds, references)
        chatbots = Chatbots(sessions, drafts, references)
        chat_sessions = ChatSessions(sessions)
        widget_policy = WidgetPolicy(
            store, settings.publishable_key_chats_per_minute, settings.visitor_chats_per_minute
        )
        flow_drafts = FlowDrafts(store, settings.chatflow_draft_ttl_seconds)
        chatflows = Chatflows(sessions, flow_drafts)
        flow_runs, flow_sessions = Runs(sessions), FlowSessions(sessions)
        flow_secrets = Secrets(sessions, settings.chatflow_secrets_key)
        flow_sandbox = Sandbox()
        channels = Channels(
            sessions,
            Envelope(settings.channel_secrets_key),
            Telegram(settings.telegram_api_base_url),
            settings.channel_webhook_base_url,
        )
        chat = Chat(
            sessions,
            store,
            Exchange(retriever, inference),
            chat_sessions,
            widget_policy,
            drafts,
            chatbots,
            inference.embed,
        )
        outbound = Outbound(
            {
                "telegram": settings.telegram_api_base_url,
                "slack": settings.slack_api_base_url,
                "discord": settings.discord_api_base_url,
                "whatsapp": settings.whatsapp_api_base_url,
            }
        )
        flow_executor = Executor(
            sessions,
            chatflows,
            flow_drafts,
            flow_runs,
            flow_sessions,
            widget_policy,
            FlowServices(
                inference=inference,
                retriever=retriever,
                secrets=flow_secrets.value,
                sandbox=flow_sandbox,
                http=Fetcher(settings.chatflow_http_allow),
            ),
            Limits(settings.chatflow_run_deadline_seconds, settings.chatflow_max_steps),
        )
        channel_turns = Turns(
            sessions,
            channels,
            Conversations(chat, chat_sessions, flow_executor, flow_sessions, outbound),
            timedelta(seconds=settings.channel_turn_lease_seconds),
        )
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            store=store,
            vectors=vectors,
            inference=inference,
            ingestion=ingestion,
            authenticator=Authenticator(tokens, api_keys, PublishableKeys(sessions)),
            api_keys=api_keys,
            sign_in=sign_in,
            sign_in_sessions=families,
            email_sign_in=EmailSignIn(
                sessions, store, families, sign_in, create_organization, email_links
            ),
            email_links=email_links,
            wallet_sign_in=WalletSignIn(
                settings, sessions, store, stamps, families, create_organization
            ),
            current_users=CurrentUsers(sessions, stamps),
            accounts=Accounts(
                sessions, store, stamps, families, departures.leave_all, departures.forget
            ),
            access=AccessResolver(sessions, stamps),
            organizations=Organizations(sessions, store, stamps, ingestion.notify),
            workspaces=Workspaces(sessions, store, stamps, ingestion.notify),
            members=Members(sessions, stamps),
            custom_roles=CustomRoles(sessions, stamps),
            invitations=Invitations(sessions, stamps, mailer, ensure_verified),
            billing=Billing(sessions, settings.billing_webhook_url, not settings.production),
            audit_log=AuditLog(sessions),
            usage=usage,
            knowledge_bases=KnowledgeBases(
                sessions, settings.embedding_model, vectors.dimension, ingestion
            ),
            documents=documents,
            retriever=retriever,
            uploads=Uploads(sessions, documents, settings.upload_lifetime_seconds),
            website_sources=WebsiteSources(
                sessions, crawler, website_sync, ingestion, settings.crawl_delay_seconds
            ),
            website_sync=website_sync,
            drafts=drafts,
            chatbots=chatbots,
            chat=chat,
            chat_sessions=chat_sessions,
            chatbot_analytics=ConversationAnalytics(sessions, ChatSessions),
            leads=Leads(sessions),
            flow_drafts=flow_drafts,
            chatflows=chatflows,
            flow_runs=flow_runs,
            flow_sessions=flow_sessions,
            flow_analytics=ConversationAnalytics(sessions, FlowSessions),
            flow_secrets=flow_secrets,
            channels=channels,
            channel_inbound=Inbound(sessions, channels, channel_turns),
            channel_turns=channel_turns,
            flow_sandbox=flow_sandbox,
            flow_executor=flow_executor,
        )

    def servicers(self) -> list[tuple[str, type]]:
        """(generated module, servicer class) for each of the six services."""
        from privexbot.api.auth import AuthApi
        from privexbot.api.bot import BotApi
        from privexbot.api.flow import FlowApi
        from privexbot.api.inference import InferenceApi
        from privexbot.api.knowledge import KnowledgeApi
        from privexbot.api.tenant import TenantApi

        return [
            ("auth", AuthApi),
            ("tenant", TenantApi),
            ("bot", BotApi),
            ("flow", FlowApi),
            ("knowledge", KnowledgeApi),
            ("inference", InferenceApi),
        ]

    async def check_dependencies(self) -> None:
        await db.ping(self.engine)
        await self.store.ping()

    def start(self) -> None:
        """Background work: ingestion, website syncs and channel turns (each resumes whatever
        a previous process left), the sweep of expired uploads and idempotency keys, and the full-text
        re-index of chunks stored before it (resumes too)."""
        self.ingestion.start()
        self.website_sync.start()
        self.channel_turns.start()
        self._housekeeping = asyncio.create_task(self._sweep_forever())
        if self.vectors.legacy:
            self._reindex = asyncio.create_task(self._reindex_full_text())

    async def _reindex_full_text(self) -> None:
        try:
            await FullTextReindex(self.sessions, self.vectors).run()
        except Exception as exc:  # Milvus or SQL down: the next start resumes where it stopped
            log.warning("full-text re-index stopped: %s", type(exc).__name__)

    async def sweep(self) -> None:
        """Discard what has expired: unfinished uploads, idempotency keys, channel turns
        that ended a day ago."""
        now = datetime.now(UTC)
        await self.uploads.expire(now)
        await self.channel_turns.forget_ended(now)
        async with self.sessions() as session, session.begin():
            await idempotency.forget_expired(session, now)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.housekeeping_interval_seconds)
            try:
                await self.sweep()
            except Exception as exc:  # a dependency is down: the next round tries again
                log.warning("housekeeping failed: %s", type(exc).__name__)

    async def close(self) -> None:
        await self.channel_turns.stop(within=TURNS_DRAIN_SECONDS)
        for task in (self._housekeeping, self._reindex):
            if task is not None:
                task.cancel()
        await self.website_sync.stop()
        await self.ingestion.stop()
        await self.flow_sandbox.close()
        await asyncio.to_thread(self.sign_in.close)
        await self.vectors.close()
        await self.inference.close()
        await self.store.close()
        await self.engine.dispose()
