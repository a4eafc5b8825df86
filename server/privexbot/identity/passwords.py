"""Password policy and argon2id hashing (OWASP: m=19 MiB, t=2, p=1), off the event loop."""

from __future__ import annotations

import asyncio
import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from privexbot.errors import InvalidArgument

MIN_LENGTH = 12
MAX_LENGTH = 128

HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, type=Type.ID
)
_TRIVIAL_SUFFIX = re.compile(r"[\d\W_]*$")


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("privexbot.identity").joinpath("common_passwords.txt").read_text()
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def check_policy(password: str, field: str = "password") -> None:
    """12..128 characters (never truncated), and not a common password or one plus digits."""
    if len(password) < MIN_LENGTH:
        raise InvalidArgument.field(
            field, f"must be at least {MIN_LENGTH} characters", "WEAK_PASSWORD"
        )
    if len(password) > MAX_LENGTH:
        raise InvalidArgument.field(
            field, f"must be at most {MAX_LENGTH} characters", "PASSWORD_TOO_LONG"
        )
    lowered = password.lower()
    stem = _TRIVIAL_SUFFIX.sub("", lowered)
    if lowered in common_passwords() or stem in common_passwords() or len(set(lowered)) < 4:
        raise InvalidArgument.field(field, "is too common; choose another", "COMMON_PASSWORD")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


@cache
def _dummy_hash() -> str:
    return HASHER.hash("a password nobody has, for constant-time misses")


async def verify_password(password_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs rehash). A missing hash costs the same time as a real check."""

    def run() -> tuple[bool, bool]:
        try:
            HASHER.verify(password_hash or _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, False
        if password_hash is None:
            return False, False
        return True, HASHER.check_needs_rehash(password_hash)

    return await asyncio.to_thread(run)
