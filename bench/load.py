"""Chat throughput through Envoy REST: requests/s at rising concurrency, 1 and 2 workers.

Run (from the repository root; a few minutes; loopback only; needs PostgreSQL on
127.0.0.1:5432 and Redis on 127.0.0.1:6379):

    .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --workers 1 --step-seconds 10

The real stack: ``privexbot serve --workers N`` (PostgreSQL, Redis; several workers refuse
embedded state) behind the real Envoy; a published chatbot (no knowledge base) answered by
``bench/upstream.py`` (a BENCHMARK TOOL never used by the product: first token after
``--first-token-ms``, then ``--tokens`` tokens at ``--tokens-per-second``). Visitors chat
with the publishable key over REST (``POST /v1/{bot}:chat``, Server-Sent Events), each
call a new visitor, from a separate load process. Concurrency doubles from 1 until the
first event's p99 passes ``--p99-limit-ms``; each step reports requests/s, the first
event's p50/p99 (request sent → the first event's bytes) and errors.

Anchor (issue 28): Dify's published stress run of its chat API with a mock model,
2.37 req/s with a 43 ms first event. Goal: >= 50 req/s with first-event p50 <= 20 ms, and
workers=2 >= 1.6x workers=1 on a 4-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from harness import p99_rank, scratch_postgres, versions
from stream import bench_upstream, free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple 42"
SITE = "https://shop.example"


# ---- the load process ---------------------------------------------------------------------


async def _one_chat(client, path: str, key: str) -> float:
    """One visitor's chat; seconds from sending to the first event's bytes."""
    body = {"message": "Hello there!", "visitorId": "v-" + secrets.token_hex(6)}
    headers = {"x-publishable-key": key, "origin": SITE}
    began = time.monotonic()
    first = None
    async with client.stream("POST", path, json=body, headers=headers) as reply:
        if reply.status_code != 200:
            raise RuntimeError(f"HTTP {reply.status_code}")
        async for _chunk in reply.aiter_raw():
            if first is None:
                first = time.monotonic() - began
    if first is None:
        raise RuntimeError("no event")
    return first


async def _step(edge: str, path: str, key: str, concurrency: int, seconds: float) -> dict:
    import httpx

    firsts: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=edge, timeout=30, limits=limits) as client:
        warm_until = time.monotonic() + 1.0
        end = warm_until + seconds

        async def visitor() -> None:
            while (now := time.monotonic()) < end:
                try:
                    first = await _one_chat(client, path, key)
                except Exception as exc:  # counted and reported, by kind
                    if now >= warm_until:
                        errors[str(exc)[:60]] = errors.get(str(exc)[:60], 0) + 1
                    continue
                if now >= warm_until:
                    firsts.append(first)

        await asyncio.gather(*(visitor() for _ in range(concurrency)))
    firsts.sort()
    return {
        "concurrency": concurrency,
        "rps": len(firsts) / seconds,
        "p50_ms": 1000 * statistics.median(firsts) if firsts else float("nan"),
        "p99_ms": 1000 * firsts[p99_rank(len(firsts))] if firsts else float("nan"),
        "errors": errors,
    }


def run_step(*args) -> dict:
    return asyncio.run(_step(*args))


# ---- the stack ----------------------------------------------------------------------------


async def _publish_chatbot(edge: str, database_url: str) -> tuple[str, str]:
    """A signed-up user's chatbot, published; its path and publishable key. The user's
    organization is on the enterprise plan (no message quota in the way)."""
    import asyncpg
    import httpx

    async with httpx.AsyncClient(base_url=edge, timeout=30) as rest:
        signed = await rest.post(
            "/v1/auth/email:signUp",
            json={"email": f"load-{secrets.token_hex(4)}@example.com", "password": PASSWORD},
        )
        signed.raise_for_status()
        team = signed.json()
        rest.headers["authorization"] = f"Bearer {team['accessToken']}"
        draft = await rest.post(
            f"/v1/{team['workspace']}/chatbotDrafts",
            json={"config": {"displayName": "Load", "maxTokens": 64, "allowedOrigins": [SITE]}},
        )
        draft.raise_for_status()
        bot = (await rest.post(f"/v1/{draft.json()['name']}:finalize", json={})).json()
        key = (await rest.post(f"/v1/{bot['name']}:rotatePublishableKey", json={})).json()
    database = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    await database.execute("UPDATE organizations SET plan = 'enterprise'")
    await database.close()
    return f"/v1/{bot['name']}:chat", key["publishableKey"]


@contextlib.asynccontextmanager
async def stack(opts, workers: int, database_url: str, upstream: str):
    """``privexbot serve --workers N`` and Envoy in front of it; yields Envoy's URL."""
    from privexbot.dev.devstack import wait_serving
    from privexbot.dev.edge import Envoy
    from privexbot.store import migrate

    await asyncio.to_thread(migrate.upgrade, database_url)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": opts.redis_url,
        # Several workers refuse milvus-lite; chat without a knowledge base never asks it.
        "MILVUS_URI": "http://127.0.0.1:19530",
        "GRPC_ADDRESS": f"127.0.0.1:{port}",
        "INFERENCE_BASE_URL": upstream,
        "INFERENCE_API_KEY": "sk-bench-load",
        "PUBLISHABLE_KEY_CHATS_PER_MINUTE": "100000000",
        "VISITOR_CHATS_PER_MINUTE": "100000000",
        "LOG_LEVEL": "WARNING",
    }
    with tempfile.TemporaryFile() as log:
        server = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "privexbot.cli", "serve", "--workers", str(workers)),
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            await wait_serving(f"127.0.0.1:{port}", within=60)
            async with Envoy("127.0.0.1", port, port=0, admin_port=0) as envoy:
                yield envoy.url
        finally:
            server.terminate()
            await server.wait()


