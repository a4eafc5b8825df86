"""Proving, before a sensitive change, that the caller still is the account's owner: the
current password (wrong ones counted like failed log-ins), or a sign-in made moments ago."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from privexbot.identity import passwords
from privexbot.kernel.errors import FailedPrecondition, Unauthenticated
from privexbot.kernel.principal import Principal
from privexbot.kernel.ratelimit import Limit, RateLimiter
from privexbot.store.models import Session, User

# ≤ 100 failed logins per hour per account (log-ins and re-authentication alike).
FAILED_LOGINS_PER_ACCOUNT = Limit("failed-login-account", 100, 3600)
FRESH_SIGN_IN = timedelta(minutes=5)


async def check_password(limits: RateLimiter, user: User, password: str) -> None:
    """UNAUTHENTICATED unless ``password`` is the user's (failed tries are limited)."""
    await limits.ensure_below(FAILED_LOGINS_PER_ACCOUNT, user.email or user.id)
    ok, _ = await passwords.verify_password(user.password_hash, password)
    if not ok:
        await limits.hit(FAILED_LOGINS_PER_ACCOUNT, user.email or user.id)
        raise Unauthenticated("INVALID_CREDENTIALS", "the password is wrong")


async def reauthenticate(
    limits: RateLimiter, session, user: User, principal: Principal, password: str, action: str
) -> None:
    """The password, or else a sign-in (password or wallet) within FRESH_SIGN_IN: what
    ``action`` (deleting the account, changing its email) needs of the caller."""
    if password:
        await check_password(limits, user, password)
        return
    family = await session.get(Session, principal.session_id)
    if family is None or family.created_at < datetime.now(UTC) - FRESH_SIGN_IN:
        raise FailedPrecondition(
            "REAUTHENTICATION_REQUIRED",
            "give the password, or sign in again (password or wallet signature) and"
            f" {action} within 5 minutes",
        )
