"""Password policy and argon2id hashing (OWASP: m=19 MiB, t=2, p=1), off the event loop.

Hashes are libsodium's argon2id (through PyNaCl), which picks an AVX2/AVX-512 kernel at run
time: 8.5 ms a hash on this project's 2-vCPU Xeon, against 18-31 ms for argon2-cffi with the
same parameters and the same PHC string format (hashes made by either verify with the other).
Hashing runs in its own threads (the binding releases the GIL), at most one per core, under
Linux's SCHED_IDLE policy: a sign-in is memory-hard CPU and can wait, while the cheap RPCs
served meanwhile should not wait for it (issue 3). Under full load hashes still get a small
share (CFS weight 3), so logins slow down rather than stop. SCHED_IDLE alone is not enough
on EEVDF kernels (Linux 6.6+): a preempted thread can wait behind a hash until the next
tick, so while a thread hashes, a ``YieldTimer`` makes it yield every 400 µs (see
yield_timer.py). bench/auth.py, the p99 ratio of a cheap RPC beside 5 logins/s, in runs
taking turns: 1.54-1.73 with SCHED_IDLE alone against 1.27-1.31 with a 200 µs timer; then
1.19-1.22 at 400 µs against 1.19 at 200 µs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources

from nacl.exceptions import InvalidkeyError
from nacl.pwhash import argon2id

from privexbot.errors import InvalidArgument
from privexbot.identity.yield_timer import YieldTimer, lower_this_threads_priority

MIN_LENGTH = 12
MAX_LENGTH = 128

TIME_COST = 2
MEMORY_KIB = 19 * 1024
# How every hash made with today's parameters begins; one that begins otherwise (older
# parameters, argon2i) still verifies, and is replaced at the next sign-in.
CURRENT_PARAMETERS = f"$argon2id$v=19$m={MEMORY_KIB},t={TIME_COST},p=1$"
_TRIVIAL_SUFFIX = re.compile(r"[\d\W_]*$")


_this_thread = threading.local()


def _start_hashing_thread() -> None:
    _this_thread.yield_timer = YieldTimer.for_this_thread()
    lower_this_threads_priority()


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


def _hash(password: str) -> str:
    return argon2id.str(password.encode(), opslimit=TIME_COST, memlimit=MEMORY_KIB * 1024).decode()


def _matches(password_hash: str, password: str) -> bool:
    try:  # libsodium answers a malformed hash as it answers a wrong password
        return argon2id.verify(password_hash.encode(), password.encode())
    except InvalidkeyError:
        return False


async def hash_password(password: str) -> str:
    return await _off_loop(_hash, password)


@cache
def _dummy_hash() -> str:
    return _hash("a password nobody has, for constant-time misses")


async def verify_password(password_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs rehash). A missing hash costs the same time as a real check."""

    def run() -> tuple[bool, bool]:
        if not _matches(password_hash or _dummy_hash(), password) or password_hash is None:
            return False, False
        return True, not password_hash.startswith(CURRENT_PARAMETERS)

    return await _off_loop(run)
