"""Runtime tuning, kept apart from what the platform does: low-priority work (SCHED_IDLE
threads and processes) and the yield timer for threads that hash.

Sign-in's CPU (argon2id hashes, and the log-in's statements in worker processes) runs under
Linux's SCHED_IDLE policy, so the kernel gives a core to the RPCs being served first. On
Linux 6.6+ (EEVDF) a SCHED_IDLE thread is a fair task of weight 3: a preempted normal thread
can wait behind it until the next tick, so a hashing thread arms a per-thread POSIX timer
whose handler is libc's ``sched_yield`` (async-signal-safe; no Python runs in the signal's
path, so it works while the thread is inside C). Where any of this is missing (not Linux,
not permitted, no ``timer_create``) work runs at normal priority, without the timer.
Measurements: bench/README.md ("auth").
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.context import SpawnContext, SpawnProcess

log = logging.getLogger(__name__)

PERIOD_NS = 400_000
SIGNAL = signal.SIGRTMIN + 5 if sys.platform == "linux" else None
_CLOCK_MONOTONIC = 1
_SIGEV_THREAD_ID = 4  # Linux: deliver to the thread named in the event


class _SigEvent(ctypes.Structure):  # struct sigevent, 64 bytes
    _fields_ = [
        ("value", ctypes.c_void_p),
        ("signo", ctypes.c_int),
        ("notify", ctypes.c_int),
        ("thread_id", ctypes.c_int),
        ("_pad", ctypes.c_int * 11),
    ]


class _TimeSpec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]


class _ITimerSpec(ctypes.Structure):
    _fields_ = [("interval", _TimeSpec), ("value", _TimeSpec)]


_install_lock = threading.Lock()
_libc: ctypes.CDLL | None = None


def _installed_libc() -> ctypes.CDLL:
    """libc with the signal's handler set to ``sched_yield`` (once per process)."""
    global _libc
    with _install_lock:
        if _libc is None:
            libc = ctypes.CDLL(None, use_errno=True)
            if not hasattr(libc, "timer_create"):  # glibc before 2.34 keeps it in librt
                libc = ctypes.CDLL("librt.so.1", use_errno=True)
            libc.signal.argtypes = [ctypes.c_int, ctypes.c_void_p]
            libc.signal.restype = ctypes.c_void_p
            handler = ctypes.cast(libc.sched_yield, ctypes.c_void_p)
            if libc.signal(SIGNAL, handler) == ctypes.c_void_p(-1).value:
                raise OSError(ctypes.get_errno(), "signal() refused the yield handler")
            _libc = libc
        return _libc


def lower_priority(thread_id: int = 0) -> None:
    """The thread (0: the calling one), and any it starts later, under SCHED_IDLE, on Linux
    where permitted; elsewhere it keeps normal priority."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):  # not permitted here, or the thread is gone
            os.sched_setscheduler(thread_id, os.SCHED_IDLE, os.sched_param(0))


class YieldTimer:
    """The calling thread's timer; ``with timer:`` arms it for the block."""

    def __init__(self, libc: ctypes.CDLL, timer_id: ctypes.c_void_p) -> None:
        self._libc = libc
        self._id = timer_id

    @classmethod
    def for_this_thread(cls) -> YieldTimer | None:
        if SIGNAL is None:
            return None
        try:
            libc = _installed_libc()
            event = _SigEvent(None, SIGNAL, _SIGEV_THREAD_ID, threading.get_native_id())
            timer_id = ctypes.c_void_p()
            if libc.timer_create(_CLOCK_MONOTONIC, ctypes.byref(event), ctypes.byref(timer_id)):
                raise OSError(ctypes.get_errno(), "timer_create failed")
        except (OSError, AttributeError) as exc:
            log.info("hashing without a yield timer: %s", exc)
            return None
        return cls(libc, timer_id)

    def _set(self, period_ns: int) -> None:
        period = _TimeSpec(0, period_ns)
        spec = _ITimerSpec(period, period)
        if self._libc.timer_settime(self._id, 0, ctypes.byref(spec), None):
            raise OSError(ctypes.get_errno(), "timer_settime failed")

    def __enter__(self) -> YieldTimer:
        self._set(PERIOD_NS)
        return self

    def __exit__(self, *_exc) -> None:
        self._set(0)


class IdleThreads:
    """Up to one thread per core for CPU work that can wait (argon2id hashes): each runs
    under SCHED_IDLE, with its yield timer armed while it works (the binding releases the
    GIL, so the work runs beside the event loop)."""

    def __init__(self, name: str) -> None:
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(
            max_workers=os.cpu_count() or 1, thread_name_prefix=name, initializer=self._start
        )

    def _start(self) -> None:
        self._local.timer = YieldTimer.for_this_thread()
        lower_priority()

    def _yielding(self, fn, *args):
        with self._local.timer or contextlib.nullcontext():
            return fn(*args)

    async def run(self, fn, *args):
        """``fn(*args)`` in one of the threads."""
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, self._yielding, fn, *args
        )


class _IdleProcess(SpawnProcess):
    """A fresh interpreter under SCHED_IDLE from its start, before it has any other thread
    (they inherit it): lowered only later, its start-up (1-2 s of CPU: the interpreter and
    its imports) would run at normal priority."""

    def start(self) -> None:
        super().start()
        lower_priority(self.pid)  # its main thread: nothing else runs in it yet


class IdleSpawnContext(SpawnContext):
    """A multiprocessing context whose processes run under SCHED_IDLE (spawned: no copy of
    the parent's threads)."""

    Process = _IdleProcess


class KeptMemory:
    """Working memory each thread keeps from one use to the next, for C code that asks an
    allocator for it (argon2): mapped once, so later uses take no page faults. A request
    larger than ``size`` gets memory of its own, held until ``give_back``."""

    def __init__(self, size: int, allocate) -> None:
        self.size, self._allocate = size, allocate
        self._local = threading.local()

    def lend(self, size: int):
        if size > self.size:
            self._local.oversized = self._allocate(size)
            return self._local.oversized
        kept = getattr(self._local, "kept", None)
        if kept is None:
            kept = self._local.kept = self._allocate(self.size)
        return kept

    def give_back(self) -> None:
        self._local.oversized = None
