"""Password hashing off the event loop, in threads that yield the core to everything else."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from privexbot.identity import passwords, yield_timer


@pytest.mark.skipif(sys.platform != "linux", reason="SCHED_IDLE is Linux's")
async def test_hashing_threads_run_under_sched_idle():
    assert await passwords._off_loop(os.sched_getscheduler, 0) == os.SCHED_IDLE
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the event loop's thread keeps its own


def _next_yield_signal(timeout: float):
    """In the calling thread: the next yield signal sent to it within ``timeout`` s, or None."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {yield_timer.SIGNAL})
    try:
        return signal.sigtimedwait({yield_timer.SIGNAL}, timeout)
    finally:  # one still pending goes to the handler: a harmless sched_yield
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {yield_timer.SIGNAL})


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread POSIX timers are Linux's")
async def test_a_hashing_thread_is_sent_its_yield_signal_only_while_it_hashes():
    hashing = await passwords._off_loop(_next_yield_signal, 0.05)
    assert hashing is not None and hashing.si_signo == yield_timer.SIGNAL
    assert hashing.si_code == -2  # SI_TIMER: from a POSIX timer
    idle = await asyncio.get_running_loop().run_in_executor(
        passwords._hashing, _next_yield_signal, 0.05
    )
    assert idle is None  # disarmed once the work is done
    assert _next_yield_signal(0.01) is None  # and never the event loop's thread


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


# Made by argon2-cffi (PasswordHasher, the previous hasher) for the password below: the PHC
# string format is shared, so sign-ins keep working across the change of library.
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
    ],
)
async def test_stored_hashes_verify_and_older_parameters_need_a_rehash(stored, expected):
    assert await passwords.verify_password(stored, "correct horse battery staple 42") == expected