async def main(opts) -> int:
    rows: list[tuple[int, dict]] = []
    loop = asyncio.get_running_loop()
    async with bench_upstream(
        "sk-bench-load",
        *("--first-token-ms", str(opts.first_token_ms), "--tokens", str(opts.tokens)),
        *("--tokens-per-second", str(opts.tokens_per_second)),
    ) as upstream:
        for workers in opts.workers:
            async with scratch_postgres(opts.postgres_admin_url) as admin_url:
                database_url = admin_url.replace("postgresql://", "postgresql+asyncpg://", 1)
                async with stack(opts, workers, database_url, upstream) as edge:
                    path, key = await _publish_chatbot(edge, database_url)
                    concurrency = 1
                    while concurrency <= opts.max_concurrency:
                        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                            step = await loop.run_in_executor(
                                pool, run_step, edge, path, key, concurrency, opts.step_seconds
                            )
                        rows.append((workers, step))
                        print(json.dumps({"workers": workers, **step}), flush=True)
                        if step["p99_ms"] > opts.p99_limit_ms:
                            break
                        concurrency *= 2

    print()
    print(f"PrivexBot chat load through Envoy REST — {versions()}")
    print(
        f"upstream: first token {opts.first_token_ms} ms, {opts.tokens} tokens at"
        f" {opts.tokens_per_second}/s; {opts.step_seconds:g} s per step after 1 s warm-up"
    )
    print(f"{'workers':>7} {'in flight':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  errors")
    for workers, r in rows:
        errors = sum(r["errors"].values())
        print(
            f"{workers:>7} {r['concurrency']:>9} {r['rps']:>8.1f} {r['p50_ms']:>8.1f}"
            f" {r['p99_ms']:>8.1f}  {errors}"
        )
    best = {}
    for workers, r in rows:
        if r["p99_ms"] <= opts.p99_limit_ms and not r["errors"]:
            best[workers] = max(best.get(workers, 0.0), r["rps"])
    print()
    for workers, rps in best.items():
        print(
            f"workers={workers}: best {rps:.1f} req/s with p99 first event <= {opts.p99_limit_ms} ms"
        )
    if len(best) == 2 and best.get(1):
        print(f"workers=2 / workers=1: {best.get(2, 0.0) / best[1]:.2f} ({os.cpu_count()} cores)")
    return 0


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--step-seconds", type=float, default=5.0)
    parser.add_argument("--max-concurrency", type=int, default=64)
    parser.add_argument("--p99-limit-ms", type=float, default=200.0)
    parser.add_argument("--first-token-ms", type=int, default=0)
    parser.add_argument("--tokens", type=int, default=16)
    parser.add_argument("--tokens-per-second", type=float, default=400.0)
    parser.add_argument("--postgres-admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
