"""Password log-ins, checked in separate processes that give the CPU to everything else.

A log-in's own work costs the event loop ~3 ms of CPU (its statements through SQLAlchemy)
besides its argon2id hash. On the serving process's loop that CPU runs at normal priority,
between the cheap RPCs the loop serves. Here it runs in spawned worker processes whose
threads all run under Linux's SCHED_IDLE policy (their hashing threads also yield, see
passwords.py), so the kernel gives a core to the serving process first. bench/auth.py, on
one day: the serving loop's CPU per log-in 4.1 -> 0.7-1.1 ms; the p99 ratio of a cheap RPC
beside 5 logins/s 1.21-1.38 (median 1.29, 8 runs) with log-ins on the serving loop, 1.08-1.23
(median 1.18, 16 runs) in worker processes. A single worker serving several log-ins at once
over its stdin and stdout, with no helper threads in the serving process, measured the same
(1.17-1.21). What needs the ephemeral store (rate limits, failure counts) stays in the
serving process; a worker only reads and writes the database."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import SpawnContext, SpawnProcess

from privexbot import calls, contract
from privexbot.config import Settings
from privexbot.errors import Unavailable
from privexbot.identity.accounts import Accounts, Grant
from privexbot.identity.tokens import AccessTokens
from privexbot.identity.yield_timer import lower_priority
from privexbot.store import db

_worker: dict = {}  # in a worker process: its event loop and its Accounts


class _IdleProcess(SpawnProcess):
    """A fresh interpreter under SCHED_IDLE from its start, before it has any other thread
    (they inherit it). Lowered only in the worker's initializer, its start-up ran at normal
    priority: the interpreter and its imports, 1-2 s of CPU here, spawned when two log-ins
    first overlap. In a traced bench/auth.py window that spawn made 12 probe calls in a row
    slower than the alone p99."""

    def start(self) -> None:
        super().start()
        lower_priority(self.pid)  # its main thread: nothing else runs in it yet


class _IdleSpawnContext(SpawnContext):
    Process = _IdleProcess


def _start_worker(settings: Settings) -> None:
    sessions = db.sessionmaker(db.create_engine(settings.database_url))
    # No ephemeral store: a worker checks a password and writes a session, nothing else.
    tokens = AccessTokens(settings, store=None)
    _worker["accounts"] = Accounts(settings, sessions, None, tokens, sign_in=None)
    _worker["loop"] = asyncio.new_event_loop()


async def _in_call(method: str, request_id: str, client_ip: str, work):
    """``work`` inside a copy of the caller's call (audit reads who and from where)."""
    token = calls.begin(calls.Call(contract.methods()[method], request_id, client_ip))
    try:
        return await work
    finally:
        calls.end(token)


def _check_password_and_start_session(email: str, password: str, call: tuple) -> Grant | None:
    accounts = _worker["accounts"]
    work = accounts.check_password_and_start_session(email, password)
    return _worker["loop"].run_until_complete(_in_call(*call, work))


class SignInProcesses:
    """Up to one worker process per core, each started when log-ins first need it (then kept)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, fn, *args):
        """``fn(*args)`` in a worker; UNAVAILABLE when the worker died meanwhile (the next
        call starts new ones)."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=os.cpu_count() or 1,
                mp_context=_IdleSpawnContext(),  # spawn: no copy of the serving process's threads
                initializer=_start_worker,
                initargs=(self._settings,),
            )
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
        except BrokenProcessPool:
            if self._pool is pool:
                self._pool = None
            pool.shutdown(wait=False)
            raise Unavailable("SIGN_IN_RESTARTING", "sign-in is restarting; retry") from None

    async def check_password_and_start_session(self, email: str, password: str) -> Grant | None:
        call = calls.current()
        return await self.run(
            _check_password_and_start_session,
            email,
            password,
            (call.method.path, call.request_id, call.client_ip),
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
