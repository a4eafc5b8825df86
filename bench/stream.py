"""What InferenceService.StreamChatCompletion adds to a token stream: time to first token and
per-token gap, through the real server vs calling the upstream directly; 200 concurrent
streams and their error rate; the same figures against the real enclave.

Run (from the repository root; about three minutes; loopback only):

    .venv/bin/python bench/stream.py                      # defaults below
    .venv/bin/python bench/stream.py --samples 200 --load-duration 30
    .venv/bin/python bench/stream.py --no-enclave         # skip (c): no model load

  (a)  the benchmark upstream (``bench/upstream.py``: an OpenAI-compatible server emitting
       ``--tokens-per-second`` tokens/s, a BENCHMARK TOOL never used by the product) called
       directly with the ``openai`` AsyncOpenAI client, streaming;
  (b)  the same completions through ``InferenceService.StreamChatCompletion`` on the real
       server (``create_server``, embedded defaults: SQLite file, in-process store,
       ATTESTATION=off, the per-RPC JSON log line on, to /dev/null), its
       ``INFERENCE_BASE_URL`` pointing at that upstream.
  (a) and (b) alternate, same prompts, same run, one stream at a time (``--samples`` pairs
  of ``--tokens``-token streams after ``--warmup`` unmeasured pairs), from one client process.
  TTFT = request sent to the first token's arrival; gap = time between consecutive tokens'
  arrivals; token latency = arrival minus the upstream's write time stamped into each token
  (CLOCK_MONOTONIC, one host). "added" = (b) minus (a), percentile by percentile.
  Then ``--concurrency`` (200) streams in flight through InferenceService for
  ``--load-duration`` s, once per rate in ``--load-rates`` (tokens/s per stream, default 50
  and 5; a ``[bench: R tokens/s]`` marker in the prompt sets the upstream's rate), each
  worker opening its next stream when one ends (starts spread over the first second), from
  a separate client process: streams, errors (a failed call, or a stream short of its
  tokens or of its finish event) and the error rate; tokens/s relayed, how long a stream
  took against the upstream alone (much longer: the relay is saturated), TTFT and gaps.
  (c)  the real enclave (``privexbot.dev.local_enclave.LocalEnclave``, SmolLM2-135M on these
       cores) direct vs through a second real server pointed at it: the same TTFT/gap table
       over ``--enclave-samples`` pairs of ``--enclave-tokens``-token completions
       (temperature 0, one seed: both sides generate the same tokens).

Servers run in this process; the upstream and the enclave are their own processes; each
load runs in its own freshly spawned process. Goals: added TTFT p50 <= 5 ms, p99 <= 15 ms;
added per-token gap p99 <= 1 ms; 200 concurrent streams with < 0.1% errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import socket
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from harness import bearer, real_server_with, rpc_log_to_devnull, sign_up, versions

HERE = Path(__file__).resolve().parent
MODEL = "smollm2-135m-instruct"
WORDS = (
    "tell me about the weather in a city by the sea and what people do there on a quiet"
    " sunday morning before the markets open and the boats go out"
).split()


def prompts(n: int) -> list[str]:
    """``n`` distinct prompts of 8..28 words, the same for every side."""
    return [f"Question {i}: " + " ".join(WORDS[: 8 + (i * 7) % 21]) + "?" for i in range(n)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


# ---- in the client processes -------------------------------------------------------------


@dataclass
class Sample:
    """One stream as a client saw it (ns, CLOCK_MONOTONIC)."""

    sent: int
    arrivals: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    finished: bool = False

    def ttft(self) -> float:
        return (self.arrivals[0] - self.sent) / 1e9

    def gaps(self) -> list[float]:
        return [(b - a) / 1e9 for a, b in zip(self.arrivals, self.arrivals[1:], strict=False)]

    def latencies(self) -> list[float]:
        """Arrival minus the upstream's stamp, where tokens carry one (the bench upstream)."""
        out = []
        for at, text in zip(self.arrivals, self.texts, strict=True):
            try:
                out.append((at - int(text.strip(), 16)) / 1e9)
            except ValueError:
                return []
        return out


