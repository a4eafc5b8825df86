"""What logins cost, and what they do to everyone else's cheap RPCs (issue 3).

Run (from the repository root; about 90 seconds; loopback only):

    .venv/bin/python bench/auth.py                    # 60 s window of 0.5 s slices, 1 s warm-up
    .venv/bin/python bench/auth.py --duration 120 --slice 1 --concurrency 4 --rate 300
    .venv/bin/python bench/auth.py --database-url postgresql://... --redis-url redis://...
    .venv/bin/python bench/auth.py --background cheap  # the control: see (iii)

Against the real server (``create_server``, every interceptor; a SQLite file + in-process
ephemeral store by default), with the per-RPC JSON log line on (to /dev/null), measures
  (i)   LogInWithEmail throughput: ``--concurrency`` logins in flight, back to back, for
        10 s; each verifies an argon2id hash (off the event loop);
  (ii)  GetCurrentUser at a fixed rate (``--rate`` calls/s, open loop: latency counts from
        when a call was due) in half the slices of one window cut into ``--slice`` s slices
        (one of each pair of neighbours, which one drawn per pair: ``harness.side_of``), when
        nothing else runs;
  (iii) the same calls in the other half, in which another process signs a second user in
        ``--login-rate`` times a second (paced). Calls due in a slice's first 0.15 s count for
        neither row: a login of the slice before may still be running. ``--background cheap``
        makes the second process's calls GetCurrentUser (as the login user), paced the same:
        what any second client's calls do, against which a login's own cost shows.
Every login claims its own client address in X-Forwarded-For (trusted from loopback), so the
per-IP login limit (60/min) doesn't refuse the benchmark. Each load runs in its own
fresh process; the server runs in this one, after a full garbage collection and one log-in
(which starts the sign-in worker process, identity/sign_in_process.py).
Prints QPS and p50/p99 per row, the server's full (generation 2) garbage collections during
the row and their longest pause (one such pause can decide a p99), the background login rate
achieved in the loaded slices, and ``p99 (iii)/(ii)`` (goal <= 1.10: p99 rises by at most 10%)
with its 90% interval (``p99_ratio_interval``) and what that says of the goal: met (all of the
interval at or under it), missed (all over) or not told apart by this window (figures and
how they were reached: bench/README.md).
Also, per row, the CPU time of the server's event-loop thread (ms per second) and the share of
the row's time in which some runnable task on the machine waited for a CPU (Linux PSI,
/proc/pressure/cpu). From (ii) and (iii): the event-loop CPU time one background login adds,
and the probe's p99 inside the server (its per-RPC log line's ``duration_ms``), which tells
time spent serving the call from time spent getting it to and from the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path

from harness import (
    GET_CURRENT_USER,
    PASSWORD,
    SLICE_GUARD,
    full_collections,
    measure,
    p99_rank,
    real_server,
    rpc_log_to_devnull,
    side_of,
    sign_up,
    slice_side,
    summary,
    versions,
)

LOG_IN = "/privexbot.v1.AuthService/LogInWithEmail"
THROUGHPUT_SECONDS = 10.0  # (i): every core busy hashing; long enough for a steady rate
GOAL = 1.10  # issue 3: a cheap RPC's p99 rises by at most 10% beside 5 logins/s
# A bootstrap over fewer slice pairs than this has too few blocks to bound the ratio: two 12 s
# windows (12 pairs) gave 0.66-5.12 and 1.19-4.27 ("missed"), where 480 and 800 s windows of
# the same code gave 0.99-1.17 and 0.94-1.30.
MIN_PAIRS = 30


def _stalled_us() -> int | None:
    """Microseconds in which some runnable task waited for a CPU, since boot (Linux PSI)."""
    try:
        with open("/proc/pressure/cpu") as f:
            return int(f.readline().rsplit("total=", 1)[1])
    except (OSError, IndexError, ValueError):
        return None


@contextlib.contextmanager
def cpu_use():
    """Yields a dict that gets, on exit: ``seconds`` (wall), ``loop_ms`` and ``loop_ms_per_s``
    (CPU time of this thread, which runs the server's event loop) and ``stalled`` (PSI
    share, or None)."""
    out: dict = {}
    wall, cpu, stalled = time.perf_counter(), time.thread_time(), _stalled_us()
    try:
        yield out
    finally:
        _use(out, time.perf_counter() - wall, time.thread_time() - cpu, stalled, _stalled_us())


def _use(out: dict, seconds: float, cpu_s: float, stalled_before, stalled_after) -> dict:
    out["seconds"] = seconds
    out["loop_ms"] = cpu_s * 1000
    out["loop_ms_per_s"] = out["loop_ms"] / seconds
    out["stalled"] = (
        None
        if stalled_before is None or stalled_after is None
        else (stalled_after - stalled_before) / 1e6 / seconds
    )
    return out


class ServerTimes:
    """A stream for the server's per-RPC log lines that keeps, for each GetCurrentUser, when
    the server began it (``time.monotonic()``) and how long it took there (``duration_ms``:
    from the first interceptor in to the last out), and writes every line on to ``then``.
    Only ``principal``'s calls count: the ``--background cheap`` control makes others."""

    def __init__(self, then, principal: str) -> None:
        self.then, self.principal = then, principal
        self.calls: list[tuple[float, float]] = []  # (started, seconds)

    def write(self, text: str) -> None:
        if GET_CURRENT_USER in text:
            fields = json.loads(text)
            if fields["principal"] == self.principal:
                seconds = fields["duration_ms"] / 1000
                self.calls.append((time.monotonic() - seconds, seconds))
        self.then.write(text)

    def p99(self, begin: float, slice_s: float, side: int) -> float:
        """p99 (ms) of the calls begun in the slices of one side (past the guard)."""
        times = [s for started, s in self.calls if slice_side(started, begin, slice_s) == side]
        return summary(times, duration=1.0)["p99_ms"]


