"""Password policy and argon2id hashing (OWASP: m=19 MiB, t=2, p=1), off the event loop.

Hashes are the Argon2 reference implementation's (argon2-cffi-bindings), each thread working
in its own 19 MiB that stays mapped from one hash to the next. libsodium (PyNaCl), used
before, maps fresh memory for every hash: 4,864 page faults, 4-7 ms of a 14 ms hash spent in
the kernel faulting and zeroing pages, whose memory traffic slows whatever runs beside it.
bench/auth.py, in one 600 s window, background hashes at 5/s taking turns with each other
(2 AMD EPYC vCPUs): a cheap RPC's p99 rose 19% beside libsodium's and 1% beside these, which
take ~22 ms of user time each against libsodium's ~8 ms. Hashes are PHC strings as libsodium
and argon2-cffi write them (either verifies the other's).
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
import base64
import binascii
import contextlib
import hmac
import os
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources

from _argon2_cffi_bindings import ffi, lib

from privexbot.errors import InvalidArgument
from privexbot.identity.yield_timer import YieldTimer, lower_priority

MIN_LENGTH = 12
MAX_LENGTH = 128

TIME_COST = 2
MEMORY_KIB = 19 * 1024
# How every hash made with today's parameters begins; one that begins otherwise (older
# parameters, argon2i) still verifies, and is replaced at the next sign-in.
CURRENT_PARAMETERS = f"$argon2id$v=19$m={MEMORY_KIB},t={TIME_COST},p=1$"
SALT_BYTES = 16
HASH_BYTES = 32
# A stored hash asking for more is taken as malformed rather than given the memory.
MAX_STORED_MEMORY_KIB = 1024 * 1024
_PHC = re.compile(
    r"\$(argon2id|argon2i)\$v=(16|19)\$m=(\d{1,8}),t=(\d{1,4}),p=(\d{1,2})"
    r"\$([A-Za-z0-9+/]{11,64})\$([A-Za-z0-9+/]{6,128})"
)
_TYPES = {"argon2id": lib.Argon2_id, "argon2i": lib.Argon2_i}
_TRIVIAL_SUFFIX = re.compile(r"[\d\W_]*$")


_this_thread = threading.local()


def _start_hashing_thread() -> None:
    _this_thread.yield_timer = YieldTimer.for_this_thread()
    lower_priority()


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


@ffi.callback("int(uint8_t **, size_t)", error=lib.ARGON2_MEMORY_ALLOCATION_ERROR)
def _lend_memory(memory, size: int) -> int:
    """argon2's allocator: the thread's own memory, mapped once and kept (hashes with
    more memory than today's get theirs for that hash only)."""
    kept = getattr(_this_thread, "memory", None)
    if size > MEMORY_KIB * 1024:
        kept = _this_thread.oversized = ffi.new("uint8_t[]", size)
    elif kept is None:
        kept = _this_thread.memory = ffi.new("uint8_t[]", MEMORY_KIB * 1024)  # zeroed: mapped
    memory[0] = kept
    return lib.ARGON2_OK


@ffi.callback("void(uint8_t *, size_t)")
def _take_memory_back(_memory, _size: int) -> None:
    _this_thread.oversized = None  # argon2 has already wiped it, as it wipes the kept one


def _raw_hash(kind, version, memory_kib, time_cost, lanes, salt, password, length) -> bytes:
    """argon2(``password``) in the kept memory; raises ValueError for parameters argon2
    refuses."""
    out = ffi.new("uint8_t[]", length)
    secret_bytes, salt_bytes = ffi.from_buffer(password), ffi.from_buffer(salt)
    context = ffi.new(
        "argon2_context *",
        {
            "out": out,
            "outlen": length,
            "pwd": ffi.cast("uint8_t *", secret_bytes),
            "pwdlen": len(password),
            "salt": ffi.cast("uint8_t *", salt_bytes),
            "saltlen": len(salt),
            "t_cost": time_cost,
            "m_cost": memory_kib,
            "lanes": lanes,
            "threads": 1,
            "version": version,
            "allocate_cbk": _lend_memory,
            "free_cbk": _take_memory_back,
            "flags": lib.ARGON2_DEFAULT_FLAGS,
        },
    )
    error = lib.argon2_ctx(context, kind)
    if error != lib.ARGON2_OK:
        raise ValueError(ffi.string(lib.argon2_error_message(error)).decode())
    return bytes(out)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _hash(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _raw_hash(
        lib.Argon2_id, 19, MEMORY_KIB, TIME_COST, 1, salt, password.encode(), HASH_BYTES
    )
    return f"{CURRENT_PARAMETERS}{_b64(salt)}${_b64(digest)}"


def _matches(password_hash: str, password: str) -> bool:
    """A malformed hash answers as a wrong password does."""
    parsed = _PHC.fullmatch(password_hash)
    if parsed is None:
        return False
    kind, version, memory_kib, time_cost, lanes, salt, digest = parsed.groups()
    if int(memory_kib) > MAX_STORED_MEMORY_KIB:
        return False
    try:
        salt_bytes = base64.b64decode(salt + "=" * (-len(salt) % 4), validate=True)
        expected = base64.b64decode(digest + "=" * (-len(digest) % 4), validate=True)
        actual = _raw_hash(
            _TYPES[kind],
            int(version),  # the PHC string's v=16 or v=19 is argon2's own version number
            int(memory_kib),
            int(time_cost),
            int(lanes),
            salt_bytes,
            password.encode(),
            len(expected),
        )
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(actual, expected)


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
