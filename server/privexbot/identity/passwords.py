"""Password policy and argon2id hashing (OWASP: m=19 MiB, t=2, p=1), off the event loop.

Hashes are the Argon2 reference implementation's (argon2-cffi-bindings), working in memory
each hashing thread keeps (``runtime.KeptMemory``: no page faults after a thread's first
hash); they are PHC strings as libsodium and argon2-cffi write them (either verifies the
other's). Hashing runs in low-priority threads (``runtime.IdleThreads``): a sign-in is
memory-hard CPU that can wait, while the cheap RPCs served meanwhile should not.
Measurements: bench/README.md ("auth") and docs/decisions/.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
from functools import cache
from importlib import resources

from _argon2_cffi_bindings import ffi, lib

from privexbot import runtime
from privexbot.kernel.errors import InvalidArgument

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


_hashing = runtime.IdleThreads("argon2")
_kept = runtime.KeptMemory(MEMORY_KIB * 1024, lambda size: ffi.new("uint8_t[]", size))


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
    """argon2's allocator: the hashing thread's kept memory."""
    memory[0] = _kept.lend(size)
    return lib.ARGON2_OK


@ffi.callback("void(uint8_t *, size_t)")
def _take_memory_back(_memory, _size: int) -> None:
    _kept.give_back()  # argon2 has already wiped it, as it wipes the kept one


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
    return await _hashing.run(_hash, password)


@cache
def _dummy_hash() -> str:
    return _hash("a password nobody has, for constant-time misses")


async def verify_password(password_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs rehash). A missing hash costs the same time as a real check."""

    def run() -> tuple[bool, bool]:
        if not _matches(password_hash or _dummy_hash(), password) or password_hash is None:
            return False, False
        return True, not password_hash.startswith(CURRENT_PARAMETERS)

    return await _hashing.run(run)
