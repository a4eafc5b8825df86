"""A timer that makes one thread call ``sched_yield()`` every 400 µs while it is armed.

Why: on Linux 6.6 and later (the EEVDF scheduler) a SCHED_IDLE thread is a fair task of
weight 3, not a task that runs only when nothing else can. When a wakeup preempts a normal
thread, that thread can be left runnable but not yet eligible, and the scheduler then runs
the SCHED_IDLE hash instead. Nothing looks again until the next tick (4 ms at HZ=250), even
while the other core is idle: a ``perf sched`` trace of bench/auth.py showed gRPC threads
waiting 2.7 ms that way. A yield every 400 µs makes the scheduler pick again, so such a wait
is bounded by the timer's period. Each expiry costs ~17 µs in this VM: a 16.7 ms hash takes
17.4 ms (at 200 µs: 18.5 ms, for the same p99 in bench/auth.py; at 100 µs: 21.7 ms).

A per-thread POSIX timer (SIGEV_THREAD_ID) sends a real-time signal to the armed thread
alone. Its handler is libc's ``sched_yield`` itself: it is async-signal-safe, never fails
(errno is kept), and the extra int argument is ignored in the C calling convention. No
Python code runs in the signal's path, so it works while the thread is inside C with the GIL
released. glibc's ``signal()`` sets SA_RESTART, so an interrupted system call resumes.
Where any of this is missing (not Linux, no ``timer_create``), ``for_this_thread`` returns
None and the thread runs without it.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading

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
