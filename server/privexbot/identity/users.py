"""Users and the identities they sign in with (an email with a password, or wallets), as
identity's views; a new user gets an organization of their own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from privexbot.kernel import resources
from privexbot.kernel.views import Named, from_row
from privexbot.store.models import Identity, User

# (database session, the new user's id, a display name) -> their first organization,
# made by tenancy (wired by the platform, so identity does not import tenancy).
NewOrganization = Callable[[object, str, str], Awaitable[object]]


def own_event(user_id: str, organization_id: str) -> dict[str, str]:
    """An audit event's actor and resource when a user acts on their own account, in the
    organization their session is in (so ListAuditEvents there shows it; "" for none)."""
    name = resources.USER.name(user_id)
    return {"actor": name, "resource": name, "organization_id": organization_id}


@dataclass(frozen=True)
class UserView(Named, pattern=resources.USER):
    id: str
    email: str
    display_name: str
    created_at: datetime
    email_verified: bool


@dataclass(frozen=True)
class IdentityView(Named, pattern=resources.IDENTITY):
    user_id: str
    id: str
    kind: str  # email | wallet
    chain: str  # a wallet's chain; "" for email
    subject: str  # the email or the wallet address
    created_at: datetime
    last_used_at: datetime | None


def user_view(user: User) -> UserView:
    return from_row(
        UserView, user, email=user.email or "", email_verified=user.email_verified_at is not None
    )


def identity_view(row: Identity) -> IdentityView:
    return from_row(IdentityView, row)


async def new_user(
    session,
    new_organization: NewOrganization,
    display_name: str,
    email: str | None = None,
    password_hash: str | None = None,
) -> User:
    """A user, with an organization of their own."""
    user = User(email=email, display_name=display_name, password_hash=password_hash)
    session.add(user)
    await session.flush()
    label = (display_name or email or "My") + "'s organization"
    await new_organization(session, user.id, label[:100])
    return user