def relay_request(parent: str, prompt: str, max_tokens: int):
    from privexbot.v1 import inference_pb2

    return inference_pb2.StreamChatCompletionRequest(
        parent=parent,
        messages=[
            inference_pb2.ChatCompletionMessage(
                role=inference_pb2.ChatCompletionMessage.ROLE_USER, content=prompt
            )
        ],
        max_tokens=max_tokens,
        temperature=0,
        seed=7,
    )


async def relay_stream(stub, auth, parent: str, prompt: str, max_tokens: int) -> Sample:
    request = relay_request(parent, prompt, max_tokens)
    sample = Sample(time.monotonic_ns())
    async for event in stub.StreamChatCompletion(request, metadata=auth, timeout=120):
        kind = event.WhichOneof("event")
        if kind == "delta":
            sample.arrivals.append(time.monotonic_ns())
            sample.texts.append(event.delta.text)
        elif kind == "finish":
            sample.finished = True
    return sample


async def direct_stream(client, prompt: str, max_tokens: int) -> Sample:
    sample = Sample(time.monotonic_ns())
    stream = await client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        temperature=0,
        seed=7,
        stream=True,
        stream_options={"include_usage": True},
    )
    async with stream:
        async for chunk in stream:
            for choice in chunk.choices:
                if choice.delta and choice.delta.content:
                    sample.arrivals.append(time.monotonic_ns())
                    sample.texts.append(choice.delta.content)
                if choice.finish_reason:
                    sample.finished = True
    return sample


def _figures(samples: list[Sample]) -> dict:
    return {
        "ttft": [s.ttft() for s in samples],
        "gaps": [g for s in samples for g in s.gaps()],
        "latency": [v for s in samples for v in s.latencies()],
        "tokens": [len(s.arrivals) for s in samples],
    }


async def pairs(
    base_url, api_key, target, token, parent, samples, warmup, max_tokens, tokens_alike
) -> dict:
    """(a) direct and (b) relayed, alternating which goes first, one stream at a time."""
    import grpc
    import openai

    from privexbot.v1 import inference_pb2_grpc

    auth = bearer(token)
    direct, relayed = [], []
    client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=120)
    async with client, grpc.aio.insecure_channel(target) as channel:
        stub = inference_pb2_grpc.InferenceServiceStub(channel)
        for i, prompt in enumerate(prompts(warmup + samples)):
            order = ("a", "b") if i % 2 == 0 else ("b", "a")
            got = {}
            for side in order:
                if side == "a":
                    got[side] = await direct_stream(client, prompt, max_tokens)
                else:
                    got[side] = await relay_stream(stub, auth, parent, prompt, max_tokens)
            a, b = got["a"], got["b"]
            for s in (a, b):
                if not s.arrivals or not s.finished:
                    raise RuntimeError(f"a stream ended without tokens or finish: {s}")
            if tokens_alike and len(a.arrivals) != len(b.arrivals):
                raise RuntimeError(f"token counts differ: {len(a.arrivals)} vs {len(b.arrivals)}")
            if i >= warmup:
                direct.append(a)
                relayed.append(b)
    return {"a": _figures(direct), "b": _figures(relayed)}


