"""What the platform costs per RPC: bare grpc.aio vs the real server vs the real server via Envoy.

Run (from the repository root; about a minute; loopback only):

    .venv/bin/python bench/rpc_overhead.py                # 16 in flight, 5 s after 1 s warm-up
    .venv/bin/python bench/rpc_overhead.py --duration 10 --concurrency 32

Measures QPS and p50/p99 latency of
  (a)  a bare grpc.aio server: one generic unary handler, identity (bytes) serializers, no
       interceptors, replying with as many bytes as (b)'s CurrentUser;
  (b0) the real interceptor chain (``privexbot.app.interceptors``: request id + log line,
       errors, JWT authentication, limits/validation, authorization) around a handler that
       returns a canned CurrentUser: what the platform costs before any domain work;
  (c0) (b0) through Envoy REST: what Envoy adds, without the handler's jitter;
  (b)  AuthService.GetCurrentUser on the real server (``create_server``: every interceptor,
       JWT check, SQLite file + in-process ephemeral store, the embedded defaults), one
       signed-up user, with the per-RPC JSON log line on (to /dev/null) as ``serve`` logs;
  (b') the same with the per-RPC log line off (logging below INFO);
  (c)  the same RPC through Envoy REST (``GET /v1/auth/me``, HTTP/1.1 keep-alive, one
       connection per in-flight call).
Each load runs in its own fresh process (so the client never shares the server's event
loop), with N concurrent in-flight calls for a fixed time after a warm-up; then again with
one call in flight, which is the per-hop latency Envoy adds. Servers run in this process.
Prints a table and the ratios: ``b/a`` (goal >= 0.7), ``b0/a`` (the interceptors alone)
and ``Envoy adds p50`` (c - b, goal <= 1 ms; and c0 - b0).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import re
import secrets
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

ECHO_METHOD = "/bench.Echo/Echo"
GET_CURRENT_USER = "/privexbot.v1.AuthService/GetCurrentUser"
PASSWORD = "correct horse battery staple 42"


# ---- load generators: run in a separate, freshly spawned process -------------------------


def _summary(latencies: list[float], duration: float) -> dict:
    latencies.sort()
    n = len(latencies)
    if not n:
        raise RuntimeError("no call completed in the measured window")
    return {
        "calls": n,
        "qps": n / duration,
        "p50_ms": latencies[n // 2] * 1000,
        "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000,
    }


async def _drive(one_call, concurrency: int, warmup: float, duration: float) -> dict:
    """``concurrency`` workers call back to back; keep latencies of calls started in the
    measured window. Bounded: every worker stops at the window's end."""
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
    return _summary(latencies, duration)


async def _grpc_load(target, method, payload, metadata, concurrency, warmup, duration) -> dict:
    import grpc

    async with grpc.aio.insecure_channel(target) as channel:
        call = channel.unary_unary(method)  # no serializers: bytes in, bytes out

        async def one_call(_slot, _state):
            reply = await call(payload, metadata=metadata, timeout=10)
            if not reply:
                raise RuntimeError(f"{method}: empty reply")

        await one_call(0, {})  # fail fast (bad token, wrong method) before measuring
        return await _drive(one_call, concurrency, warmup, duration)


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


async def _http_load(host, port, path, headers, concurrency, warmup, duration) -> dict:
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
        return await _drive(one_call, concurrency, warmup, duration)
    finally:
        for _, writer in connections:
            writer.close()


def run_load(kind: str, args: dict) -> dict:
    """Entry point of a load process."""
    if kind == "grpc":
        return asyncio.run(_grpc_load(**args))
    return asyncio.run(_http_load(**args))


# ---- servers: run in this process --------------------------------------------------------


async def bare_echo_server(reply_size: int):
    import grpc

    reply = b"x" * reply_size

    async def echo(_request: bytes, _context) -> bytes:
        return reply

    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
            )
        ]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port


async def real_server(tmp: Path, database_url: str = "", redis_url: str = ""):
    from privexbot import config
    from privexbot.app import create_server
    from privexbot.store import migrate

    database_url = database_url or f"sqlite+aiosqlite:///{tmp}/privexbot.db"
    await asyncio.to_thread(migrate.upgrade, database_url)
    settings = config.load(
        environ={},
        database_url=database_url,
        redis_url=redis_url,
        grpc_address="127.0.0.1:0",
        milvus_uri=str(tmp / "milvus.db"),
    )
    running = await create_server(settings)
    await _wait_serving(f"127.0.0.1:{running.port}")
    return running


