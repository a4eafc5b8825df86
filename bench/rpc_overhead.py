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
and ``Envoy adds p50`` (c - b, goal <= 1 ms; and c0 - b0). The ``loop us`` column is the CPU
time this process's event-loop thread (every server here) spent per call: on a shared
machine it varies less than QPS, so ``a/b loop CPU`` is printed as well.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness import (
    GET_CURRENT_USER,
    interceptors_only_server,
    real_server,
    rpc_log_to_devnull,
    sign_up,
    versions,
)

ECHO_METHOD = "/bench.Echo/Echo"


async def measure(kind: str, args: dict) -> dict:
    """``harness.measure``, plus ``loop_us``: this thread's CPU time per call (warm-up calls
    counted at the measured rate)."""
    import harness

    started = time.thread_time()
    result = await harness.measure(kind, args)
    calls = result["qps"] * (args["warmup"] + args["duration"])
    result["loop_us"] = (time.thread_time() - started) / calls * 1e6
    return result


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


# ---- orchestration -----------------------------------------------------------------------


@dataclass
class Row:
    label: str
    concurrency: int
    result: dict


async def main(opts) -> int:
    from privexbot.edge import Envoy

    rows: list[Row] = []
    levels = sorted({opts.concurrency, 1}, reverse=True)
    common = {"warmup": opts.warmup, "duration": opts.duration}

    # rpc_log: the per-RPC log line, as `privexbot serve` writes it (JSON), into /dev/null.
    with (
        rpc_log_to_devnull() as rpc_log,
        tempfile.TemporaryDirectory(prefix="privexbot-bench-") as tmp,
    ):
        running = await real_server(Path(tmp), opts.database_url, opts.redis_url)
        real_target = f"127.0.0.1:{running.port}"
        user = await sign_up(real_target)
        token, current_user, auth = user.token, user.current_user, user.auth
        reply_size = len(current_user)

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

    def get(prefix: str, n: int) -> dict:
        return next(r.result for r in rows if r.label.startswith(prefix) and r.concurrency == n)

    print(f"PrivexBot RPC overhead — {versions()}")
    print(
        f"{opts.warmup:g} s warm-up + {opts.duration:g} s measured per row; reply {reply_size} B;"
        f" Envoy --concurrency {opts.envoy_concurrency}; one fresh client process per row"
    )
    backend = opts.database_url.partition("://")[0] or "sqlite+aiosqlite (file)"
    print(
        f"real server over {backend}, ephemeral store {'redis' if opts.redis_url else 'in-process'}"
    )
    print()
    print(f"{'target':<40} {'in flight':>9} {'QPS':>9} {'p50 ms':>8} {'p99 ms':>8} {'loop us':>8}")
    for row in sorted(rows, key=lambda r: -r.concurrency):
        r = row.result
        print(
            f"{row.label:<40} {row.concurrency:>9} {r['qps']:>9.0f} {r['p50_ms']:>8.2f}"
            f" {r['p99_ms']:>8.2f} {r['loop_us']:>8.0f}"
        )
    n = opts.concurrency
    a, i, b, bn, c = (get(k, n) for k in ("(a)", "(b0)", "(b)", "(b')", "(c)"))
    print()
    print(f"b/a   QPS ratio at {n} in flight: {b['qps'] / a['qps']:.2f}  (goal >= 0.7)")
    print(f"b'/a  QPS ratio (no log line):   {bn['qps'] / a['qps']:.2f}")
    print(f"b0/a  QPS ratio (interceptors):  {i['qps'] / a['qps']:.2f}")
    print(f"c/b   QPS ratio (Envoy REST):    {c['qps'] / b['qps']:.2f}")
    print(
        f"a/b   loop CPU per call:          {a['loop_us'] / b['loop_us']:.2f}"
        f"  (a/b0 {a['loop_us'] / i['loop_us']:.2f}, a/b' {a['loop_us'] / bn['loop_us']:.2f})"
    )
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
