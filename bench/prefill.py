"""The enclave's prompt evaluation (prefill): tokens/s before and after, in one run, beside
the CPU's arithmetic limit and llama.cpp's own llama-bench; then Chat's first token through
two real enclaves, today's configuration and the new one.

Run (from the repository root; about 5 minutes; loopback only; needs the enclave installed):

    .venv/bin/python bench/prefill.py
    .venv/bin/python bench/prefill.py --before-python /old/venv/bin/python \
        --llama-bench /tmp/llama.cpp/build/bin/llama-bench

``--before-python``/``--after-python`` pick the environments (and so the llama.cpp builds)
of the two sides; both default to this interpreter. Each side runs in its own processes.

1. Prefill through the enclave's own ChatEngine (its prompt-evaluation step, context emptied
   before each run), one worker process per configuration, all loaded at once and measured
   in turn, the order alternating every round (round 0 is a warm-up); medians. "before":
   today's configuration (the packaged Q4_1 weights, 16-token batches); "batch only": the Q4_1
   weights in ``PREFILL_BATCH``-token batches; "after": the re-encoded weights in
   ``PREFILL_BATCH``-token batches. Then 32 tokens decoded one by one (generation's speed).
2. The limit: peak fp32 FLOP/s (cores x clock x 32 FLOP/cycle/core) over 2 x parameters FLOP
   per token (the issue's definition); a finer count (the tied 28 M-parameter
   embedding/output matrix runs for a batch's last token only; attention grows with the
   position); and BF16's, when the after side uses it.
3. ``--llama-bench PATH``: llama.cpp's llama-bench built from the llama-cpp-python sdist
   with the after side's flags, on both weight files (pp, same batch size, no flash
   attention), once per round after (1).
4. Chat's first token: two enclave processes (``python -m privexbot_enclave``) on loopback,
   "before" started with ENCLAVE_CHAT_MODEL_PATH=<Q4_1>, ENCLAVE_PREFILL_BATCH=16,
   ENCLAVE_PROMPT_CACHE=0 (today's behaviour), "after" with the defaults. Streamed
   /v1/chat/completions, temperature 0; first token = request sent to the first content
   delta. The messages are what Chat sends (``privexbot.bots.prompt.build``: guided
   grounding, five retrieved chunks of 1,000 characters of the repository's documentation
   prose, a new question and new chunks every round); then a second turn (the same chunks,
   the first exchange as history); then, on other chunks, the context left uncapped (Chat
   caps it at 3,200 characters).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXTS = [ROOT / "README.md", ROOT / "enclave" / "README.md"]
QUESTIONS = [
    "What does make run start?",
    "How is a chatbot's answer grounded?",
    "What does the enclave log?",
    "How are API keys checked?",
    "What happens when a client disconnects?",
    "Which services does the server offer?",
    "How are embeddings computed?",
    "What does make test need?",
]
FOLLOW_UP = "Can you say that in one sentence?"
CHUNK_CHARS = 1000
N_CHUNKS = 5
DECODE_TOKENS = 32


def median(values: list[float]) -> float:
    return statistics.median(values)


def corpus() -> str:
    """The repository's documentation as prose (no tables, code or headings): chunks like a
    knowledge base's."""
    lines, code = [], False
    for path in TEXTS:
        for line in path.read_text().splitlines():
            if line.startswith("```"):
                code = not code
            elif not code and line.strip() and not line.startswith(("|", "    ", "#")):
                lines.append(line.strip())
    return " ".join(lines)


def take(text: str, at: int) -> str:
    """A chunk of CHUNK_CHARS characters of ``text`` from ``at`` (wrapping around)."""
    at %= len(text) - CHUNK_CHARS
    return text[at : at + CHUNK_CHARS]


# -- the CPU and the limit --------------------------------------------------------------------


