"""Password hashing off the event loop, in threads that yield the core to everything else."""

from __future__ import annotations

import os
import sys

import pytest

from privexbot.identity import passwords


@pytest.mark.skipif(sys.platform != "linux", reason="SCHED_IDLE is Linux's")
async def test_hashing_threads_run_under_sched_idle():
    assert await passwords._off_loop(os.sched_getscheduler, 0) == os.SCHED_IDLE
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the event loop's thread keeps its own


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