async def interceptors_only_server(settings, current_user: bytes):
    """The real interceptor chain (own Platform over the same database) around a handler
    that answers GetCurrentUser with a canned reply: no domain code, no SQL."""
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    from privexbot.app import interceptors, server_options
    from privexbot.platform import Platform
    from privexbot.v1 import auth_pb2

    platform = await Platform.create(settings)
    reply = auth_pb2.CurrentUser.FromString(current_user)

    async def canned(_request, _context):
        return reply

    server = grpc.aio.server(
        interceptors=interceptors(platform), options=server_options(settings, False)
    )
    handler = grpc.unary_unary_rpc_method_handler(
        canned,
        request_deserializer=auth_pb2.GetCurrentUserRequest.FromString,
        response_serializer=auth_pb2.CurrentUser.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                "privexbot.v1.AuthService", {"GetCurrentUser": handler}
            )
        ]
    )
    checks = health.aio.HealthServicer()  # so Envoy's active health check passes (c0)
    health_pb2_grpc.add_HealthServicer_to_server(checks, server)
    await checks.set("", health_pb2.HealthCheckResponse.SERVING)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port, platform


async def _wait_serving(target: str) -> None:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for _ in range(200):
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=""))
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                return
            await asyncio.sleep(0.05)
    raise TimeoutError("the real server never became SERVING")


async def sign_up(target: str) -> tuple[str, bytes]:
    """A user's access token, and their serialized CurrentUser."""
    import grpc

    from privexbot.v1 import auth_pb2, auth_pb2_grpc

    async with grpc.aio.insecure_channel(target) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        session = await stub.SignUpWithEmail(
            auth_pb2.SignUpWithEmailRequest(
                email=f"bench-{secrets.token_hex(4)}@example.com",
                password=PASSWORD,
                display_name="bench",
            )
        )
        me = await stub.GetCurrentUser(
            auth_pb2.GetCurrentUserRequest(),
            metadata=(("authorization", f"Bearer {session.access_token}"),),
        )
    return session.access_token, me.SerializeToString()


# ---- orchestration -----------------------------------------------------------------------


@dataclass
class Row:
    label: str
    concurrency: int
    result: dict


async def measure(kind: str, load_args: dict) -> dict:
    """One load run in a fresh process; this loop keeps serving meanwhile."""
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return await loop.run_in_executor(pool, run_load, kind, load_args)


def _versions() -> str:
    import grpc

    from privexbot.edge import find_binary

    envoy = "?"
    try:
        import subprocess

        out = subprocess.run([find_binary(), "--version"], capture_output=True, text=True)
        envoy = re.search(r"/(\d+\.\d+\.\d+)/", out.stdout).group(1)
    except Exception:  # the version is decoration; the run does not depend on it
        pass
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, grpcio {grpc.__version__},"
        f" Envoy {envoy}"
    )


