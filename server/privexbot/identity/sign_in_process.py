"""Password log-ins, checked in separate low-priority processes.

A log-in's own work (its statements through SQLAlchemy, besides the hash) would cost the
serving loop ~3 ms of CPU at normal priority, between the cheap RPCs it serves. Here it runs
in spawned worker processes under SCHED_IDLE (``runtime.IdleSpawnContext``), so the kernel
gives a core to the serving process first. What needs the ephemeral store (rate limits,
failure counts) stays in the serving process; a worker only reads and writes the database.
Measurements: bench/README.md ("auth").
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from privexbot import runtime, tracing
from privexbot.config import Settings
from privexbot.identity.email import EmailSignIn
from privexbot.identity.sessions import Grant, SignInSessions
from privexbot.identity.tokens import AccessTokens
from privexbot.kernel import calls, contract
from privexbot.kernel.errors import Unavailable
from privexbot.store import db

_worker: dict = {}  # in a worker process: its event loop and its EmailSignIn


def _start_worker(settings: Settings) -> None:
    # The serving process's OTEL_* settings (inherited): a log-in's spans, its statements'
    # among them, continue the caller's trace from here. Before the engine, which it hooks.
    tracing.configure()
    sessions = db.sessionmaker(db.create_engine(settings.database_url))
    # No ephemeral store: a worker checks a password and writes a session, nothing else.
    families = SignInSessions(
        sessions, AccessTokens(settings, store=None), settings.refresh_token_ttl_seconds
    )
    _worker["email"] = EmailSignIn(sessions, None, families, sign_in=None, new_organization=None)
    _worker["loop"] = asyncio.new_event_loop()


async def _in_call(method: str, request_id: str, client_ip: str, trace: dict, work):
    """``work`` inside a copy of the caller's call (audit reads who and from where) and its
    trace (``trace``: the caller's ``tracing.carrier``). A database fault is told as one
    here: the driver's error does not cross processes."""
    token = calls.begin(calls.Call(contract.methods()[method], request_id, client_ip))
    try:
        with tracing.continued(trace, "identity.sign_in_worker"):
            return await work
    except Exception as exc:
        if db.unreachable(exc):
            raise db.unavailable() from None
        raise
    finally:
        calls.end(token)


def _check_password_and_start_session(email: str, password: str, call: tuple) -> Grant | None:
    work = _worker["email"].check_password_and_start_session(email, password)
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
                mp_context=runtime.IdleSpawnContext(),
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
            (call.method.path, call.request_id, call.client_ip, tracing.carrier()),
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
