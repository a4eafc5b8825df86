"""What logins cost, and what they do to everyone else's cheap RPCs (issue 3).

Run (from the repository root; about half a minute; loopback only):

    .venv/bin/python bench/auth.py                    # 10 s windows after 1 s warm-up
    .venv/bin/python bench/auth.py --duration 20 --concurrency 4 --rate 300
    .venv/bin/python bench/auth.py --database-url postgresql://... --redis-url redis://...

Against the real server (``create_server``, every interceptor; a SQLite file + in-process
ephemeral store by default), with the per-RPC JSON log line on (to /dev/null), measures
  (i)   LogInWithEmail throughput: ``--concurrency`` logins in flight, back to back; each
        verifies an argon2id hash (~67 ms of CPU, off the event loop);
  (ii)  GetCurrentUser at a fixed rate (``--rate`` calls/s, open loop: latency counts from
        when a call was due), nothing else running;
  (iii) the same while another process signs a second user in ``--login-rate`` times a
        second (paced), starting with (iii) and outlasting it by a second.
Every login claims its own client address in X-Forwarded-For (trusted from loopback), so the
per-IP login limit (60/min) doesn't refuse the benchmark. Each load runs in its own fresh
process; the server runs in this one, and each row starts after a full garbage collection.
Prints QPS and p50/p99 per row, the server's full (generation 2) garbage collections during
the row and their longest pause (one such pause can decide a p99), the background login rate
achieved, and ``p99 (iii)/(ii)`` (goal <= 1.10: p99 rises by at most 10%).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from harness import (
    GET_CURRENT_USER,
    PASSWORD,
    full_collections,
    measure,
    real_server,
    rpc_log_to_devnull,
    sign_up,
    versions,
)

LOG_IN = "/privexbot.v1.AuthService/LogInWithEmail"


async def main(opts) -> int:
    from privexbot.v1 import auth_pb2

    common = {"warmup": opts.warmup, "duration": opts.duration}
    with rpc_log_to_devnull() as rpc_log, tempfile.TemporaryDirectory(prefix="privexbot-") as tmp:
        rpc_log(True)
        running = await real_server(Path(tmp), opts.database_url, opts.redis_url)
        target = f"127.0.0.1:{running.port}"
        try:
            prober = await sign_up(target, "prober")
            # Logins are another user's, as in production: they don't touch the prober's data.
            login_user = await sign_up(target, "login")
            login = auth_pb2.LogInWithEmailRequest(email=login_user.email, password=PASSWORD)
            logins = dict(
                target=target,
                method=LOG_IN,
                payload=login.SerializeToString(),
                metadata=(),
                distinct_ips=True,
            )
            probe = dict(
                target=target,
                method=GET_CURRENT_USER,
                payload=b"",
                metadata=prober.auth,
                concurrency=1,
                rate=opts.rate,
                **common,
            )
            with full_collections() as alone_gc:
                alone = await measure("grpc", probe)
            background = dict(
                logins,
                concurrency=1,
                rate=opts.login_rate,
                warmup=0.0,
                duration=opts.warmup + opts.duration + 1,
            )
            with full_collections() as loaded_gc:
                loaded, behind = await asyncio.gather(
                    measure("grpc", probe), measure("grpc", background)
                )
            with full_collections() as throughput_gc:
                throughput = await measure(
                    "grpc", dict(logins, concurrency=opts.concurrency, **common)
                )
        finally:
            await running.stop(0)

    backend = opts.database_url.partition("://")[0] or "sqlite+aiosqlite (file)"
    print(f"PrivexBot auth — {versions(envoy=False)}")
    print(
        f"real server over {backend}, ephemeral store {'redis' if opts.redis_url else 'in-process'};"
        " per-RPC JSON log line on"
    )
    print(
        f"{opts.warmup:g} s warm-up + {opts.duration:g} s measured per row;"
        " one fresh client process per load"
    )
    print()
    rows = [
        (f"(i)   LogInWithEmail, {opts.concurrency} in flight", throughput, throughput_gc),
        (f"(ii)  GetCurrentUser at {opts.rate:g}/s, alone", alone, alone_gc),
        (
            f"(iii) GetCurrentUser at {opts.rate:g}/s + {opts.login_rate:g} logins/s",
            loaded,
            loaded_gc,
        ),
        (f"      the background logins ({opts.login_rate:g}/s paced)", behind, None),
    ]
    print(f"{'load':<52} {'QPS':>8} {'p50 ms':>8} {'p99 ms':>8}  server full GCs")
    for label, r, pauses in rows:
        gcs = ""
        if pauses is not None:
            gcs = f"{len(pauses)}" + (f" (max {max(pauses) * 1000:.0f} ms)" if pauses else "")
        print(f"{label:<52} {r['qps']:>8.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}  {gcs}")
    print()
    ratio = loaded["p99_ms"] / alone["p99_ms"]
    print(
        f"GetCurrentUser p99 with/without background logins: {alone['p99_ms']:.2f} ->"
        f" {loaded['p99_ms']:.2f} ms, ratio {ratio:.2f}  (goal <= 1.10)"
    )
    print(f"login throughput: {throughput['qps']:.1f}/s at {opts.concurrency} in flight")
    return 0


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per row")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds first")
    parser.add_argument("--concurrency", type=int, default=8, help="(i) logins in flight")
    parser.add_argument("--rate", type=float, default=200.0, help="(ii, iii) GetCurrentUser/s")
    parser.add_argument("--login-rate", type=float, default=5.0, help="(iii) background logins/s")
    parser.add_argument(
        "--database-url", default="", help="the server's database (default: a SQLite file)"
    )
    parser.add_argument("--redis-url", default="", help="ephemeral store (default: in-process)")
    opts = parser.parse_args(argv)
    if (
        opts.duration <= 0
        or opts.warmup < 0
        or opts.concurrency < 1
        or opts.rate <= 0
        or opts.login_rate <= 0
    ):
        parser.error("--duration, --rate, --login-rate > 0, --warmup >= 0, --concurrency >= 1")
    return opts


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
