"""Plans and their limits. A downgrade never deletes data: creation is refused until the
organization is back under the limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from privexbot.kernel.errors import FailedPrecondition
from privexbot.store.models import Organization

UNLIMITED = -1


@dataclass(frozen=True)
class Limits:
    workspaces: int
    chatbots: int
    messages_per_month: int
    chatflows: int
    knowledge_bases: int
    # Model tokens (prompt + completion) a calendar month (UTC).
    tokens_per_month: int


PLANS: dict[str, Limits] = {
    "free": Limits(1, 2, 100, 2, 2, 200_000),
    "starter": Limits(3, 10, 2_000, 10, 10, 4_000_000),
    "pro": Limits(10, 50, 10_000, 50, 50, 20_000_000),
    "enterprise": Limits(UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED),
}
# New organizations start on Free with a trial of Starter's limits.
TRIAL_PLAN = "starter"


def effective_limits(plan: str, trial_ends_at: datetime | None, now: datetime) -> Limits:
    if plan == "free" and trial_ends_at is not None and now < trial_ends_at:
        return PLANS[TRIAL_PLAN]
    return PLANS[plan]


def limits_of(org: Organization) -> Limits:
    """What the organization's plan (or its trial) allows now."""
    return effective_limits(org.plan, org.trial_ends_at, datetime.now(UTC))


async def count_owned(session, model, organization_id: str) -> int:
    """How many rows of ``model`` the organization owns."""
    return await session.scalar(
        select(func.count()).where(model.organization_id == organization_id)
    )


def ensure_below(resource: str, used: int, limit: int, plan: str) -> None:
    if limit != UNLIMITED and used >= limit:
        raise FailedPrecondition(
            "PLAN_LIMIT_REACHED",
            f"the {plan} plan allows {limit} {resource.replace('_', ' ')}; upgrade or delete some",
            {"limit": resource, "max": str(limit), "plan": plan},
        )


async def ensure_room(session, organization_id: str, resource: str, model) -> None:
    """Refuse one more ``resource`` (a ``Limits`` field, counted as rows of ``model``) when
    the organization's plan is already at its limit."""
    org = await session.get(Organization, organization_id)
    used = await count_owned(session, model, organization_id)
    ensure_below(resource, used, getattr(limits_of(org), resource), org.plan)
