"""What the benchmarks share: load generators (run in spawned processes), the real server
started in-process, a signed-up user, the per-RPC JSON log line into /dev/null.

Not a benchmark itself: ``rpc_overhead.py``, ``auth.py`` and ``authz.py`` import it as
``harness`` (a script's directory is on ``sys.path``, in spawned load processes too).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import itertools
import logging
import math
import os
import platform
import random
import re
import secrets
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

GET_CURRENT_USER = "/privexbot.v1.AuthService/GetCurrentUser"
PASSWORD = "correct horse battery staple 42"
# A sliced load's calls due this soon after a slice starts count for neither side (``pace``).
SLICE_GUARD = 0.15
# A load that renews its access token (``stay_signed_in``) does so this often: well inside the
# token's life (at most 15 minutes), however loaded the machine.
RENEW_EVERY = 600.0
# How long a load sharing a window stays after its end (``pace``).
WINDOW_LINGER = 0.5


def bearer(access_token: str) -> tuple:
    """gRPC metadata carrying an access token."""
    return (("authorization", f"Bearer {access_token}"),)


def slice_index(at: float, begin: float, slice_s: float, guard: float = SLICE_GUARD) -> int | None:
    """Which slice ``at`` falls in, of a window cut into ``slice_s`` s slices from ``begin``;
    None before ``begin`` or in a slice's first ``guard`` s."""
    # Due times land exactly on the guard's end; float error must not push them inside it
    # (it did for one call per slice: 197 QPS counted of 200).
    index, offset = divmod(at - begin + 1e-9, slice_s)
    return None if index < 0 or offset < guard else int(index)


def side_of(index: int) -> int:
    """Which side slice ``index`` of a window is on: 0 (the load alone) or 1 (beside the
    background load). Each pair of neighbouring slices (2k, 2k+1) has one of each, in an order
    drawn for that pair, the same in every process. In strict alternation, server work that
    recurs every whole number of seconds fell on one side only: a user's cached view expiring
    every 60 s (a 90 ms stall) hit the background side of every minute of a traced window."""
    pair, second = divmod(index, 2)
    return second ^ (hashlib.blake2b(pair.to_bytes(8, "little"), digest_size=1).digest()[0] & 1)


def loaded_slice(pair: int) -> int:
    """The index of pair ``pair``'s slice on side 1 (``side_of``)."""
    return 2 * pair + 1 - side_of(2 * pair)


def slice_side(at: float, begin: float, slice_s: float, guard: float = SLICE_GUARD) -> int | None:
    """``side_of`` the slice ``at`` falls in (``slice_index``), or None."""
    index = slice_index(at, begin, slice_s, guard)
    return None if index is None else side_of(index)


# ---- load generators: run in a separate, freshly spawned process -------------------------


def p99_rank(n: int) -> int:
    """Where the p99 of ``n`` sorted latencies lies."""
    return min(n - 1, int(n * 0.99))


