"""Email and password: sign-up, log-in (rate limited; the password check and the session's
writes run in a sign-in process, sign_in_process.py) and password changes, which end every
session. A wrong email and a wrong password answer alike, at the same cost."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from privexbot.identity import passwords
from privexbot.identity.email_links import EmailLinks
from privexbot.identity.reauthentication import FAILED_LOGINS_PER_ACCOUNT, check_password
from privexbot.identity.sessions import Grant, SignInSessions
from privexbot.identity.users import NewOrganization, new_user, own_event
from privexbot.kernel import emails
from privexbot.kernel.calls import current
from privexbot.kernel.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    Unauthenticated,
)
from privexbot.kernel.principal import Principal
from privexbot.kernel.ratelimit import Limit, RateLimiter
from privexbot.store import audit
from privexbot.store.models import Identity, User

# Generous per-address ceilings for shared NATs (per account: reauthentication's).
FAILED_LOGINS_PER_IP = Limit("failed-login-ip", 300, 3600)
LOGINS_PER_IP = Limit("login-ip", 60, 60)

_USER_BY_EMAIL = select(User).where(User.email == bindparam("email"))
_identities = Identity.__table__
_TOUCH_EMAIL_IDENTITY = (
    update(_identities)
    .where(
        _identities.c.kind == "email",
        _identities.c.chain == "",
        _identities.c.subject == bindparam("b_subject"),
    )
    .values(last_used_at=bindparam("b_now"))
)


def _login_failed() -> Unauthenticated:
    # One answer for "no such account" and "wrong password": existence never leaks.
    return Unauthenticated("INVALID_CREDENTIALS", "email or password is wrong")


class EmailSignIn:
    def __init__(
        self,
        sessions,
        store,
        families: SignInSessions,
        sign_in,
        new_organization: NewOrganization,
        links: EmailLinks | None = None,
    ) -> None:
        """``sign_in``: where passwords are checked for log-ins (sign_in_process.py); None
        only inside such a process, which never logs in or signs up itself (nor ``links``,
        which mails a new account its verification link)."""
        self._sessions, self._families, self._sign_in = sessions, families, sign_in
        self._new_organization, self._links = new_organization, links
        self._limits = RateLimiter(store)

    async def sign_up(self, email: str, password: str, display_name: str) -> Grant:
        email = emails.normalize(email)
        passwords.check_policy(password)
        await self._limits.hit(LOGINS_PER_IP, current().client_ip)
        password_hash = await passwords.hash_password(password)
        try:
            async with self._sessions() as session, session.begin():
                user = await new_user(
                    session,
                    self._new_organization,
                    display_name.strip() or email.split("@")[0],
                    email,
                    password_hash,
                )
                session.add(Identity(user_id=user.id, kind="email", subject=email))
                token = self._links.issue_verification(session, user.id, email)
                await session.flush()
                grant = await self._families.start(session, user, new_user=True)
                audit.record(
                    session,
                    "auth.signup",
                    **own_event(user.id, grant.organization_id),
                )
        except IntegrityError:
            raise AlreadyExists(
                "EMAIL_TAKEN", "an account with this email exists; sign in"
            ) from None
        self._links.mail_verification(email, token)
        return grant

    async def log_in(self, email: str, password: str) -> Grant:
        email = emails.normalize(email)
        ip = current().client_ip
        await self._limits.hit(LOGINS_PER_IP, ip)
        await self._limits.ensure_below_all(
            (FAILED_LOGINS_PER_ACCOUNT, email), (FAILED_LOGINS_PER_IP, ip)
        )
        grant = await self._sign_in.check_password_and_start_session(email, password)
        if grant is not None:
            return grant
        await self._limits.hit(FAILED_LOGINS_PER_ACCOUNT, email)
        await self._limits.hit(FAILED_LOGINS_PER_IP, ip)
        await audit.record_apart(self._sessions, "auth.login.failed", details={"method": "email"})
        raise _login_failed()

    async def check_password_and_start_session(self, email: str, password: str) -> Grant | None:
        """A log-in's transaction, None when the email or the password is wrong (both cost
        one hash). Runs in a sign-in process, which has no ephemeral store."""
        async with self._sessions() as session, session.begin():
            user = (await session.execute(_USER_BY_EMAIL, {"email": email})).scalar()
            ok, rehash = await passwords.verify_password(
                user.password_hash if user else None, password
            )
            if not ok:
                return None
            if rehash:  # parameters changed since this hash was made: upgrade it now
                user.password_hash = await passwords.hash_password(password)
            await session.execute(
                _TOUCH_EMAIL_IDENTITY, {"b_subject": email, "b_now": datetime.now(UTC)}
            )
            grant = await self._families.start(session, user)
            await audit.append(
                session,
                "auth.login",
                **own_event(user.id, grant.organization_id),
            )
        return grant

    async def change_password(
        self, principal: Principal, current_password: str, new_password: str
    ) -> Grant:
        passwords.check_policy(new_password, "new_password")
        if new_password == current_password:
            raise InvalidArgument.field("new_password", "must differ from the current password")
        async with self._sessions() as session, session.begin():
            user = await session.get(User, principal.id)
            if user is None or user.password_hash is None:
                raise FailedPrecondition("NO_PASSWORD", "this account signs in with a wallet only")
            await check_password(self._limits, user, current_password)
            user.password_hash = await passwords.hash_password(new_password)
            # Every session ends, this one included; the caller gets a fresh one.
            await self._families.revoke_all(session, user.id, "password_changed")
            grant = await self._families.start(session, user)
            audit.record(
                session, "auth.password.change", **own_event(user.id, grant.organization_id)
            )
        return grant
