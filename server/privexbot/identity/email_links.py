"""Links mailed to a user's address: email verification, an email added to a wallet-only
account (with a password), a change of email (each takes effect when the link, mailed to
the new address, is followed), password reset.

Tokens are random, single use, expiring, and stored only as hashes. A reset request answers
the same whether or not the email has an account: the lookup, the token and the mail all
happen beside the call, so neither the answer nor its timing depends on it. A reset ends
every session of the user.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from privexbot.identity import passwords
from privexbot.identity.reauthentication import reauthenticate
from privexbot.identity.sessions import SignInSessions
from privexbot.identity.users import UserView, own_event, user_view
from privexbot.kernel import emails, resources, tasks
from privexbot.kernel.calls import current
from privexbot.kernel.errors import AlreadyExists, FailedPrecondition, InvalidArgument, not_found
from privexbot.kernel.ids import hash_secret, new_secret
from privexbot.kernel.mail import Mailer
from privexbot.kernel.principal import Principal
from privexbot.kernel.ratelimit import Limit, RateLimiter
from privexbot.store import audit
from privexbot.store.models import EmailToken, Identity, User

VERIFY, ADD, CHANGE, RESET = "verify", "add", "change", "reset"
VERIFICATIONS_PER_USER = Limit("email-verification-user", 5, 3600)
RESETS_PER_EMAIL = Limit("password-reset-email", 5, 3600)
RESETS_PER_IP = Limit("password-reset-ip", 30, 3600)


def _token_invalid(field: str = "token") -> InvalidArgument:
    # One answer for unknown, used, expired and superseded tokens.
    return InvalidArgument.field(field, "the link is invalid or expired", "EMAIL_TOKEN_INVALID")


class EmailLinks:
    def __init__(
        self,
        sessions,
        store,
        stamps,
        families: SignInSessions,
        mailer: Mailer,
        verification_ttl_seconds: int,
        reset_ttl_seconds: int,
    ) -> None:
        self._sessions, self._families, self._mailer = sessions, families, mailer
        self._stamps = stamps  # the user's stamp: their cached profile shows the change
        self._limits = RateLimiter(store)
        self._ttl = {
            VERIFY: timedelta(seconds=verification_ttl_seconds),
            ADD: timedelta(seconds=verification_ttl_seconds),
            CHANGE: timedelta(seconds=verification_ttl_seconds),
            RESET: timedelta(seconds=reset_ttl_seconds),
        }

    def _issue(
        self, session, user_id: str, email: str, purpose: str, password_hash: str | None = None
    ) -> str:
        """A new token in the caller's transaction; returns the secret (never stored)."""
        secret = new_secret()
        session.add(
            EmailToken(
                token_hash=hash_secret(secret),
                user_id=user_id,
                purpose=purpose,
                email=email,
                password_hash=password_hash,
                expires_at=datetime.now(UTC) + self._ttl[purpose],
            )
        )
        return secret

    def issue_verification(self, session, user_id: str, email: str) -> str:
        """A verification token for a new account (sign-up's transaction); mail it with
        ``mail_verification`` once that commits."""
        return self._issue(session, user_id, email, VERIFY)

    async def ensure_verified(self, user_id: str) -> None:
        """FAILED_PRECONDITION unless the user verified their email: what inviting others and
        creating API keys need when REQUIRE_VERIFIED_EMAIL is on."""
        async with self._sessions() as session:
            verified = await session.scalar(
                select(User.email_verified_at).where(User.id == user_id)
            )
        if verified is None:
            raise FailedPrecondition(
                "EMAIL_NOT_VERIFIED", "verify your email first (SendEmailVerification)"
            )

    def mail_verification(self, email: str, token: str) -> None:
        link = self._mailer.link("verify-email", token)
        hours = int(self._ttl[VERIFY].total_seconds() // 3600)
        body = (
            f"Confirm this address for your PrivexBot account:\n\n{link}\n\n"
            f"The link works once, for {hours} hours. If you did not sign up, ignore this mail."
        )
        tasks.beside(self._mailer.send(email, "Verify your email", body), "verification mail")

    async def send_verification(self, principal: Principal) -> None:
        """Mail the caller a new verification link (rate limited per user)."""
        async with self._sessions() as session, session.begin():
            user = await session.get(User, principal.id)
            if user is None or not user.email:
                raise FailedPrecondition("NO_EMAIL", "this account has no email address")
            if user.email_verified_at is not None:
                raise FailedPrecondition("EMAIL_ALREADY_VERIFIED", "the email is verified")
            await self._limits.hit(VERIFICATIONS_PER_USER, user.id)
            email, token = user.email, self._issue(session, user.id, user.email, VERIFY)
        self.mail_verification(email, token)

    async def add_email(
        self, principal: Principal, user_name: str, email: str, password: str
    ) -> None:
        """Mail a link that adds ``email`` and ``password`` to the caller's wallet-only
        account (rate limited per user, like verification links)."""
        if resources.USER.id_of(user_name) != principal.id:
            raise not_found(user_name)
        email = emails.normalize(email)
        passwords.check_policy(password)
        password_hash = await passwords.hash_password(password)
        async with self._sessions() as session, session.begin():
            user = await session.get(User, principal.id)
            if user.email:
                raise FailedPrecondition("EMAIL_PRESENT", "this account has an email already")
            await _ensure_free(session, email)
            await self._limits.hit(VERIFICATIONS_PER_USER, user.id)
            token = self._issue(session, user.id, email, ADD, password_hash)
            audit.record(
                session,
                "auth.email.add_requested",
                **own_event(user.id, principal.organization_id or ""),
            )
        self.mail_verification(email, token)

    async def change_email(
        self, principal: Principal, user_name: str, new_email: str, password: str
    ) -> None:
        """Mail the new address a link that makes it the account's (after re-authentication),
        and the current address a notice; rate limited like verification links."""
        if resources.USER.id_of(user_name) != principal.id:
            raise not_found(user_name)
        new_email = emails.normalize(new_email, "new_email")
        async with self._sessions() as session, session.begin():
            user = await session.get(User, principal.id)
            if not user.email:
                raise FailedPrecondition("NO_EMAIL", "this account has no email: use AddEmail")
            if new_email == user.email:
                raise InvalidArgument.field("new_email", "is already this account's email")
            await reauthenticate(self._limits, session, user, principal, password, "change it")
            await _ensure_free(session, new_email)
            await self._limits.hit(VERIFICATIONS_PER_USER, user.id)
            token = self._issue(session, user.id, new_email, CHANGE)
            audit.record(
                session,
                "auth.email.change_requested",
                **own_event(user.id, principal.organization_id or ""),
            )
            old_email = user.email
        self.mail_verification(new_email, token)
        body = (
            f"Someone asked to change your PrivexBot account's email from {old_email} to"
            f" {new_email}. Nothing changes until the link mailed there is followed. If it"
            " was not you, change your password now: that ends every session."
        )
        tasks.beside(self._mailer.send(old_email, "Your email is being changed", body), "notice")

    async def _redeem(self, session, token: str, *purposes: str) -> tuple[EmailToken, User]:
        """Use a token once: unknown, used, expired, or for an address the user no longer
        has (for "add": once the account has one; for "change": once it has none), all
        answer alike."""
        now = datetime.now(UTC)
        token_hash = hash_secret(token)
        used = await session.execute(
            update(EmailToken)
            .where(
                EmailToken.token_hash == token_hash,
                EmailToken.purpose.in_(purposes),
                EmailToken.used_at.is_(None),
                EmailToken.expires_at > now,
            )
            .values(used_at=now)
        )
        if used.rowcount != 1:
            raise _token_invalid()
        row = await session.get(EmailToken, token_hash)
        user = await session.get(User, row.user_id)
        if user is None or not _still_applies(row, user):
            raise _token_invalid()
        return row, user

    async def verify(self, token: str) -> UserView:
        """A verification link, one adding an email to a wallet-only account, or one
        changing the account's email (other pending changes then stop working)."""
        async with self._stamps.transaction(self._sessions) as (session, changed):
            row, user = await self._redeem(session, token, VERIFY, ADD, CHANGE)
            changed.users.add(user.id)
            if row.purpose == ADD:
                await _ensure_free(session, row.email)  # taken since the link was mailed?
                user.email, user.password_hash = row.email, row.password_hash
                session.add(Identity(user_id=user.id, kind="email", subject=row.email))
            elif row.purpose == CHANGE:
                await _ensure_free(session, row.email)
                await session.execute(
                    update(Identity)
                    .where(Identity.user_id == user.id, Identity.kind == "email")
                    .values(subject=row.email)
                )
                await _void_others(session, row)
                user.email, user.email_verified_at = row.email, row.used_at
            user.email_verified_at = user.email_verified_at or row.used_at
            audit.record(
                session,
                _VERIFIED_EVENTS[row.purpose],
                **own_event(user.id, await self._families.home_organization(session, user.id)),
            )
        return user_view(user)

    async def request_reset(self, email: str) -> None:
        """Rate limits, then everything else beside the call (see the module's docstring)."""
        email = emails.normalize(email)
        await self._limits.hit(RESETS_PER_IP, current().client_ip)
        await self._limits.hit(RESETS_PER_EMAIL, email)
        tasks.beside(self._mail_reset(email), "password reset mail")

    async def _mail_reset(self, email: str) -> None:
        async with self._sessions() as session, session.begin():
            user = (await session.execute(select(User).where(User.email == email))).scalar()
            if user is None:
                return
            token = self._issue(session, user.id, email, RESET)
            audit.record(
                session,
                "auth.password.reset_requested",
                **own_event(user.id, await self._families.home_organization(session, user.id)),
            )
        minutes = int(self._ttl[RESET].total_seconds() // 60)
        body = (
            "Someone asked to reset the password of your PrivexBot account. To choose a new"
            f" one:\n\n{self._mailer.link('reset-password', token)}\n\n"
            f"The link works once, for {minutes} minutes. If it was not you, ignore this mail;"
            " your password stays as it is."
        )
        await self._mailer.send(email, "Reset your password", body)

    async def reset_password(self, token: str, new_password: str) -> None:
        """A new password from a reset token; every session of the user ends, and every
        other reset link of theirs stops working."""
        passwords.check_policy(new_password, "new_password")
        password_hash = await passwords.hash_password(new_password)
        async with self._stamps.transaction(self._sessions) as (session, changed):
            row, user = await self._redeem(session, token, RESET)
            changed.users.add(user.id)
            user.password_hash = password_hash
            # Following the link proved the mailbox, as a verification link would.
            user.email_verified_at = user.email_verified_at or row.used_at
            await _void_others(session, row)
            await self._families.revoke_all(session, user.id, "password_reset")
            audit.record(
                session,
                "auth.password.reset",
                **own_event(user.id, await self._families.home_organization(session, user.id)),
            )


_VERIFIED_EVENTS = {VERIFY: "auth.email.verify", ADD: "auth.email.add", CHANGE: "auth.email.change"}


def _still_applies(row: EmailToken, user: User) -> bool:
    """Whether the account is as the link left it: without an email (add), with one
    (change: using one change voids the others), with the same one (verify, reset)."""
    if row.purpose == ADD:
        return user.email is None
    if row.purpose == CHANGE:
        return bool(user.email)
    return user.email == row.email


async def _void_others(session, used: EmailToken) -> None:
    """Once a link of a purpose has been used, the user's other pending ones of that
    purpose stop working (an older reset link, another change of address)."""
    await session.execute(
        update(EmailToken)
        .where(
            EmailToken.user_id == used.user_id,
            EmailToken.purpose == used.purpose,
            EmailToken.used_at.is_(None),
        )
        .values(used_at=used.used_at)
    )


async def _ensure_free(session, email: str) -> None:
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AlreadyExists("EMAIL_TAKEN", "an account with this email exists")