async def load(target, token, parent, concurrency, duration, max_tokens, rate) -> dict:
    """``concurrency`` workers, each streaming back to back until ``duration`` s have passed
    (starts spread over the first second), ``rate`` tokens/s per stream. Bounded: no stream
    starts after the end; each has a 120 s deadline."""
    import grpc

    from privexbot.v1 import inference_pb2_grpc

    auth = bearer(token)
    ttfts, gaps, durations, errors, done, tokens = [], [], [], {}, [0], [0]
    peak, active = [0], [0]
    texts = [f"{p} [bench: {rate:g} tokens/s]" for p in prompts(concurrency)]
    async with grpc.aio.insecure_channel(target) as channel:
        stub = inference_pb2_grpc.InferenceServiceStub(channel)
        start = time.monotonic()
        end = start + duration

        async def worker(slot: int) -> None:
            await asyncio.sleep(slot / concurrency)
            while time.monotonic() < end:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
                try:
                    s = await relay_stream(stub, auth, parent, texts[slot], max_tokens)
                    tokens[0] += len(s.arrivals)
                    if len(s.arrivals) != max_tokens or not s.finished:
                        kind = f"short stream ({len(s.arrivals)} tokens, finish={s.finished})"
                        errors[kind] = errors.get(kind, 0) + 1
                    else:
                        ttfts.append(s.ttft())
                        gaps.extend(s.gaps())
                        durations.append((s.arrivals[-1] - s.sent) / 1e9)
                        done[0] += 1
                except grpc.aio.AioRpcError as exc:
                    kind = f"{exc.code().name}: {exc.details()}"
                    errors[kind] = errors.get(kind, 0) + 1
                except Exception as exc:  # counted, not raised: the run measures errors
                    kind = type(exc).__name__
                    errors[kind] = errors.get(kind, 0) + 1
                finally:
                    active[0] -= 1

        await asyncio.gather(*(worker(slot) for slot in range(concurrency)))
        elapsed = time.monotonic() - start
    return {
        "ok": done[0],
        "errors": errors,
        "tokens": tokens[0],
        "elapsed": elapsed,
        "ttft": ttfts,
        "gaps": gaps,
        "durations": durations,
        "peak": peak[0],
    }


def run_in_child(kind: str, args: dict) -> dict:
    """Entry point of a client process."""
    return asyncio.run((pairs if kind == "pairs" else load)(**args))


async def in_child(kind: str, args: dict) -> dict:
    """One client run in a freshly spawned process; this loop keeps serving meanwhile."""
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return await loop.run_in_executor(pool, run_in_child, kind, args)


# ---- processes in this run ---------------------------------------------------------------