async def main(opts) -> int:
    from privexbot.edge import Envoy
    from privexbot.logs import JsonFormatter

    # The per-RPC log line, as `privexbot serve` writes it (JSON), into /dev/null.
    devnull = open(os.devnull, "w")  # noqa: ASYNC230 — once, before any load
    handler = logging.StreamHandler(devnull)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]

    def rpc_log(on: bool) -> None:
        root.setLevel(logging.INFO if on else logging.WARNING)

    rows: list[Row] = []
    levels = sorted({opts.concurrency, 1}, reverse=True)
    common = {"warmup": opts.warmup, "duration": opts.duration}

    with tempfile.TemporaryDirectory(prefix="privexbot-bench-") as tmp:
        rpc_log(False)
        running = await real_server(Path(tmp), opts.database_url, opts.redis_url)
        real_target = f"127.0.0.1:{running.port}"
        token, current_user = await sign_up(real_target)
        reply_size = len(current_user)
        auth = (("authorization", f"Bearer {token}"),)

        server, port = await bare_echo_server(reply_size)
        try:
            for n in levels:
                args = dict(
                    target=f"127.0.0.1:{port}",
                    method=ECHO_METHOD,
                    payload=b"",
                    metadata=(),
                    concurrency=n,
                    **common,
                )
                rows.append(Row("(a)  bare grpc.aio echo", n, await measure("grpc", args)))
        finally:
            await server.stop(0)

        rpc_log(True)
        server, port, platform = await interceptors_only_server(
            running.platform.settings, current_user
        )
        try:
            for n in levels:
                args = dict(
                    target=f"127.0.0.1:{port}",
                    method=GET_CURRENT_USER,
                    payload=b"",
                    metadata=auth,
                    concurrency=n,
                    **common,
                )
                rows.append(
                    Row("(b0) interceptors only, canned reply", n, await measure("grpc", args))
                )
            canned_edge = Envoy(
                "127.0.0.1", port, port=0, admin_port=0, concurrency=opts.envoy_concurrency
            )
            await canned_edge.astart()
            try:
                for n in levels:
                    args = dict(
                        host="127.0.0.1",
                        port=canned_edge.port,
                        path="/v1/auth/me",
                        headers={"authorization": f"Bearer {token}"},
                        concurrency=n,
                        **common,
                    )
                    rows.append(Row("(c0) the same via Envoy REST", n, await measure("http", args)))
            finally:
                await canned_edge.astop()
        finally:
            await server.stop(0)
            await platform.close()

        envoy = Envoy(
            "127.0.0.1", running.port, port=0, admin_port=0, concurrency=opts.envoy_concurrency
        )
        try:
            for n in levels:
                args = dict(
                    target=real_target,
                    method=GET_CURRENT_USER,
                    payload=b"",
                    metadata=auth,
                    concurrency=n,
                    **common,
                )
                rpc_log(True)
                rows.append(Row("(b)  GetCurrentUser, real server", n, await measure("grpc", args)))
                if n == opts.concurrency:
                    rpc_log(False)
                    rows.append(
                        Row("(b') same, no per-RPC log line", n, await measure("grpc", args))
                    )
            rpc_log(True)
            await envoy.astart()
            for n in levels:
                args = dict(
                    host="127.0.0.1",
                    port=envoy.port,
                    path="/v1/auth/me",
                    headers={"authorization": f"Bearer {token}"},
                    concurrency=n,
                    **common,
                )
                rows.append(
                    Row("(c)  GET /v1/auth/me via Envoy REST", n, await measure("http", args))
                )
        finally:
            await envoy.astop()
            await running.stop(0)
            devnull.close()

    def get(prefix: str, n: int) -> dict:
        return next(r.result for r in rows if r.label.startswith(prefix) and r.concurrency == n)

    print(f"PrivexBot RPC overhead — {_versions()}")
    print(
        f"{opts.warmup:g} s warm-up + {opts.duration:g} s measured per row; reply {reply_size} B;"
        f" Envoy --concurrency {opts.envoy_concurrency}; one fresh client process per row"
    )
    backend = opts.database_url.partition("://")[0] or "sqlite+aiosqlite (file)"
    print(
        f"real server over {backend}, ephemeral store {'redis' if opts.redis_url else 'in-process'}"
    )
    print()
    print(f"{'target':<40} {'in flight':>9} {'QPS':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for row in sorted(rows, key=lambda r: -r.concurrency):
        r = row.result
        print(
            f"{row.label:<40} {row.concurrency:>9} {r['qps']:>9.0f} {r['p50_ms']:>8.2f}"
            f" {r['p99_ms']:>8.2f}"
        )
    n = opts.concurrency
    a, i, b, bn, c = (get(k, n) for k in ("(a)", "(b0)", "(b)", "(b')", "(c)"))
    print()
    print(f"b/a   QPS ratio at {n} in flight: {b['qps'] / a['qps']:.2f}  (goal >= 0.7)")
    print(f"b'/a  QPS ratio (no log line):   {bn['qps'] / a['qps']:.2f}")
    print(f"b0/a  QPS ratio (interceptors):  {i['qps'] / a['qps']:.2f}")
    print(f"c/b   QPS ratio (Envoy REST):    {c['qps'] / b['qps']:.2f}")
    c1, b1, c01, b01 = get("(c)", 1), get("(b)", 1), get("(c0)", 1), get("(b0)", 1)
    print(
        f"Envoy adds p50 {c1['p50_ms'] - b1['p50_ms']:.2f} ms at 1 in flight (c - b; goal <= 1 ms);"
        f" {c['p50_ms'] - b['p50_ms']:.2f} ms at {n} in flight"
    )
    print(
        f"Envoy adds p50 {c01['p50_ms'] - b01['p50_ms']:.2f} ms at 1 in flight over the canned"
        f" reply (c0 - b0: Envoy alone, without the handler's jitter)"
    )
    return 0


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per row")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds first")
    parser.add_argument("--concurrency", type=int, default=16, help="calls in flight")
    parser.add_argument(
        "--envoy-concurrency", type=int, default=1, help="Envoy worker threads (default 1)"
    )
    parser.add_argument(
        "--database-url", default="", help="(b, c) over this database (default: a SQLite file)"
    )
    parser.add_argument(
        "--redis-url", default="", help="(b, c) ephemeral store (default: in-process)"
    )
    opts = parser.parse_args(argv)
    if opts.duration <= 0 or opts.warmup < 0 or opts.concurrency < 1:
        parser.error("--duration > 0, --warmup >= 0, --concurrency >= 1")
    return opts


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