def p99_ratio_interval(pairs: list, confidence: float = 0.9, resamples: int = 2000) -> tuple:
    """How far one window's p99 ratio (loaded slices over alone) can be trusted: a paired
    block bootstrap. Each resample draws the window's slice pairs (a slice alone and the
    loaded one beside it) with replacement and takes its own ratio; the interval holds the middle
    ``confidence`` of those. Blocks of a slice keep a burst of the machine's own noise (a
    neighbour's load, the host's steal) whole, as it was in the window, so the interval is as
    wide as such bursts make the ratio uncertain."""
    import numpy as np

    draw = np.random.default_rng(0)
    sides = [[np.asarray(pair[side]) for pair in pairs] for side in (0, 1)]

    def p99(slices, picked) -> float:  # as ``summary`` picks it, by a partial sort
        latencies = np.concatenate([slices[i] for i in picked])
        rank = p99_rank(len(latencies))
        return np.partition(latencies, rank)[rank]

    ratios = []
    for _ in range(resamples):
        picked = draw.integers(len(pairs), size=len(pairs))
        ratios.append(p99(sides[1], picked) / p99(sides[0], picked))
    ratios.sort()
    tail = (1 - confidence) / 2
    return float(ratios[int(resamples * tail)]), float(ratios[int(resamples * (1 - tail)) - 1])


async def per_slice(start_at: float, warmup: float, duration: float, slice_s: float) -> tuple:
    """``cpu_use`` figures summed over the slices alone and over the loaded ones of a ``pace``
    window (read at every slice boundary)."""
    psi = _stalled_us() is not None
    sums = [[0.0, 0.0, 0], [0.0, 0.0, 0]]  # per side: seconds, CPU seconds, stalled us
    begin = start_at + warmup
    before = None
    for k in range(round(duration / slice_s) + 1):
        await asyncio.sleep(max(0.0, begin + k * slice_s - time.monotonic()))
        now = time.monotonic(), time.thread_time(), _stalled_us() if psi else 0
        if before is not None:
            side = sums[side_of(k - 1)]
            for i in range(3):
                side[i] += now[i] - before[i]
        before = now
    return tuple(
        _use({}, seconds, cpu_s, 0 if psi else None, stalled_us if psi else None)
        for seconds, cpu_s, stalled_us in sums
    )