def summary(latencies: list[float], duration: float) -> dict:
    """Calls, QPS and p50/p99 (ms) of the latencies measured over ``duration`` seconds."""
    latencies.sort()
    n = len(latencies)
    if not n:
        raise RuntimeError("no call completed in the measured window")
    return {
        "calls": n,
        "qps": n / duration,
        "p50_ms": latencies[n // 2] * 1000,
        "p99_ms": latencies[p99_rank(n)] * 1000,
    }


async def drive(one_call, concurrency: int, warmup: float, duration: float) -> dict:
    """Closed loop: ``concurrency`` workers call back to back; keep latencies of calls started
    in the measured window. Bounded: every worker stops at the window's end."""
    latencies: list[float] = []
    start = time.perf_counter()
    measure_from, end = start + warmup, start + warmup + duration

    async def worker(slot: int) -> None:
        state = {}
        while True:
            t0 = time.perf_counter()
            if t0 >= end:
                break
            await one_call(slot, state)
            if t0 >= measure_from:
                latencies.append(time.perf_counter() - t0)

    await asyncio.gather(*(worker(slot) for slot in range(concurrency)))
    return summary(latencies, duration)


async def pace(
    one_call,
    rate: float,
    warmup: float,
    duration: float,
    start_at: float = 0.0,
    slice_s: float = 0.0,
    loaded_only: bool = False,
) -> dict:
    """Open loop: start a call every ``1/rate`` s whether or not earlier ones have finished;
    a call's latency counts from when it was due (a late client doesn't hide a slow server).
    Bounded: no call starts after the window's end; each has its own timeout.

    ``start_at``: the window's start on ``time.monotonic()`` (one clock for every process on
    the machine), so that loads in two processes share their slices. ``slice_s`` > 0 cuts the
    measured window into slices of that many seconds and adds ``alone`` and ``loaded``:
    summaries of the calls due in the slices of either side (``side_of``), leaving out those
    due in a slice's first ``SLICE_GUARD`` s (when a call of the other side's slice may still
    run), and ``pairs``: per pair of neighbouring slices (2k, 2k+1), the latencies of each
    side. ``loaded_only``: call only in the slices of side 1 (the background whose effect
    another load's side 1 shows), each call at a random point of its own ``1/rate`` s: on the
    lattice the other load keeps from the same ``start_at``, every background call would
    fall due with one of its calls, and the window would measure that single alignment, not
    calls meeting at any moment."""
    latencies: list[tuple[float, float]] = []  # (due, latency)
    start = start_at or time.monotonic()
    measure_from, end = start + warmup, start + warmup + duration

    async def timed(due: float) -> None:
        await one_call(0, {})
        if due >= measure_from:
            latencies.append((due, time.monotonic() - due))

    dues = (start + i / rate for i in itertools.count())
    if loaded_only:  # paced on side 1's slices laid end to end: ``rate`` per second of them
        draw = random.Random(0)
        dues = (
            measure_from + loaded_slice(int(pair)) * slice_s + offset
            for pair, offset in (
                divmod((i + draw.random()) / rate, slice_s) for i in itertools.count()
            )
        )
    # Only calls in flight are kept: a list of every task ever started made each full garbage
    # collection of this process longer as the window went on (120,000 tasks in 600 s), and a
    # probe stalled by its own collection reads as a slow call.
    running: set[asyncio.Task] = set()
    failures: list[BaseException] = []

    def finished(task: asyncio.Task) -> None:
        running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            failures.append(task.exception())

    for due in dues:
        if due >= end:
            break
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        task = asyncio.create_task(timed(due))
        running.add(task)
        task.add_done_callback(finished)
    await asyncio.gather(*running)
    if failures:
        raise failures[0]
    if start_at:
        # A load sharing its window with another leaves only after the window's end: a
        # background's last call may end some 50 ms before it, and its process's teardown (tens
        # of ms of CPU) then fell on the other load's last slice: 12 of the 67 slow probe calls
        # in a traced 60 s window of bench/auth.py.
        await asyncio.sleep(max(0.0, end + WINDOW_LINGER - time.monotonic()))
    result = summary([latency for _, latency in latencies], duration)
    if slice_s > 0:
        pairs: list[tuple[list, list]] = [
            ([], []) for _ in range(math.ceil(duration / slice_s / 2))
        ]
        for due, latency in latencies:
            index = slice_index(due, measure_from, slice_s)
            if index is not None:
                pairs[index // 2][side_of(index)].append(latency)
        counted = duration / 2 * (1 - SLICE_GUARD / slice_s)
        for side, name in enumerate(("alone", "loaded")):
            latencies_of_side = [latency for pair in pairs for latency in pair[side]]
            if latencies_of_side:  # a loaded_only load has no calls alone
                result[name] = summary(latencies_of_side, counted)
        result["pairs"] = pairs
    return result


async def grpc_load(
    target,
    method,
    payload,
    metadata,
    concurrency,
    warmup,
    duration,
    rate: float = 0.0,
    distinct_ips: bool = False,
    refresh_token: str = "",
    **pacing,
) -> dict:
    """Unary ``method`` with a serialized ``payload``: ``concurrency`` in flight (closed loop),
    or ``rate`` calls/s (open loop) when ``rate`` > 0. ``distinct_ips``: each call claims its
    own client address in X-Forwarded-For (the server trusts it from loopback), so per-IP
    rate limits don't refuse the load. ``refresh_token``: the session of ``metadata`` (then just
    its bearer token), which ``stay_signed_in`` renews, so the load may outlast that token.
    ``pacing``: ``pace``'s ``start_at``, ``slice_s`` and ``loaded_only``."""
    import grpc

    prefix = random.randrange(256)
    addresses = (f"10.{prefix}.{n >> 8 & 255}.{n & 255}" for n in itertools.count(1))
    auth = {"metadata": metadata}

    async with grpc.aio.insecure_channel(target) as channel:
        call = channel.unary_unary(method)  # no serializers: bytes in, bytes out

        async def one_call(_slot, _state):
            headers = auth["metadata"]
            if distinct_ips:
                headers = (*headers, ("x-forwarded-for", next(addresses)))
            reply = await call(payload, metadata=headers, timeout=10)
            if not reply:
                raise RuntimeError(f"{method}: empty reply")

        await one_call(0, {})  # fail fast (bad token, wrong method) before measuring
        renewing = asyncio.create_task(stay_signed_in(channel, refresh_token, auth))
        try:
            if rate > 0:
                return await pace(one_call, rate, warmup, duration, **pacing)
            return await drive(one_call, concurrency, warmup, duration)
        finally:
            renewing.cancel()


async def stay_signed_in(channel, refresh_token: str, auth: dict) -> None:
    """Every ``RENEW_EVERY`` s, a new access token for ``auth["metadata"]`` from RefreshToken
    (which also rotates ``refresh_token``); nothing without one."""
    from privexbot.v1 import auth_pb2, auth_pb2_grpc

    stub = auth_pb2_grpc.AuthServiceStub(channel)
    while refresh_token:
        await asyncio.sleep(RENEW_EVERY)
        renewed = await stub.RefreshToken(
            auth_pb2.RefreshTokenRequest(refresh_token=refresh_token), timeout=10
        )
        refresh_token = renewed.refresh_token
        auth["metadata"] = bearer(renewed.access_token)


async def _http_exchange(reader, writer, request: bytes) -> int:
    """One HTTP/1.1 request on a keep-alive connection; the body is read and dropped."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await _skip_trailers(reader)
                break
            await reader.readexactly(size + 2)
    return status


async def _skip_trailers(reader) -> None:
    while (await reader.readuntil(b"\r\n")) != b"\r\n":
        pass


async def http_load(host, port, path, headers, concurrency, warmup, duration) -> dict:
    """``GET path`` with ``concurrency`` keep-alive connections, one call in flight on each."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        + "\r\n"
    ).encode()
    connections = [await asyncio.open_connection(host, port) for _ in range(concurrency)]

    async def one_call(slot, _state):
        status = await _http_exchange(*connections[slot], request)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")

    try:
        await one_call(0, {})
        return await drive(one_call, concurrency, warmup, duration)
    finally:
        for _, writer in connections:
            writer.close()


def run_load(kind: str, args: dict) -> dict:
    """Entry point of a load process: ``kind`` "grpc" (``grpc_load``) or "http"."""
    if kind == "grpc":
        return asyncio.run(grpc_load(**args))
    return asyncio.run(http_load(**args))


async def measure(kind: str, load_args: dict) -> dict:
    """One load run in a fresh process; this loop keeps serving meanwhile."""
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return await loop.run_in_executor(pool, run_load, kind, load_args)


# ---- servers and users: run in the benchmark's process -----------------------------------


async def real_server(tmp: Path, database_url: str = "", redis_url: str = ""):
    """``real_server_with`` a database and an ephemeral store, when URLs are given."""
    return await real_server_with(tmp, database_url=database_url, redis_url=redis_url)


async def real_server_with(tmp: Path, **overrides):
    """``create_server`` on a free loopback port, migrated: a SQLite file in ``tmp`` and the
    in-process ephemeral store unless ``overrides`` (settings, e.g. ``database_url``,
    ``inference_base_url``) say otherwise. Returns ``Running``, SERVING."""
    from privexbot import config
    from privexbot.app import create_server
    from privexbot.dev.devstack import wait_serving
    from privexbot.store import migrate

    database_url = overrides.pop("database_url", "") or f"sqlite+aiosqlite:///{tmp}/privexbot.db"
    await asyncio.to_thread(migrate.upgrade, database_url)
    settings = config.load(
        environ={},
        **{
            "database_url": database_url,
            "grpc_address": "127.0.0.1:0",
            "milvus_uri": str(tmp / "milvus.db"),
            # Loads name their own client addresses in X-Forwarded-For, so that per-IP
            # limits (sign-in: 60/min) meter each simulated client, not the benchmark.
            "trusted_proxies": "127.0.0.0/8",
            **overrides,
        },
    )
    running = await create_server(settings)
    await wait_serving(f"127.0.0.1:{running.port}")
    return running


async def interceptors_only_server(settings, current_user: bytes):
    """The real interceptor chain (own Platform over the same database) around a handler
    that answers GetCurrentUser with a canned reply: no domain code, no SQL.
    Returns (server, port, platform); stop the server, then close the platform."""
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    from privexbot.app import GenericOnly, chain, server_options
    from privexbot.platform import Platform
    from privexbot.v1 import auth_pb2

    platform = await Platform.create(settings)
    reply = auth_pb2.CurrentUser.FromString(current_user)

    async def canned(_request, _context):
        return reply

    server = grpc.aio.server(options=server_options(settings, False))
    handler = grpc.unary_unary_rpc_method_handler(
        canned,
        request_deserializer=auth_pb2.GetCurrentUserRequest.FromString,
        response_serializer=auth_pb2.CurrentUser.SerializeToString,
    )
    chain(platform).register(server, "privexbot.v1.AuthService", {"GetCurrentUser": handler})
    checks = health.aio.HealthServicer()  # so Envoy's active health check passes
    health_pb2_grpc.add_HealthServicer_to_server(checks, GenericOnly(server))  # as app.py
    await checks.set("", health_pb2.HealthCheckResponse.SERVING)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port, platform


@dataclass
class User:
    email: str
    session: object  # AuthSession: access_token, organization, workspace
    current_user: bytes  # their serialized CurrentUser

    @property
    def token(self) -> str:
        return self.session.access_token

    @property
    def auth(self) -> tuple:
        """gRPC metadata carrying the access token."""
        return bearer(self.token)


async def sign_up(target: str, tag: str = "bench") -> User:
    """A fresh user (email, password ``PASSWORD``), signed up with their own organization."""
    import grpc

    from privexbot.v1 import auth_pb2, auth_pb2_grpc

    email = f"{tag}-{secrets.token_hex(4)}@example.com"
    async with grpc.aio.insecure_channel(target) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        session = await stub.SignUpWithEmail(
            auth_pb2.SignUpWithEmailRequest(email=email, password=PASSWORD, display_name=tag)
        )
        me = await stub.GetCurrentUser(
            auth_pb2.GetCurrentUserRequest(),
            metadata=bearer(session.access_token),
        )
    return User(email, session, me.SerializeToString())


@contextlib.asynccontextmanager
async def scratch_postgres(admin_url: str):
    """A new, empty PostgreSQL database next to ``admin_url``'s; dropped on exit."""
    import asyncpg

    name = f"privexbot_bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


# ---- reporting ---------------------------------------------------------------------------


@contextlib.contextmanager
def rpc_log_to_devnull():
    """The per-RPC log line, as ``privexbot serve`` writes it (``logs.configure``), into
    /dev/null, line-buffered like stderr. Yields ``rpc_log(on)``: on = INFO (a line per RPC),
    off = WARNING. Starts off."""
    from privexbot import logs

    root = logging.getLogger()
    with open(os.devnull, "w", buffering=1) as devnull, logs.configured("WARNING", devnull):

        def rpc_log(on: bool) -> None:
            root.setLevel(logging.INFO if on else logging.WARNING)

        yield rpc_log


@contextlib.contextmanager
def full_collections():
    """Yields a list that fills with ``(started, pause)`` (``time.monotonic()``, seconds) for
    each of this process's full (generation 2) garbage collections while open; a collection
    first, so that rows start alike."""
    gc.collect()
    pauses: list[tuple[float, float]] = []
    started = [0.0]

    def watch(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                started[0] = time.monotonic()
            else:
                pauses.append((started[0], time.monotonic() - started[0]))

    gc.callbacks.append(watch)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(watch)


def versions(envoy: bool = True) -> str:
    """Cores and versions, for the report's first line."""
    import grpc

    line = f"{os.cpu_count()} cores, Python {platform.python_version()}, grpcio {grpc.__version__}"
    if not envoy:
        return line
    import subprocess

    from privexbot.dev.edge import find_binary

    version = "?"
    try:
        out = subprocess.run([find_binary(), "--version"], capture_output=True, text=True)
        version = re.search(r"/(\d+\.\d+\.\d+)/", out.stdout).group(1)
    except Exception:  # the version is decoration; the run does not depend on it
        pass
    return f"{line}, Envoy {version}"
