"""Runtime tuning: low-priority threads and processes, and the yield timer of threads that
work (runtime.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import pytest

from privexbot import runtime


@pytest.mark.skipif(sys.platform != "linux", reason="SCHED_IDLE is Linux's")
async def test_idle_threads_run_under_sched_idle():
    assert await runtime.IdleThreads("test").run(os.sched_getscheduler, 0) == os.SCHED_IDLE
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the event loop's thread keeps its own


def _next_yield_signal(timeout: float):
    """In the calling thread: the next yield signal sent to it within ``timeout`` s, or None."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {runtime.SIGNAL})
    try:
        return signal.sigtimedwait({runtime.SIGNAL}, timeout)
    finally:  # one still pending goes to the handler: a harmless sched_yield
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {runtime.SIGNAL})


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread POSIX timers are Linux's")
async def test_a_thread_is_sent_its_yield_signal_only_while_it_works():
    threads = runtime.IdleThreads("test")
    hashing = await threads.run(_next_yield_signal, 0.05)
    assert hashing is not None and hashing.si_signo == runtime.SIGNAL
    assert hashing.si_code == -2  # SI_TIMER: from a POSIX timer
    idle = await asyncio.get_running_loop().run_in_executor(threads._pool, _next_yield_signal, 0.05)
    assert idle is None  # disarmed once the work is done
    assert _next_yield_signal(0.01) is None  # and never the event loop's thread


@pytest.mark.skipif(sys.platform != "linux", reason="SCHED_IDLE is Linux's")
def test_a_spawned_process_starts_up_under_sched_idle():
    process = runtime.IdleSpawnContext().Process(target=time.sleep, args=(30,))
    process.start()
    try:  # its interpreter is still starting: nothing it runs could have lowered it
        assert os.sched_getscheduler(process.pid) == os.SCHED_IDLE
    finally:
        process.kill()
        process.join()
