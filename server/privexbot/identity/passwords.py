"""Password policy and argon2id hashing (OWASP: m=19 MiB, t=2, p=1), off the event loop.

Hashing runs in its own threads (argon2-cffi releases the GIL), at most one per core, under
Linux's SCHED_IDLE policy: a sign-in is ~20-45 ms of memory-hard CPU and can wait, while the
cheap RPCs served meanwhile should not wait for it (issue 3). Under full load hashes still
get a small share (CFS weight 3), so logins slow down rather than stop. SCHED_IDLE alone is
not enough on EEVDF kernels (Linux 6.6+): a preempted thread can wait behind a hash until
the next tick, so while a thread hashes, a ``YieldTimer`` makes it yield every 400 µs (see
yield_timer.py). The work and its parameters are unchanged; only who gets the core when
both want it. bench/auth.py, the p99 ratio of a cheap RPC beside 5 logins/s, in runs
taking turns: 1.54-1.73 with SCHED_IDLE alone against 1.27-1.31 with a 200 µs timer; then
1.19-1.22 at 400 µs against 1.19 at 200 µs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from privexbot.errors import InvalidArgument
from privexbot.identity.yield_timer import YieldTimer

MIN_LENGTH = 12
MAX_LENGTH = 128

HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, type=Type.ID
)
_TRIVIAL_SUFFIX = re.compile(r"[\d\W_]*$")


_this_thread = threading.local()


def _start_hashing_thread() -> None:
    _this_thread.yield_timer = YieldTimer.for_this_thread()
    if sys.platform == "linux":
        try:  # on Linux the calling thread alone
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError:  # not permitted here: hash at normal priority
            pass


_hashing = ThreadPoolExecutor(
    max_workers=os.cpu_count() or 1,
    thread_name_prefix="argon2",
    initializer=_start_hashing_thread,
)


def _yielding(fn, *args):
    with _this_thread.yield_timer or contextlib.nullcontext():
        return fn(*args)


async def _off_loop(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(_hashing, _yielding, fn, *args)


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
    return await _off_loop(HASHER.hash, password)


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

    return await _off_loop(run)
