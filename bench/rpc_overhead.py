"""What the platform costs per RPC: bare grpc.aio vs the real server vs the real server via Envoy.

Run (from the repository root; about two minutes; loopback only):

    .venv/bin/python bench/rpc_overhead.py                # 16 in flight, 5 s after 1 s warm-up
    .venv/bin/python bench/rpc_overhead.py --duration 10 --concurrency 32 --rounds 5

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
At N in flight, (a), (b0), (b) and (b') take ``--rounds`` turns, so that the machine's drift
falls on all of them alike; their rows give QPS over all rounds and the median round's p50/p99.
Prints a table and the ratios: ``b/a`` (goal >= 0.7), ``b0/a`` (the interceptors alone)
and ``Envoy adds p50`` (c - b, goal <= 1 ms; and c0 - b0). The ``loop us`` column is the CPU
time this process's event-loop thread (every server here) spent per call: on a shared
machine it varies less than QPS, so ``a/b loop CPU`` is printed as well.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
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


def pooled(rounds: list[dict]) -> dict:
    """One row from several rounds of one load: QPS over all their calls, loop CPU per call
    over all of them, and the median round's p50 and p99."""
    calls = sum(r["calls"] for r in rounds)
    return {
        "calls": calls,
        "qps": calls / sum(r["calls"] / r["qps"] for r in rounds),
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "loop_us": sum(r["loop_us"] * r["calls"] for r in rounds) / calls,
        "rounds": rounds,
    }


# ---- orchestration -----------------------------------------------------------------------


@dataclass
class Row:
    label: str
    concurrency: int
    result: dict


async def main(opts) -> int:
    from privexbot.dev.edge import Envoy

    rows: list[Row] = []
    levels = sorted({opts.concurrency, 1}, reverse=True)
    n_max = opts.concurrency
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

        def grpc_args(target: str, method: str, metadata, n: int) -> dict:
            return dict(
                target=target,
                method=method,
                payload=b"",
                metadata=metadata,
                concurrency=n,
                **common,
            )

        def http_args(port: int, n: int) -> dict:
            headers = {"authorization": f"Bearer {token}"}
            return dict(
                host="127.0.0.1",
                port=port,
                path="/v1/auth/me",
                headers=headers,
                concurrency=n,
                **common,
            )

        echo, echo_port = await bare_echo_server(reply_size)
        canned, canned_port, canned_platform = await interceptors_only_server(
            running.platform.settings, current_user
        )

        def real_server_args(n: int) -> dict:
            return grpc_args(real_target, GET_CURRENT_USER, auth, n)

        # (label, gRPC load args at n in flight, the per-RPC log line on)
        grpc_rows = (
            (
                "(a)  bare grpc.aio echo",
                lambda n: grpc_args(f"127.0.0.1:{echo_port}", ECHO_METHOD, (), n),
                True,
            ),
            (
                "(b0) interceptors only, canned reply",
                lambda n: grpc_args(f"127.0.0.1:{canned_port}", GET_CURRENT_USER, auth, n),
                True,
            ),
            ("(b)  GetCurrentUser, real server", real_server_args, True),
            ("(b') same, no per-RPC log line", real_server_args, False),
        )
        try:
            # At N in flight the gRPC rows take turns, round after round, so that the
            # machine's drift falls on all of them alike; each row pools its rounds.
            turns: dict[str, list] = {label: [] for label, _, _ in grpc_rows}
            for _ in range(opts.rounds):
                for label, args, logged in grpc_rows:
                    rpc_log(logged)
                    turns[label].append(await measure("grpc", args(n_max)))
            rows.extend(Row(label, n_max, pooled(turns[label])) for label, _, _ in grpc_rows)
            if n_max != 1:
                for label, args, logged in grpc_rows[:3]:
                    rpc_log(logged)
                    rows.append(Row(label, 1, await measure("grpc", args(1))))
            rpc_log(True)
            for label, upstream in (
                ("(c0) the same via Envoy REST", canned_port),
                ("(c)  GET /v1/auth/me via Envoy REST", running.port),
            ):
                edge = Envoy(
                    "127.0.0.1", upstream, port=0, admin_port=0, concurrency=opts.envoy_concurrency
                )
                await edge.astart()
                try:
                    for n in levels:
                        rows.append(Row(label, n, await measure("http", http_args(edge.port, n))))
                finally:
                    await edge.astop()
        finally:
            await echo.stop(0)
            await canned.stop(0)
            await canned_platform.close()
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
    per_round = " ".join(
        f"{rb['qps'] / ra['qps']:.2f}" for ra, rb in zip(a["rounds"], b["rounds"], strict=True)
    )
    print(
        f"b/a   QPS ratio at {n} in flight: {b['qps'] / a['qps']:.2f}  (goal >= 0.7;"
        f" rounds {per_round})"
    )
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
        "--rounds", type=int, default=3, help="turns of (a), (b0), (b), (b') at --concurrency"
    )
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
    if opts.duration <= 0 or opts.warmup < 0 or opts.concurrency < 1 or opts.rounds < 1:
        parser.error("--duration > 0, --warmup >= 0, --concurrency >= 1, --rounds >= 1")
    return opts


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
