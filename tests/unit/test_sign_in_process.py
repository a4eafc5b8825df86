"""Sign-in worker processes: lowest CPU priority, and a dead worker is replaced."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from privexbot import config
from privexbot.identity import passwords
from privexbot.identity.sign_in_process import SignInProcesses
from privexbot.kernel.errors import FieldViolation, InvalidArgument, Unavailable


@pytest.fixture
async def processes(tmp_path):
    settings = config.load(environ={}, database_url=f"sqlite+aiosqlite:///{tmp_path}/privexbot.db")
    processes = SignInProcesses(settings)
    yield processes
    processes.close()


def _policy_of_a_new_thread() -> int:
    """In a worker: the scheduling policy of a thread it starts now (as its pools do)."""
    policies = []
    thread = threading.Thread(target=lambda: policies.append(os.sched_getscheduler(0)))
    thread.start()
    thread.join()
    return policies[0]


@pytest.mark.skipif(sys.platform != "linux", reason="SCHED_IDLE is Linux's")
async def test_workers_and_the_threads_they_start_run_under_sched_idle(processes):
    assert await processes.run(os.sched_getscheduler, 0) == os.SCHED_IDLE
    assert await processes.run(_policy_of_a_new_thread) == os.SCHED_IDLE
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the serving process keeps its own


async def test_an_error_in_a_worker_reaches_the_caller(processes):
    with pytest.raises(FileNotFoundError):
        await processes.run(os.stat, "/no/such/file")
    assert await processes.run(os.getpid) != os.getpid()  # and the workers still serve


async def test_a_domain_error_in_a_worker_arrives_whole(processes):
    with pytest.raises(InvalidArgument) as weak:
        await processes.run(passwords.check_policy, "short")
    assert weak.value.reason == "WEAK_PASSWORD"
    assert weak.value.violations == [
        FieldViolation("password", f"must be at least {passwords.MIN_LENGTH} characters")
    ]
    assert await processes.run(os.getpid) != os.getpid()  # and the workers still serve


async def test_a_worker_that_dies_is_unavailable_once_then_replaced(processes):
    first = await processes.run(os.getpid)
    with pytest.raises(Unavailable) as died:
        await processes.run(os._exit, 1)
    assert died.value.reason == "SIGN_IN_RESTARTING"
    second = await processes.run(os.getpid)
    assert second not in (first, os.getpid())
