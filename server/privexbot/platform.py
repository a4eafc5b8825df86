"""The platform's shared parts, built once per process and handed to every servicer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from privexbot.config import Settings, attestation_policy
from privexbot.identity.accounts import Accounts
from privexbot.identity.api_keys import ApiKeys
from privexbot.identity.tokens import AccessTokens, Authenticator
from privexbot.inference.attestation import Attestor
from privexbot.inference.gateway import InferenceGateway
from privexbot.store import db, ephemeral
from privexbot.tenancy.access import AccessResolver
from privexbot.tenancy.service import Tenancy


@dataclass
class Platform:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    store: ephemeral.EphemeralStore
    tokens: AccessTokens
    api_keys: ApiKeys
    accounts: Accounts
    tenancy: Tenancy
    inference: InferenceGateway
    authenticator: Authenticator
    access: AccessResolver

    @classmethod
    async def create(cls, settings: Settings) -> Platform:
        engine = db.create_engine(settings.database_url)
        sessions = db.sessionmaker(engine)
        store = ephemeral.connect(settings.redis_url)
        tokens = AccessTokens(settings, store)
        api_keys = ApiKeys(sessions, store)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            store=store,
            tokens=tokens,
            api_keys=api_keys,
            accounts=Accounts(settings, sessions, store, tokens),
            tenancy=Tenancy(sessions, store),
            inference=InferenceGateway(
                settings,
                Attestor(
                    attestation_policy(settings),
                    settings.inference_base_url,
                    attestation_url=settings.attestation_url or None,
                ),
                sessions,
            ),
            authenticator=Authenticator(tokens, api_keys),
            access=AccessResolver(sessions),
        )

    def servicers(self) -> list[tuple[str, type]]:
        """(generated module, servicer class) for each of the six services."""
        from privexbot.api.auth import AuthApi
        from privexbot.api.inference import InferenceApi
        from privexbot.api.tenant import TenantApi
        from privexbot.api.unimplemented import BotApi, FlowApi, KnowledgeApi

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

    async def close(self) -> None:
        await self.inference.close()
        await self.store.close()
        await self.engine.dispose()