async def main(opts) -> int:
    import grpc

    from privexbot import logs
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
            # The first log-in starts the sign-in worker process (a second or two of it);
            # the window measures the steady state, so that happens before it.
            async with grpc.aio.insecure_channel(target) as channel:
                await channel.unary_unary(LOG_IN)(login.SerializeToString())
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
                refresh_token=prober.session.refresh_token,  # a window may outlast its token
                concurrency=1,
                rate=opts.rate,
            )
            background = logins
            if opts.background == "cheap":  # the control: the probe's call, as the login user
                background = dict(
                    probe,
                    metadata=login_user.auth,
                    refresh_token=login_user.session.refresh_token,
                    distinct_ips=True,
                )
            # Both loads and the slice meter share one window on the machine's monotonic clock;
            # the lead gives the two load processes time to start.
            window = dict(start_at=time.monotonic() + 3.0, slice_s=opts.slice, **common)
            prober_name = auth_pb2.CurrentUser.FromString(prober.current_user).user.name
            server_times = logs.rpc_log.stream = ServerTimes(logs.rpc_log.stream, prober_name)
            with full_collections() as window_gc:
                probed, behind, sliced = await asyncio.gather(
                    measure("grpc", dict(probe, **window)),
                    measure(
                        "grpc",
                        dict(
                            background,
                            concurrency=1,
                            rate=opts.login_rate,
                            loaded_only=True,
                            **window,
                        ),
                    ),
                    per_slice(**window),
                )
            logs.rpc_log.stream = server_times.then
            with full_collections() as throughput_gc, cpu_use() as throughput_cpu:
                throughput = await measure(
                    "grpc",
                    dict(
                        logins,
                        concurrency=opts.concurrency,
                        warmup=opts.warmup,
                        duration=THROUGHPUT_SECONDS,
                    ),
                )
        finally:
            await running.stop(0)

    begin = window["start_at"] + opts.warmup  # the measured window's first slice

    def collections(pauses: list, side: int | None = None) -> list[float]:
        """The pauses of the collections in the slices of one side (None: all)."""
        return [
            pause
            for started, pause in pauses
            if side is None or slice_side(started, begin, opts.slice, guard=0) == side
        ]

    alone, loaded = probed["alone"], probed["loaded"]
    calls = "logins" if opts.background == "logins" else "cheap calls"
    backend = opts.database_url.partition("://")[0] or "sqlite+aiosqlite (file)"
    print(f"PrivexBot auth — {versions(envoy=False)}")
    print(
        f"real server over {backend}, ephemeral store {'redis' if opts.redis_url else 'in-process'};"
        " per-RPC JSON log line on"
    )
    print(
        f"{opts.warmup:g} s warm-up + {opts.duration:g} s measured"
        f" ((i): {THROUGHPUT_SECONDS:g} s); (ii) and (iii): {opts.slice:g} s slices of one"
        " window, one of each per pair in a drawn order; one fresh client process per load"
    )
    print()
    rows = [
        (
            f"(i)   LogInWithEmail, {opts.concurrency} in flight",
            throughput,
            collections(throughput_gc),
            throughput_cpu,
        ),
        (
            f"(ii)  GetCurrentUser at {opts.rate:g}/s, alone",
            alone,
            collections(window_gc, 0),
            sliced[0],
        ),
        (
            f"(iii) GetCurrentUser at {opts.rate:g}/s + {opts.login_rate:g} {calls}/s",
            loaded,
            collections(window_gc, 1),
            sliced[1],
        ),
        (
            f"      the background {calls} ({opts.login_rate:g}/s paced)",
            dict(behind, qps=behind["qps"] * 2),  # they run in half the window
            None,
            None,
        ),
    ]
    print(
        f"{'load':<52} {'QPS':>8} {'p50 ms':>8} {'p99 ms':>8} {'loop ms/s':>9} {'stalled':>7}"
        "  server full GCs"
    )
    for label, r, pauses, cpu in rows:
        gcs = loop = stalled = ""
        if pauses is not None:
            gcs = f"{len(pauses)}" + (f" (max {max(pauses) * 1000:.0f} ms)" if pauses else "")
        if cpu is not None:
            loop = f"{cpu['loop_ms_per_s']:.0f}"
            stalled = "?" if cpu["stalled"] is None else f"{cpu['stalled']:.0%}"
        print(
            f"{label:<52} {r['qps']:>8.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}"
            f" {loop:>9} {stalled:>7}  {gcs}"
        )
    print()
    ratio = loaded["p99_ms"] / alone["p99_ms"]
    low, high = p99_ratio_interval(probed["pairs"])
    verdict = (
        f"too few slice pairs to tell (fewer than {MIN_PAIRS}): a longer --duration"
        if len(probed["pairs"]) < MIN_PAIRS
        else "goal met"
        if high <= GOAL
        else "goal missed"
        if low > GOAL
        else "this window can't tell: a longer --duration narrows the interval"
    )
    print(
        f"GetCurrentUser p99 with/without background {calls}: {alone['p99_ms']:.2f} ->"
        f" {loaded['p99_ms']:.2f} ms, ratio {ratio:.2f}  (goal <= {GOAL:.2f})"
    )
    print(
        f"  90% interval of the ratio: {low:.2f}-{high:.2f} (block bootstrap over the window's"
        f" {len(probed['pairs'])} slice pairs): {verdict}"
    )
    inside = [server_times.p99(begin, opts.slice, side) for side in (0, 1)]
    print(
        "  its p99 in the server (first interceptor in to last out):"
        f" {inside[0]:.2f} -> {inside[1]:.2f} ms"
    )
    # The loaded slices serve the probe's calls and the logins; the others the probe's alone.
    per_login = (sliced[1]["loop_ms"] - sliced[0]["loop_ms"]) / behind["calls"]
    print(f"event-loop CPU per background call: {per_login:.1f} ms (iii minus ii)")
    print(f"login throughput: {throughput['qps']:.1f}/s at {opts.concurrency} in flight")
    return 0


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration", type=float, default=60.0, help="measured seconds per load (both slices)"
    )
    parser.add_argument("--slice", type=float, default=0.5, help="(ii, iii) seconds per slice")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds first")
    parser.add_argument("--concurrency", type=int, default=8, help="(i) logins in flight")
    parser.add_argument("--rate", type=float, default=200.0, help="(ii, iii) GetCurrentUser/s")
    parser.add_argument("--login-rate", type=float, default=5.0, help="(iii) background calls/s")
    parser.add_argument(
        "--background",
        choices=("logins", "cheap"),
        default="logins",
        help="(iii) what the second process calls: logins, or GetCurrentUser as another user"
        " (a control: what any second client's calls do to the probe)",
    )
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
        or opts.slice <= SLICE_GUARD
        or opts.duration < 2 * opts.slice
    ):
        parser.error(
            "--duration, --rate, --login-rate > 0, --warmup >= 0, --concurrency >= 1,"
            f" --slice > {SLICE_GUARD}, --duration >= 2 slices"
        )
    return opts


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