def cpu() -> dict:
    info = Path("/proc/cpuinfo").read_text()
    first = info.split("\n\n", 1)[0]
    fields = dict(
        (k.strip(), v.strip())
        for k, v in (line.split(":", 1) for line in first.splitlines() if ":" in line)
    )
    flags = set(fields.get("flags", "").split())
    if "cpu MHz" in fields:
        ghz, source = float(fields["cpu MHz"]) / 1000, "cpu MHz"
    else:  # VMs often hide it; BogoMIPS is twice the TSC rate on x86
        ghz, source = float(fields.get("bogomips", 0)) / 2000, "BogoMIPS / 2 (TSC)"
    return {
        "model": fields.get("model name", "?"),
        "cores": len(os.sched_getaffinity(0)),
        "ghz": ghz,
        "ghz_source": source,
        "simd": " ".join(
            f
            for f in ("avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16")
            if f in flags
        ),
    }


def model_shape(llm) -> dict:
    from llama_cpp import llama_cpp as ll

    model = llm._model.model
    return {
        "params": ll.llama_model_n_params(model),
        "n_embd": ll.llama_model_n_embd(model),
        "n_layer": ll.llama_model_n_layer(model),
        "n_vocab": llm.n_vocab(),
    }


# -- 1. prefill in-process: one worker process per side -----------------------------------------


def worker(model: str, batch: int, threads: int) -> int:
    """``--worker``: load the engine, say what was loaded, then answer ``measure N`` lines
    with the prefill tokens/s of an N-token prompt and the decode tokens/s that follows."""
    from llama_cpp import llama_cpp as ll
    from privexbot_enclave.models import ChatEngine, find_chat_model, resolve_chat_model

    path = find_chat_model() if model == "packaged" else resolve_chat_model()
    engine = ChatEngine(path, n_threads=threads, prefill_batch=batch, prompt_cache=False)
    engine.load()
    llm = engine._llm
    tokens = llm.tokenize(corpus().encode())
    ready = {"model": str(path), "system_info": ll.llama_print_system_info().decode().strip()}
    print(json.dumps({**ready, **model_shape(llm)}), flush=True)
    for line in sys.stdin:
        n = int(line.split()[1])
        prompt = tokens[: n + 1]
        llm.n_tokens = 0
        t0 = time.perf_counter()
        assert engine._prefill(prompt, lambda: False)
        prefill = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for token in tokens[n : n + DECODE_TOKENS]:  # one token per decode, as generation does
            llm.eval([token])
        decode = DECODE_TOKENS / (time.perf_counter() - t0)
        print(json.dumps({"prefill": prefill, "decode": decode}), flush=True)
    return 0


