"""Usage against the plan (workspaces, chatbots, knowledge bases, chat messages this month),
and the tokens each completion used, recorded per organization and workspace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from privexbot.kernel.errors import InvalidArgument, ResourceExhausted
from privexbot.kernel.resources import Scope
from privexbot.store.chat_models import ChatMessage
from privexbot.store.flow_models import Chatflow, ChatflowMessage
from privexbot.store.models import Chatbot, KnowledgeBase, TokenUsage, Workspace
from privexbot.tenancy import plans
from privexbot.tenancy.organizations import get_row as get_organization


@dataclass(frozen=True)
class TokenRow:
    workspace_id: str
    source: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    completions: int


@dataclass(frozen=True)
class UsageView:
    plan: str
    trial_ends_at: datetime | None
    limits: plans.Limits
    workspaces: int
    chatbots: int
    messages_this_month: int
    chatflows: int
    knowledge_bases: int
    tokens_this_month: int


def _month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def messages_this_month(session, organization_id: str, now: datetime) -> int:
    """Chat messages visitors and members sent this calendar month (UTC), to chatbots and
    chatflows alike: the plan quota."""
    total = 0
    for model in (ChatMessage, ChatflowMessage):
        total += await session.scalar(
            select(func.count()).where(
                model.organization_id == organization_id,
                model.role == "user",
                model.created_at >= _month_start(now),
            )
        )
    return total


async def tokens_this_month(session, organization_id: str, now: datetime) -> int:
    """Model tokens (prompt + completion) the organization's completions used this calendar
    month (UTC): the plan's token quota."""
    used = await session.scalar(
        select(func.sum(TokenUsage.prompt_tokens + TokenUsage.completion_tokens)).where(
            TokenUsage.organization_id == organization_id,
            TokenUsage.created_at >= _month_start(now),
        )
    )
    return int(used or 0)


async def ensure_message_quota(session, organization_id: str) -> None:
    """RESOURCE_EXHAUSTED (retry at next month's start) when this month's messages, or its
    model tokens, are used up."""
    org = await get_organization(session, Scope(organization_id))
    now = datetime.now(UTC)
    limits = plans.limits_of(org)
    next_month = (_month_start(now) + timedelta(days=32)).replace(day=1)
    for name, limit, used, what, reason in (
        ("messages_per_month", limits.messages_per_month, messages_this_month, "chat messages",
         "MESSAGE_QUOTA_EXHAUSTED"),
        ("tokens_per_month", limits.tokens_per_month, tokens_this_month, "model tokens",
         "TOKEN_QUOTA_EXHAUSTED"),
    ):  # fmt: skip
        if limit != plans.UNLIMITED and await used(session, organization_id, now) >= limit:
            raise ResourceExhausted(
                reason,
                f"the {org.plan} plan allows {limit} {what} a month; upgrade or wait",
                {"limit": name, "max": str(limit), "plan": org.plan},
                retry_after_seconds=(next_month - now).total_seconds(),
            )


class Usage:
    def __init__(self, sessions) -> None:
        self._sessions = sessions

    async def of(self, scope: Scope) -> UsageView:
        async with self._sessions() as session:
            org = await get_organization(session, scope)
            return UsageView(
                org.plan,
                org.trial_ends_at,
                plans.limits_of(org),
                await plans.count_owned(session, Workspace, org.id),
                await plans.count_owned(session, Chatbot, org.id),
                await messages_this_month(session, org.id, datetime.now(UTC)),
                await plans.count_owned(session, Chatflow, org.id),
                await plans.count_owned(session, KnowledgeBase, org.id),
                await tokens_this_month(session, org.id, datetime.now(UTC)),
            )

    async def record_tokens(
        self, scope: Scope, model: str, prompt_tokens: int, completion_tokens: int, source: str
    ) -> None:
        """The tokens one completion used, counted against the organization, the workspace
        and ``source`` (the resource that asked for it)."""
        async with self._sessions() as session, session.begin():
            session.add(
                TokenUsage(
                    **scope.columns,
                    model=model,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    source=source,
                )
            )

    async def tokens(
        self, scope: Scope, start: datetime | None, end: datetime | None
    ) -> tuple[datetime, datetime, list[TokenRow]]:
        """Tokens used in [start, end) (default: this month so far) by workspace, source and
        model, largest first."""
        now = datetime.now(UTC)
        start, end = start or _month_start(now), end or now
        if start >= end:
            raise InvalidArgument.field("end_time", "must be after start_time")
        t = TokenUsage
        prompt, completion = func.sum(t.prompt_tokens), func.sum(t.completion_tokens)
        query = (
            select(t.workspace_id, t.source, t.model, prompt, completion, func.count())
            .where(
                t.organization_id == scope.organization_id,
                t.created_at >= start,
                t.created_at < end,
            )
            .group_by(t.workspace_id, t.source, t.model)
            .order_by((prompt + completion).desc(), t.workspace_id, t.source, t.model)
        )
        async with self._sessions() as session:
            await get_organization(session, scope)
            rows = (await session.execute(query)).all()
        return (
            start,
            end,
            [TokenRow(*(int(v) if i >= 3 else v for i, v in enumerate(r))) for r in rows],
        )
