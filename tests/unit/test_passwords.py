"""Password policy and hashing: argon2id PHC strings, in threads that keep their memory."""

from __future__ import annotations

import resource
import sys

import pytest
from nacl.pwhash import argon2i, argon2id

from privexbot.identity import passwords


async def test_a_hash_verifies_and_a_wrong_password_does_not():
    hashed = await passwords.hash_password("correct horse battery staple 42")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert await passwords.verify_password(hashed, "correct horse battery staple 42") == (
        True,
        False,
    )
    assert await passwords.verify_password(hashed, "wrong horse battery staple 42") == (
        False,
        False,
    )
    assert await passwords.verify_password(None, "anything at all 123") == (False, False)


# Made by argon2-cffi's PasswordHasher (an earlier hasher) for the password below: the PHC
# string format is shared, so sign-ins keep working across changes of library.
ARGON2_CFFI_CURRENT = (
    "$argon2id$v=19$m=19456,t=2,p=1$UF2VcW+3SRQETFeAqASziw$"
    "WAY4VUKCWInDVcln7MpPHRL64zozWA8wlP8DtmSz0Ac"
)
ARGON2_CFFI_WEAKER = (
    "$argon2id$v=19$m=8192,t=1,p=1$bso0Sud+gYCZviGlWvB8NA$"
    "h+aJLKB9sNuJHz4KQGQyCwqNqIKQKqxAonmKl/9Oj7Q"
)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (ARGON2_CFFI_CURRENT, (True, False)),
        (ARGON2_CFFI_WEAKER, (True, True)),  # verifies, then is replaced
        (ARGON2_CFFI_CURRENT[:-2], (False, False)),  # its last two characters cut off
        ("not a hash", (False, False)),
        (ARGON2_CFFI_CURRENT.replace("$UF2V", "$!F2V"), (False, False)),  # not base64
        (ARGON2_CFFI_CURRENT.replace("m=19456", "m=2097152"), (False, False)),  # 2 GiB
        (ARGON2_CFFI_CURRENT.replace("argon2id", "argon2d"), (False, False)),
    ],
)
async def test_stored_hashes_verify_and_older_parameters_need_a_rehash(stored, expected):
    assert await passwords.verify_password(stored, "correct horse battery staple 42") == expected


async def test_hashes_verify_with_libsodium_and_libsodiums_with_these():
    password = "correct horse battery staple 42"
    ours = await passwords.hash_password(password)
    assert argon2id.verify(ours.encode(), password.encode())
    theirs = [
        argon2id.str(password.encode(), opslimit=2, memlimit=19 * 1024 * 1024),
        argon2id.str(password.encode(), opslimit=1, memlimit=32 * 1024 * 1024),  # more memory
        argon2i.str(password.encode(), opslimit=3, memlimit=8 * 1024 * 1024),
    ]
    for stored in theirs:
        assert await passwords.verify_password(stored.decode(), password) == (
            True,
            not stored.startswith(passwords.CURRENT_PARAMETERS.encode()),
        )
        assert (await passwords.verify_password(stored.decode(), password + "!"))[0] is False


def _page_faults_of_a_second_check(stored: str, password: str) -> int:
    passwords._matches(stored, password)  # this thread's first hash may map its memory
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    passwords._matches(stored, password)
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before


@pytest.mark.skipif(sys.platform != "linux", reason="RUSAGE_THREAD is Linux's")
async def test_a_hashing_thread_keeps_its_memory_from_one_hash_to_the_next():
    # A hash in fresh memory faults in all of its 19 MiB (4,864 pages) and zeroes them.
    stored = await passwords.hash_password("correct horse battery staple 42")
    faults = await passwords._hashing.run(_page_faults_of_a_second_check, stored, "wrong pass 123")
    assert faults < 100