@contextlib.asynccontextmanager
async def bench_upstream(api_key: str, *options: str):
    """``bench/upstream.py`` (with ``options``) as a child process; yields its base URL
    (``.../v1``)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "upstream.py"), "--port", "0", "--api-key", api_key, *options,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"bench/upstream.py did not start: {line!r}")
        yield line.removeprefix("listening on ") + "/v1"
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), 10)


async def upstream_metrics(base_url: str) -> dict:
    import httpx

    async with httpx.AsyncClient() as client:
        return (await client.get(base_url.removesuffix("/v1") + "/metrics")).json()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---- report ------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value * 1000:8.2f}"


def table(result: dict, direct_label: str, relay_label: str, stamps: bool) -> list[str]:
    a, b = result["a"], result["b"]
    rows = [
        f"{'':<38} {'TTFT p50':>8} {'TTFT p99':>8} {'gap p50':>8} {'gap p99':>8}"
        + (f" {'tok p50':>8} {'tok p99':>8}" if stamps else "")
    ]
    figures = {}
    for label, side in ((direct_label, a), (relay_label, b)):
        f = [percentile(side["ttft"], q) for q in (0.5, 0.99)]
        f += [percentile(side["gaps"], q) for q in (0.5, 0.99)]
        if stamps:
            f += [percentile(side["latency"], q) for q in (0.5, 0.99)]
        figures[label] = f
        rows.append(f"{label:<38} " + " ".join(ms(v) for v in f))
    added = [y - x for x, y in zip(figures[direct_label], figures[relay_label], strict=True)]
    rows.append(f"{'added (b - a)':<38} " + " ".join(ms(v) for v in added))
    result["added"] = added
    return rows


async def main(opts) -> int:
    from privexbot.dev.local_enclave import LocalEnclave, installed

    out: list[str] = [f"PrivexBot streaming — {versions(envoy=False)}"]
    key = "sk-bench-" + secrets.token_hex(8)
    with (
        rpc_log_to_devnull() as rpc_log,
        tempfile.TemporaryDirectory(prefix="privexbot-bench-") as tmp,
    ):
        rpc_log(True)  # the per-RPC JSON line, as `privexbot serve` writes it
        async with bench_upstream(
            key,
            "--tokens-per-second", str(opts.tokens_per_second),
            "--tokens", str(max(opts.tokens, opts.load_tokens)),
            "--first-token-ms", str(opts.first_token_ms),
        ) as base_url:  # fmt: skip
            (Path(tmp) / "a").mkdir()
            running = await real_server_with(
                Path(tmp) / "a", inference_base_url=base_url, inference_api_key=key
            )
            target = f"127.0.0.1:{running.port}"
            try:
                user = await sign_up(target, "stream")
                parent, token = user.session.workspace, user.token
                paired = await in_child(
                    "pairs",
                    dict(
                        base_url=base_url,
                        api_key=key,
                        target=target,
                        token=token,
                        parent=parent,
                        samples=opts.samples,
                        warmup=opts.warmup,
                        max_tokens=opts.tokens,
                        tokens_alike=True,
                    ),
                )
                loads = []
                for rate in opts.load_rates:
                    before = await upstream_metrics(base_url)
                    loaded = await in_child(
                        "load",
                        dict(
                            target=target,
                            token=token,
                            parent=parent,
                            concurrency=opts.concurrency,
                            duration=opts.load_duration,
                            max_tokens=opts.load_tokens,
                            rate=rate,
                        ),
                    )
                    after = await upstream_metrics(base_url)
                    loads.append((rate, loaded, before, after))
            finally:
                await running.stop(0)

        out.append(
            f"benchmark upstream (bench/upstream.py): {opts.tokens_per_second:g} tokens/s, first"
            f" token after {opts.first_token_ms:g} ms; real server: embedded defaults, per-RPC"
            f" log line on"
        )
        out.append(
            f"{opts.samples} pairs of {opts.tokens}-token streams, (a) and (b) alternating, same"
            f" prompts, after {opts.warmup} warm-up pairs; one client process; ms"
        )
        out.append("")
        out += table(paired, "(a) upstream direct (AsyncOpenAI)", "(b) via InferenceService", True)
        added = paired["added"]
        out.append(
            f"added TTFT p50 {added[0] * 1000:.2f} ms (goal <= 5), p99 {added[1] * 1000:.2f} ms"
            f" (goal <= 15); added per-token gap p99 {added[3] * 1000:.2f} ms (goal <= 1);"
            f" added token latency p99 {added[5] * 1000:.2f} ms"
        )

        grand, grand_failed = 0, 0
        for rate, loaded, before, after in loads:
            failed = sum(loaded["errors"].values())
            total = loaded["ok"] + failed
            grand, grand_failed = grand + total, grand_failed + failed
            relayed = loaded["tokens"] / loaded["elapsed"]
            ideal = (opts.first_token_ms / 1000) + (opts.load_tokens - 1) / rate
            took = percentile(loaded["durations"], 0.5)
            out.append("")
            out.append(
                f"{opts.concurrency} concurrent streams via InferenceService,"
                f" {opts.load_tokens} tokens each at {rate:g} tokens/s, for"
                f" {opts.load_duration:g} s (separate client process; peak in flight"
                f" {loaded['peak']}):"
            )
            out.append(
                f"  {total} streams, {failed} errors ({100 * failed / max(1, total):.3f}%);"
                f" upstream saw {after['streams_started'] - before['streams_started']} streams,"
                f" {after['streams_disconnected'] - before['streams_disconnected']} disconnected"
            )
            out.append(
                f"  {relayed:.0f} tokens/s relayed; a stream took {took:.2f} s (p50; the upstream"
                f" alone {ideal:.2f} s)"
                + (": saturated, streams wait to start" if took > 1.25 * ideal else "")
            )
            out.append(
                "  TTFT p50 "
                + " ms, p99 ".join(
                    f"{percentile(loaded['ttft'], q) * 1000:.1f}" for q in (0.5, 0.99)
                )
                + " ms; gap p50 "
                + " ms, p99 ".join(
                    f"{percentile(loaded['gaps'], q) * 1000:.1f}" for q in (0.5, 0.99)
                )
                + " ms"
            )
            for kind, n in sorted(loaded["errors"].items()):
                out.append(f"  error x{n}: {kind}")
        out.append(
            f"error rate over all {grand} concurrent streams:"
            f" {100 * grand_failed / max(1, grand):.3f}% (goal < 0.1%)"
        )

        out.append("")
        if opts.no_enclave:
            out.append("(c) the real enclave: skipped (--no-enclave)")
        elif not installed():
            out.append("(c) the real enclave: skipped (not installed: make install)")
        else:
            out += await enclave_rows(opts, Path(tmp), LocalEnclave)
    print("\n".join(out))
    return 0


async def enclave_rows(opts, tmp: Path, LocalEnclave) -> list[str]:
    key = "sk-bench-enclave-" + secrets.token_hex(8)
    enclave = LocalEnclave(f"http://127.0.0.1:{free_port()}/v1", key, log_path=tmp / "enclave.log")
    started = time.monotonic()
    await enclave.start()
    load_seconds = time.monotonic() - started
    (tmp / "c").mkdir()
    try:
        running = await real_server_with(
            tmp / "c", inference_base_url=enclave.base_url, inference_api_key=key
        )
        target = f"127.0.0.1:{running.port}"
        try:
            user = await sign_up(target, "stream-enclave")
            result = await in_child(
                "pairs",
                dict(
                    base_url=enclave.base_url,
                    api_key=key,
                    target=target,
                    token=user.token,
                    parent=user.session.workspace,
                    samples=opts.enclave_samples,
                    warmup=1,
                    max_tokens=opts.enclave_tokens,
                    tokens_alike=False,  # a multi-byte character may be held a token
                ),
            )
        finally:
            await running.stop(0)
    finally:
        await enclave.stop()
    tokens = result["a"]["tokens"] + result["b"]["tokens"]
    rows = [
        f"(c) the real enclave (SmolLM2-135M, llama.cpp on {os.cpu_count()} cores, loaded in"
        f" {load_seconds:.0f} s): {opts.enclave_samples} pairs of completions of at most"
        f" {opts.enclave_tokens} tokens (temperature 0, one seed; {min(tokens)}-{max(tokens)}"
        f" tokens each), alternating, after 1 warm-up pair; ms",
        "",
    ]
    rows += table(result, "(a) enclave direct (AsyncOpenAI)", "(b) via InferenceService", False)
    return rows


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=100, help="(a)/(b) pairs measured")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured pairs first")
    parser.add_argument("--tokens", type=int, default=16, help="tokens per (a)/(b) stream")
    parser.add_argument("--tokens-per-second", type=float, default=50.0, help="upstream rate")
    parser.add_argument("--first-token-ms", type=float, default=20.0, help="upstream TTFT")
    parser.add_argument("--concurrency", type=int, default=200, help="streams in flight")
    parser.add_argument("--load-duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--load-tokens", type=int, default=32, help="tokens per load stream")
    parser.add_argument(
        "--load-rates",
        default="50,5",
        help="tokens/s per stream of each load run, comma-separated (default 50,5)",
    )
    parser.add_argument("--enclave-samples", type=int, default=10, help="(c) pairs measured")
    parser.add_argument("--enclave-tokens", type=int, default=16, help="(c) max_tokens")
    parser.add_argument("--no-enclave", action="store_true", help="skip (c)")
    opts = parser.parse_args(argv)
    try:
        opts.load_rates = [float(r) for r in opts.load_rates.split(",") if r.strip()]
    except ValueError:
        parser.error("--load-rates: numbers, comma-separated")
    if not opts.load_rates or min(opts.load_rates) <= 0:
        parser.error("--load-rates: at least one, each > 0")
    if min(opts.samples, opts.tokens, opts.concurrency, opts.load_tokens) < 1:
        parser.error("--samples, --tokens, --concurrency, --load-tokens >= 1")
    if opts.enclave_samples < 1 or opts.enclave_tokens < 2 or opts.load_duration <= 0:
        parser.error("--enclave-samples >= 1, --enclave-tokens >= 2, --load-duration > 0")
    if opts.tokens < 2:
        parser.error("--tokens >= 2 (a gap needs two tokens)")
    return opts


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