class Worker:
    def __init__(self, label: str, python: str, model: str, batch: int, threads: int) -> None:
        self.label = label
        cmd = [python, __file__, "--worker", model, "--batch", str(batch)]
        self.process = subprocess.Popen(
            [*cmd, "--threads", str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.info = json.loads(self.process.stdout.readline())

    def measure(self, tokens: int) -> dict:
        self.process.stdin.write(f"measure {tokens}\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(30)


def llama_bench(path: str, models: list[str], tokens: int, batch: int, threads: int) -> dict:
    """pp<tokens> t/s per model file (one repetition each)."""
    cmd = [path, "-t", str(threads), "-p", str(tokens), "-n", "0", "-r", "1", "-fa", "0"]
    cmd += ["-b", str(batch), "-ub", str(batch), "-o", "jsonl"]
    for model in models:
        cmd += ["-m", model]
    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    rates = {}
    for line in out.splitlines():
        row = json.loads(line)
        rates[row["model_filename"]] = row["avg_ts"]
    return rates


# -- 4. Chat's first token through real enclaves ---------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Enclave:
    def __init__(self, label: str, python: str, env: dict[str, str], log_dir: Path) -> None:
        self.label, self.port, self.key = label, free_port(), "sk-bench-" + secrets.token_hex(8)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"enclave-{label}.log"
        env = {
            **os.environ,
            **env,
            "ENCLAVE_API_KEY": self.key,
            "ENCLAVE_PORT": str(self.port),
            "ENCLAVE_HOST": "127.0.0.1",
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [python, "-m", "privexbot_enclave", "--no-access-log"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def ready(self, client) -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"enclave {self.label} exited: {self.log.read_text()[-2000:]}")
            try:
                if (await client.get(f"{self.url}/health")).status_code == 200:
                    return
            except Exception:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError(f"enclave {self.label} did not become ready")

    async def metrics(self, client) -> dict:
        headers = {"Authorization": f"Bearer {self.key}"}
        return (await client.get(f"{self.url}/metrics", headers=headers)).json()["chat"]

    async def first_token(self, client, messages: list[dict]) -> tuple[float, str, int]:
        """Seconds to the first content delta, the reply's text, its prompt tokens."""
        body = {
            "model": "smollm2-135m-instruct",
            "messages": messages,
            "temperature": 0,
            "max_tokens": 12,
            "stream": True,
        }
        headers = {"Authorization": f"Bearer {self.key}"}
        first, parts, prompt_tokens = None, [], 0
        t0 = time.perf_counter()
        async with client.stream(
            "POST", f"{self.url}/v1/chat/completions", json=body, headers=headers
        ) as r:
            r.raise_for_status()
            async for line in r.aiter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                chunk = json.loads(line[6:])
                content = chunk["choices"][0]["delta"].get("content")
                if content:
                    first = first if first is not None else time.perf_counter() - t0
                    parts.append(content)
                if chunk.get("usage"):
                    prompt_tokens = chunk["usage"]["prompt_tokens"]
        return first if first is not None else float("nan"), "".join(parts), prompt_tokens

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def chat_messages(question: str, chunks: list[str], history=(), capped: bool = True):
    """The messages BotService.Chat builds (guided grounding, no custom system prompt)."""
    from privexbot.bots import prompt
    from privexbot.inference.gateway import Message

    config = {"system_prompt": "", "knowledge_bases": ["kb"], "grounding_mode": "guided"}
    sources = [prompt.Source(f"handbook-{i}.md", c) for i, c in enumerate(chunks, 1)]
    saved = prompt.MAX_CONTEXT_CHARS
    if not capped:
        prompt.MAX_CONTEXT_CHARS = 10**9
    try:
        built = prompt.build(config, [Message(r, c) for r, c in history], question, sources)
    finally:
        prompt.MAX_CONTEXT_CHARS = saved
    return [{"role": m.role, "content": m.content} for m in built]


async def first_tokens(rounds: int, q41: str, before_python: str, after_python: str) -> dict:
    import httpx

    text = corpus()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-prefill-"))
    enclaves = [
        Enclave(
            "before",
            before_python,
            {
                "ENCLAVE_CHAT_MODEL_PATH": q41,
                "ENCLAVE_PREFILL_BATCH": "16",
                "ENCLAVE_PROMPT_CACHE": "0",
            },
            log_dir,
        ),
        Enclave("after", after_python, {}, log_dir),
    ]
    scenarios = ("Chat's prompt", "second turn", "context uncapped")
    results = {(e.label, s): [] for e in enclaves for s in scenarios}
    tokens = {(e.label, s): [] for e in enclaves for s in scenarios}
    cached = {e.label: 0 for e in enclaves}
    try:
        async with httpx.AsyncClient(timeout=120) as client:
            for e in enclaves:
                await e.ready(client)
            for r in range(rounds + 1):  # round 0 warms both up and is not counted
                # Each round: new chunks and a new question; then a second turn on the same
                # chunks; then, on other chunks, the context uncapped.
                chunks = [take(text, (2 * r * N_CHUNKS + i) * CHUNK_CHARS) for i in range(N_CHUNKS)]
                others = [
                    take(text, ((2 * r + 1) * N_CHUNKS + i) * CHUNK_CHARS) for i in range(N_CHUNKS)
                ]
                question = QUESTIONS[r % len(QUESTIONS)]
                for e in enclaves if r % 2 else enclaves[::-1]:
                    before = await e.metrics(client)
                    ttft, reply, n = await e.first_token(client, chat_messages(question, chunks))
                    runs = [("Chat's prompt", ttft, n)]
                    history = [("user", question), ("assistant", reply)]
                    second = chat_messages(FOLLOW_UP, chunks, history=history)
                    runs.append(("second turn", *_drop_reply(await e.first_token(client, second))))
                    uncapped = chat_messages(question, others, capped=False)
                    runs.append(
                        ("context uncapped", *_drop_reply(await e.first_token(client, uncapped)))
                    )
                    after = await e.metrics(client)
                    if r == 0:
                        continue
                    for scenario, seconds, n in runs:
                        results[(e.label, scenario)].append(seconds)
                        tokens[(e.label, scenario)].append(n)
                    cached[e.label] += (
                        after["prompt_tokens_cached"] - before["prompt_tokens_cached"]
                    )
    finally:
        for e in enclaves:
            e.stop()
    return {"results": results, "tokens": tokens, "cached": cached, "scenarios": scenarios}


def _drop_reply(measured: tuple[float, str, int]) -> tuple[float, int]:
    return measured[0], measured[2]


# -- main ------------------------------------------------------------------------------------


def main(argv=None) -> int:
    opts = parse(argv)
    if opts.worker:
        return worker(opts.worker, opts.batch, opts.threads)
    from privexbot_enclave.models import PREFILL_BATCH

    before_py, after_py = opts.before_python, opts.after_python
    sides = [
        Worker("before", before_py, "packaged", 16, opts.threads),
        Worker("batch only", before_py, "packaged", PREFILL_BATCH, opts.threads),
        Worker("after", after_py, "made", PREFILL_BATCH, opts.threads),
    ]
    q41, made = sides[0].info["model"], sides[-1].info["model"]
    shape = sides[0].info
    labels = {
        "before": "before: Q4_1, 16-token batches",
        "batch only": f"batch only: Q4_1, {PREFILL_BATCH}-token batches",
        "after": f"after: {Path(made).name.split('.')[1]}, {PREFILL_BATCH}-token batches",
    }
    found: dict[str, list[dict]] = {w.label: [] for w in sides}
    bench_rates: dict[str, list[float]] = {}
    try:
        for r in range(opts.rounds + 1):  # round 0 warms up and is not counted
            for w in sides if r % 2 else sides[::-1]:
                result = w.measure(opts.tokens)
                if r:
                    found[w.label].append(result)
            if opts.llama_bench and r:
                for name, value in llama_bench(
                    opts.llama_bench, [q41, made], opts.tokens, PREFILL_BATCH, opts.threads
                ).items():
                    bench_rates.setdefault(name, []).append(value)
    finally:
        for w in sides:
            w.stop()

    c = cpu()
    ghz = opts.ghz or c["ghz"]
    peak = c["cores"] * ghz * 1e9 * opts.flop_per_cycle
    flop_issue = 2 * shape["params"]
    per_row = shape["params"] - shape["n_vocab"] * shape["n_embd"]
    flop_fine = 2 * per_row + 4 * shape["n_layer"] * shape["n_embd"] * opts.tokens / 2
    limit, limit_fine = peak / flop_issue, peak / flop_fine

    print(
        f"{c['model']}, {c['cores']} cores, {ghz:.2f} GHz "
        f"({'--ghz' if opts.ghz else c['ghz_source']}), SIMD flags: {c['simd']}"
    )
    for w in sides[::2]:
        print(f"llama.cpp build ({w.label}): {w.info['system_info']}")
    print(
        f"limit: {c['cores']} cores x {ghz:.2f} GHz x {opts.flop_per_cycle:g} FLOP/cycle "
        f"(2 FMA pipes x 8 fp32 lanes x 2) = {peak / 1e9:.0f} GFLOP/s, over "
        f"2 x {shape['params'] / 1e6:.1f} M params = {flop_issue / 1e6:.0f} MFLOP/token: "
        f"{limit:.0f} tokens/s"
    )
    print(
        f"  finer: {per_row / 1e6:.1f} M params per prompt token (the tied "
        f"{shape['n_vocab'] * shape['n_embd'] / 1e6:.1f} M embedding/output matrix runs for a "
        f"batch's last token only) + attention at a mean position of {opts.tokens // 2} = "
        f"{flop_fine / 1e6:.0f} MFLOP/token: {limit_fine:.0f} tokens/s"
    )
    if "AVX512_BF16 = 1" in sides[-1].info["system_info"]:
        print(
            "  BF16 weights on an AVX512-BF16 build: vdpbf16ps does 2 FLOP per bf16 pair, "
            f"twice the fp32 FMA rate: {2 * limit:.0f} tokens/s (2 x params)"
        )
    print(
        f"\nprefill of {opts.tokens} tokens in-process (the enclave's ChatEngine, own process "
        f"per side, {opts.threads} threads, OMP_WAIT_POLICY=PASSIVE), {opts.rounds} rounds; "
        f"then {DECODE_TOKENS} tokens decoded one by one, tokens/s:"
    )
    print(f"{'':<40}{'median':>8}{'min':>7}{'max':>7}{'x before':>10}{'of limit':>10}{'decode':>8}")
    base = median([x["prefill"] for x in found["before"]])
    for label, results in found.items():
        values = [x["prefill"] for x in results]
        m = median(values)
        decode = median([x["decode"] for x in results])
        print(
            f"{labels[label]:<40}{m:>8.0f}{min(values):>7.0f}{max(values):>7.0f}"
            f"{m / base:>10.2f}{m / limit:>10.0%}{decode:>8.0f}"
        )
    for name, values in bench_rates.items():
        m = median(values)
        label = f"llama-bench pp{opts.tokens}, {Path(name).name.split('.')[1]}, ub {PREFILL_BATCH}"
        print(
            f"{label:<40}{m:>8.0f}{min(values):>7.0f}{max(values):>7.0f}"
            f"{m / base:>10.2f}{m / limit:>10.0%}"
        )
    after = median([x["prefill"] for x in found["after"]])
    print(f"prefill: after / before = {after / base:.2f} (goal >= 3)")

    if opts.skip_enclave:
        return 0
    chat = asyncio.run(first_tokens(opts.rounds, q41, before_py, after_py))
    print(
        f"\nChat's first token through the real enclave (HTTP, streamed, temperature 0), "
        f"{opts.rounds} rounds, seconds:"
    )
    print(f"{'':<22}{'tokens':>8}{'before':>9}{'after':>9}{'after min-max':>16}{'ratio':>8}")
    for scenario in chat["scenarios"]:
        b = chat["results"][("before", scenario)]
        a = chat["results"][("after", scenario)]
        n = median(chat["tokens"][("after", scenario)])
        print(
            f"{scenario:<22}{n:>8.0f}{median(b):>9.2f}{median(a):>9.2f}"
            f"{f'{min(a):.2f}-{max(a):.2f}':>16}{median(b) / median(a):>8.1f}"
        )
    print(
        f"prompt tokens taken from the context: before {chat['cached']['before']}, "
        f"after {chat['cached']['after']}"
    )
    first = median(chat["results"][("after", "Chat's prompt")])
    print(f"Chat's first token: {first:.2f} s (goal <= 2 s)")
    return 0


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=512, help="prompt length in-process")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--llama-bench", help="path of a llama-bench built like the wheel")
    parser.add_argument("--ghz", type=float, help="clock for the limit (default: /proc/cpuinfo)")
    parser.add_argument("--flop-per-cycle", type=float, default=32.0, help="per core, fp32")
    parser.add_argument("--skip-enclave", action="store_true", help="only the in-process part")
    parser.add_argument(
        "--before-python",
        default=sys.executable,
        help="interpreter of the environment whose llama.cpp build is 'before' (e.g. a venv "
        "installed before this change); default: this one",
    )
    parser.add_argument(
        "--after-python", default=sys.executable, help="interpreter for 'after' (default: this one)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=16, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the enclave runs
    sys.exit(main())
