"""Ingestion throughput end to end (chunks/s) vs the raw embedding model, in the same run.

Run (about 2 minutes on 2 quiet cores, ~2,300 chunks per side; most of it is embedding):

    .venv/bin/python bench/ingest.py
    .venv/bin/python bench/ingest.py --docs 2 --paragraphs 100 --rounds 2   # quicker
    .venv/bin/python bench/ingest.py --strict        # exit 1 when the goal is missed
    .venv/bin/python bench/ingest.py --py-spy /tmp/ingest.svg   # on-CPU profile of (a)
    .venv/bin/python bench/ingest.py --py-spy /tmp/ingest.txt   # the same, collapsed stacks

Needs the enclave installed (``make install``: privexbot_enclave and its models).

What runs, all on this machine: the real enclave (``privexbot.dev.local_enclave.LocalEnclave``,
all-MiniLM-L6-v2 through sentence-transformers) on a free port, and the real server in this
process (``harness.real_server_with``: the embedded defaults, a SQLite file and milvus-lite
in a temp dir) with ``inference_base_url``/``inference_api_key`` pointing at the enclave.

Each round:

(a) pipeline: a fresh knowledge base (default settings: recursive chunking, 1000/200);
    ``--docs`` synthetic Markdown documents (seeded; ``--paragraphs`` paragraphs of 40–90
    common words under a heading every 10) sent with CreateDocument back to back, then
    WatchIngestion on the knowledge base until every document is READY. Time: from the
    first CreateDocument to the end of the watch (and, for reference, to the last
    document's ``ready_at`` in SQL, which leaves out the watch's polling interval).
    chunks/s = chunks indexed / that time.
(b) raw model: the very chunk texts (read back from SQL) posted to the enclave's
    ``POST /v1/embeddings`` directly (httpx, one request at a time, base64 like the
    pipeline's OpenAI client), in the pipeline's batches: per document, ``EMBED_BATCH``
    chunks at a time (``privexbot.knowledge.ingestion``).

Rounds alternate which of (a) and (b) goes first, so both see the same machine load; a
warm-up batch goes first. Reported: chunks/s of each, and the ratio (a)/(b). Goal (issue
#5): ratio ≥ 0.8.

Where (a) spends its time is measured in the same run by wrapping (timing only, behaviour
unchanged) the ingestion worker's own steps in this process: the embed call (server →
enclave, including the OpenAI client), the Milvus upsert/delete, SQL progress writes,
parse and chunk, and the rest of ``_ingest_once`` (chunk rows to SQL); the worker's idle
time (waiting for a wake-up) is what is left of the wall time. Also reported: the latency
of one full batch both ways, and the CPU seconds each side cost, by process (the enclave,
this process, milvus-lite, and everything else on the machine: when that is high, other
work competed for the cores and the figures are noisy).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
from harness import real_server_with, rpc_log_to_devnull, sign_up, versions

GOAL = 0.8
WORDS = (
    "the a of to and in is for on with as by at from that this be are it or was an will"
    " team office policy report request manager employee access account security system"
    " data customer project review budget meeting schedule process support service device"
    " network password badge travel expense approval training holiday leave payroll"
    " benefit contract vendor invoice laptop printer server backup incident ticket release"
    " deploy test quality document handbook guideline compliance audit privacy retention"
    " week month quarter year day morning evening before after during within every each"
    " must should may can submit approve update check record share store delete keep"
    " new old first last next current annual monthly weekly daily quickly carefully"
).split()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def synthetic_document(rng: random.Random, n: int, paragraphs: int) -> str:
    """A Markdown document: a title, a heading every 10 paragraphs, paragraphs of 40–90
    words (a few sentences each)."""
    parts = [f"# Synthetic handbook {n}"]
    for p in range(paragraphs):
        if p % 10 == 0:
            parts.append(f"## Section {p // 10 + 1}: {' '.join(rng.choices(WORDS, k=3))}")
        words = rng.choices(WORDS, k=rng.randint(40, 90))
        sentences, i = [], 0
        while i < len(words):
            step = rng.randint(8, 16)
            sentence = " ".join(words[i : i + step])
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
            i += step
        parts.append(f"Rule {n}.{p}: " + " ".join(sentences))
    return "\n\n".join(parts) + "\n"


# ---- CPU time by process, from /proc (Linux) ----------------------------------------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of all its threads) of ``pid``, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy (not idle, not waiting for I/O)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / TICK


class CpuMeter:
    """CPU seconds per group between ``start()`` and ``stop()``: the enclave process, this
    process (the server and the benchmark's client), its other children (milvus-lite), and
    everything else on the machine (other work, which makes a run noisy)."""

    GROUPS = ("enclave", "server (this process)", "milvus-lite", "elsewhere")

    def __init__(self, enclave_pid: int) -> None:
        self.enclave_pid = enclave_pid
        self.totals: dict[str, float] = defaultdict(float)
        self._start: dict[str, float] = {}

    def _snapshot(self) -> dict[str, float]:
        stats = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
                stats[int(entry.name)] = stat

        def descends(pid: int, root: int) -> bool:
            while pid > 1 and pid in stats:
                if pid == root:
                    return True
                pid = stats[pid][0]
            return False

        me = os.getpid()
        groups = dict.fromkeys(self.GROUPS, 0.0)
        for pid, (_, cpu) in stats.items():
            if descends(pid, self.enclave_pid):
                groups["enclave"] += cpu
            elif pid == me:
                groups["server (this process)"] += cpu
            elif descends(pid, me):
                groups["milvus-lite"] += cpu
        groups["elsewhere"] = _machine_busy() - sum(groups.values())
        return groups

    def start(self) -> None:
        self._start = self._snapshot()

    def stop(self) -> dict[str, float]:
        end = self._snapshot()
        spent = {g: end[g] - self._start[g] for g in self.GROUPS}
        for g, v in spent.items():
            self.totals[g] += v
        return spent


# ---- stage timing of the ingestion worker (this process) ---------------------------------


class Stages:
    """Wall time per step of the ingestion worker, by wrapping its collaborators."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.embeds: list[tuple[int, float]] = []  # (texts, seconds) of each embed call
        self._undo: list = []

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()
        self.embeds.clear()

    def _timed_async(self, name: str, fn):
        async def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t0
                self.calls[name] += 1

        return timed

    def _timed_sync(self, name: str, fn):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t0
                self.calls[name] += 1

        return timed

    def _patch(self, owner, attr: str, value) -> None:
        had = attr in vars(owner)
        old = vars(owner).get(attr)
        setattr(owner, attr, value)
        self._undo.append((owner, attr, had, old))

    def install(self, ingestion) -> None:
        from privexbot.knowledge import chunking, parsing

        embed = self._timed_async("embed (server→enclave)", ingestion._embed)

        async def embed_recorded(texts):
            t0 = time.perf_counter()
            try:
                return await embed(texts)
            finally:
                self.embeds.append((len(texts), time.perf_counter() - t0))

        self._patch(ingestion, "_embed", embed_recorded)
        for name, label in (
            ("_ingest", "ingest (whole job)"),
            ("_ingest_once", "ingest_once"),
            ("_progress", "SQL progress writes"),
            ("_finish", "SQL finish"),
            ("_claim", "SQL claim"),
            ("apply_outbox", "outbox"),
        ):
            self._patch(ingestion, name, self._timed_async(label, getattr(ingestion, name)))
        vectors = ingestion._vectors

        class TimedVectors:
            def __getattr__(_, attr):
                return getattr(vectors, attr)

            upsert = staticmethod(self._timed_async("Milvus upsert", vectors.upsert))
            delete = staticmethod(self._timed_async("Milvus delete", vectors.delete))

        self._patch(ingestion, "_vectors", TimedVectors())
        # Module functions: the ingestion module looks them up on the module at call time.
        # parse also runs in CreateDocument (the RPC checks the file): counted apart below.
        self._patch(parsing, "parse", self._timed_sync("parse", parsing.parse))
        self._patch(chunking, "chunk", self._timed_sync("chunk", chunking.chunk))

    def uninstall(self) -> None:
        for owner, attr, had, old in reversed(self._undo):
            if had:
                setattr(owner, attr, old)
            else:
                delattr(owner, attr)
        self._undo.clear()


# ---- (a) the pipeline, (b) the raw model ---------------------------------------------------


async def pipeline_round(stub, auth, workspace: str, texts: list[str], platform) -> dict:
    from sqlalchemy import func, select

    from privexbot.store.models import Document
    from privexbot.v1 import knowledge_pb2

    kb = await stub.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=workspace,
            knowledge_base=knowledge_pb2.KnowledgeBase(display_name="bench"),
        ),
        metadata=auth,
    )
    started_wall = time.time()
    t0 = time.perf_counter()
    for i, text in enumerate(texts):
        await stub.CreateDocument(
            knowledge_pb2.CreateDocumentRequest(
                parent=kb.name,
                document=knowledge_pb2.Document(
                    display_name=f"doc-{i}.md", content_type="text/markdown"
                ),
                text=text,
            ),
            metadata=auth,
            timeout=60,
        )
    created = time.perf_counter() - t0
    states: dict[str, int] = {}
    chunks: dict[str, int] = {}
    async for event in stub.WatchIngestion(
        knowledge_pb2.WatchIngestionRequest(name=kb.name), metadata=auth, timeout=1800
    ):
        states[event.document] = event.state
        chunks[event.document] = event.progress.chunks_total
    elapsed = time.perf_counter() - t0
    not_ready = [d for d, s in states.items() if s != knowledge_pb2.Document.STATE_READY]
    if not_ready or len(states) != len(texts):
        raise RuntimeError(f"not every document became READY: {not_ready or states}")
    kb_id = kb.name.rsplit("/", 1)[1]
    async with platform.sessions() as session:
        last_ready = await session.scalar(
            select(func.max(Document.ready_at)).where(Document.knowledge_base_id == kb_id)
        )
    ready_s = last_ready.timestamp() - started_wall if last_ready else float("nan")
    return {
        "kb": kb.name,
        "kb_id": kb_id,
        "chunks": sum(chunks.values()),
        "seconds": elapsed,
        "create_s": created,
        "ready_s": ready_s,
    }


async def chunk_batches(platform, kb_id: str, batch: int) -> list[list[str]]:
    """The knowledge base's chunk texts as the pipeline embedded them: per document, in
    index order, ``batch`` at a time."""
    from sqlalchemy import select

    from privexbot.store.models import Chunk

    async with platform.sessions() as session:
        rows = (
            await session.execute(
                select(Chunk.document_id, Chunk.text)
                .where(Chunk.knowledge_base_id == kb_id)
                .order_by(Chunk.document_id, Chunk.index)
            )
        ).all()
    by_doc: dict[str, list[str]] = defaultdict(list)
    for document_id, text in rows:
        by_doc[document_id].append(text)
    return [
        texts[start : start + batch]
        for texts in by_doc.values()
        for start in range(0, len(texts), batch)
    ]


async def raw_round(client: httpx.AsyncClient, model: str, batches: list[list[str]]) -> dict:
    t0 = time.perf_counter()
    n, calls = 0, []
    for texts in batches:
        t1 = time.perf_counter()
        reply = await client.post(
            "/embeddings", json={"model": model, "input": texts, "encoding_format": "base64"}
        )
        reply.raise_for_status()
        data = reply.json()["data"]
        if len(data) != len(texts):
            raise RuntimeError(f"{len(texts)} texts, {len(data)} embeddings")
        n += len(data)
        calls.append((len(texts), time.perf_counter() - t1))
    return {"chunks": n, "seconds": time.perf_counter() - t0, "calls": calls}


@contextlib.contextmanager
def py_spy(path: str | None):
    """``py-spy record`` of this process while open, sampling only the thread that holds the
    GIL (Python on a CPU, competing with the model for the cores; waits left out): a flame
    graph SVG at ``path``, or collapsed stacks (text, a line per stack) if it ends in .txt."""
    if not path:
        yield
        return
    binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    kind = "raw" if path.endswith(".txt") else "flamegraph"
    proc = subprocess.Popen(
        [binary, "record", "--pid", str(os.getpid()), "-o", path, "-f", kind, "-r", "200", "--gil"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.0)  # let it attach (before the timed part; the loop waits meanwhile)
    try:
        yield
    finally:
        proc.send_signal(2)  # SIGINT: py-spy writes the file and exits
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if proc.returncode not in (0, None):
            print(f"py-spy: {err.decode(errors='replace').strip()[-300:]}", file=sys.stderr)


# ---- main ---------------------------------------------------------------------------------


async def main(opts) -> int:
    from privexbot.dev.local_enclave import LocalEnclave, installed
    from privexbot.knowledge.ingestion import EMBED_BATCH

    if not installed():
        print("the enclave is not installed: run make install", file=sys.stderr)
        return 2
    rng = random.Random(opts.seed)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp_name, rpc_log_to_devnull():
        tmp = Path(tmp_name)
        key = "sk-bench-enclave-" + secrets.token_hex(8)
        enclave = LocalEnclave(
            f"http://127.0.0.1:{free_port()}/v1", key, log_path=tmp / "enclave.log"
        )
        t = time.monotonic()
        await enclave.start()
        load_s = time.monotonic() - t
        try:
            running = await real_server_with(
                tmp, inference_base_url=enclave.base_url, inference_api_key=key
            )
            try:
                return await measure(opts, rng, running, enclave, load_s, EMBED_BATCH)
            finally:
                await running.stop(0)
        finally:
            await enclave.stop()


async def measure(opts, rng, running, enclave, load_s: float, embed_batch: int) -> int:
    import grpc

    from privexbot.v1 import knowledge_pb2_grpc

    platform = running.platform
    model = platform.settings.embedding_model
    target = f"127.0.0.1:{running.port}"
    user = await sign_up(target, "ingest")
    auth = user.auth
    stages = Stages()
    cpu = {"a": CpuMeter(enclave.process.pid), "b": CpuMeter(enclave.process.pid)}
    print(
        f"{versions(envoy=False)}; enclave (all-MiniLM-L6-v2) loaded in {load_s:.0f} s; "
        f"{opts.docs} docs × {opts.paragraphs} paragraphs per round, {opts.rounds} round(s), "
        f"EMBED_BATCH {embed_batch}, SQLite + milvus-lite",
        flush=True,
    )
    rows = []
    async with (
        grpc.aio.insecure_channel(target) as channel,
        httpx.AsyncClient(
            base_url=enclave.base_url,
            headers={"authorization": f"Bearer {enclave.api_key}"},
            timeout=120,
        ) as raw,
    ):
        stub = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
        # Warm up both paths: one small document through the pipeline, a batch raw.
        warm = [synthetic_document(rng, 0, 5)]
        await pipeline_round(stub, auth, user.session.workspace, warm, platform)
        await raw_round(raw, model, [warm[0].split("\n\n")[:embed_batch]])

        stages.install(platform.ingestion)
        try:
            for r in range(opts.rounds):
                texts = [
                    synthetic_document(rng, r * opts.docs + i + 1, opts.paragraphs)
                    for i in range(opts.docs)
                ]
                order = ("pipeline", "raw") if r % 2 == 0 else ("raw", "pipeline")
                result: dict = {}
                for which in order:
                    if which == "pipeline":
                        stages.reset()
                        spy = opts.py_spy if r == 0 else None
                        cpu["a"].start()
                        with py_spy(spy):
                            result["a"] = await pipeline_round(
                                stub, auth, user.session.workspace, texts, platform
                            )
                        cpu["a"].stop()
                        result["stages"] = (dict(stages.seconds), dict(stages.calls))
                        result["a"]["calls"] = list(stages.embeds)
                    else:
                        if "a" not in result:  # raw first: the same texts, chunked alike
                            batches = await expected_batches(texts, embed_batch)
                        else:
                            batches = await chunk_batches(
                                platform, result["a"]["kb_id"], embed_batch
                            )
                        cpu["b"].start()
                        result["b"] = await raw_round(raw, model, batches)
                        cpu["b"].stop()
                if result["a"]["chunks"] != result["b"]["chunks"]:
                    raise RuntimeError(
                        f"pipeline made {result['a']['chunks']} chunks, raw embedded "
                        f"{result['b']['chunks']}"
                    )
                rows.append(result)
                a, b = result["a"], result["b"]
                print(
                    f"  round {r + 1} ({' then '.join(order)}): {a['chunks']} chunks; "
                    f"pipeline {a['chunks'] / a['seconds']:.1f}/s, "
                    f"raw {b['chunks'] / b['seconds']:.1f}/s, "
                    f"ratio {b['seconds'] / a['seconds']:.2f}",
                    flush=True,
                )
        finally:
            stages.uninstall()
    return report(opts, rows, embed_batch, cpu)


async def expected_batches(texts: list[str], batch: int) -> list[list[str]]:
    """What the pipeline will embed for ``texts`` (default knowledge-base settings)."""
    from privexbot.knowledge import chunking, parsing
    from privexbot.knowledge.ingestion import chunking_config

    out = []
    config = chunking_config({})
    for text in texts:
        parsed = parsing.parse(text.encode(), "text/markdown")
        chunk_texts = [c.text for c in chunking.chunk(parsed, config)]
        out += [chunk_texts[s : s + batch] for s in range(0, len(chunk_texts), batch)]
    return out


def report(opts, rows: list[dict], embed_batch: int, cpu: dict) -> int:
    chunks = sum(r["a"]["chunks"] for r in rows)
    a_s = sum(r["a"]["seconds"] for r in rows)
    ready_s = sum(r["a"]["ready_s"] for r in rows)
    create_s = sum(r["a"]["create_s"] for r in rows)
    b_s = sum(r["b"]["seconds"] for r in rows)
    a_rate, b_rate = chunks / a_s, chunks / b_s
    ratio = a_rate / b_rate
    print()
    header = f"{'':<44} {'chunks':>7} {'seconds':>8} {'chunks/s':>9}"
    print(header)
    print("-" * len(header))
    print(
        f"{'(a) pipeline: CreateDocument → all READY':<44} {chunks:>7} {a_s:>8.2f} {a_rate:>9.1f}"
    )
    print(
        f"{'    (to the last ready_at, no watch polling)':<44} {chunks:>7} {ready_s:>8.2f} "
        f"{chunks / ready_s:>9.1f}"
    )
    print(f"{'(b) raw model: POST /v1/embeddings':<44} {chunks:>7} {b_s:>8.2f} {b_rate:>9.1f}")
    print()
    print(f"ratio (a)/(b): {ratio:.2f} (goal ≥ {GOAL}): {'met' if ratio >= GOAL else 'MISSED'}")

    seconds: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    for r in rows:
        s, c = r["stages"]
        for k, v in s.items():
            seconds[k] += v
        for k, v in c.items():
            calls[k] += v
    known = (
        "embed (server→enclave)",
        "Milvus upsert",
        "Milvus delete",
        "SQL progress writes",
        "parse",
        "chunk",
    )
    inside = seconds["ingest_once"] - sum(
        seconds[k] for k in known if k != "parse"
    )  # parse runs in a thread inside ingest_once, and also in CreateDocument (below)
    print()
    print(f"where (a)'s {a_s:.2f} s went (wall time of the worker's steps, all rounds):")
    table = [
        ("CreateDocument RPCs (client side, incl. parse check)", create_s, len(rows) * opts.docs),
        (
            "embed calls, server → enclave (OpenAI client)",
            seconds["embed (server→enclave)"],
            calls["embed (server→enclave)"],
        ),
        (
            "  the same batches posted to the enclave directly ((b))",
            b_s,
            calls["embed (server→enclave)"],
        ),
        ("Milvus upsert", seconds["Milvus upsert"], calls["Milvus upsert"]),
        (
            "Milvus delete (old vectors of the document)",
            seconds["Milvus delete"],
            calls["Milvus delete"],
        ),
        (
            "SQL progress writes (lease renewal)",
            seconds["SQL progress writes"],
            calls["SQL progress writes"],
        ),
        ("parse (worker + CreateDocument)", seconds["parse"], calls["parse"]),
        ("chunk", seconds["chunk"], calls["chunk"]),
        ("rest of _ingest_once (load rows, chunk rows → SQL, parse)", inside, 0),
        (
            "SQL claim + finish",
            seconds["SQL claim"] + seconds["SQL finish"],
            calls["SQL claim"] + calls["SQL finish"],
        ),
        ("outbox", seconds["outbox"], calls["outbox"]),
        (
            "worker jobs, total (_ingest)",
            seconds["ingest (whole job)"],
            calls["ingest (whole job)"],
        ),
    ]
    for label, s, n in table:
        share = 100 * s / a_s if a_s else 0
        print(
            f"  {label:<58} {s:>7.2f} s {share:>5.1f}%  ({n} calls)"
            if n
            else f"  {label:<58} {s:>7.2f} s {share:>5.1f}%"
        )
    idle = a_s - seconds["ingest (whole job)"]
    print(
        f"  {'not in a job (CreateDocument, wake-up, claim, watch poll)':<58} {idle:>7.2f} s "
        f"{100 * idle / a_s:>5.1f}%"
    )

    full = {
        side: sorted(s for r in rows for n, s in r[side]["calls"] if n == embed_batch)
        for side in ("a", "b")
    }
    if full["a"] and full["b"]:
        print()
        print(f"one full batch ({embed_batch} chunks), ms:        p50     p90     max")
        for side, label in (("a", "(a) server → enclave"), ("b", "(b) direct")):
            ms = [x * 1000 for x in full[side]]
            print(
                f"  {label:<32} {ms[len(ms) // 2]:>7.0f} {ms[int(len(ms) * 0.9)]:>7.0f} "
                f"{ms[-1]:>7.0f}  ({len(ms)} batches)"
            )
    print()
    print("CPU seconds during each side (cores busy on average):")
    walls = {"a": a_s, "b": b_s}
    for side, label in (("a", "(a) pipeline"), ("b", "(b) raw")):
        spent = cpu[side].totals
        print(
            f"  {label:<13}"
            + "  ".join(
                f"{g} {spent[g]:.1f} ({spent[g] / walls[side]:.2f})" for g in CpuMeter.GROUPS
            )
        )
    elsewhere = max(cpu[s].totals["elsewhere"] / walls[s] for s in ("a", "b"))
    if elsewhere > 0.2:
        print(
            f"  note: other work on this machine kept {elsewhere:.2f} cores busy on average: "
            "the figures are noisy; run again on a quiet machine"
        )
    return 1 if (ratio < GOAL and opts.strict) else 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=4, help="documents per round")
    parser.add_argument("--paragraphs", type=int, default=200, help="paragraphs per document")
    parser.add_argument("--rounds", type=int, default=4, help="rounds, alternating (a)/(b) order")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--py-spy", metavar="SVG", help="flame graph of round 1's pipeline")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the goal is missed")
    opts = parser.parse_args(argv)
    if min(opts.docs, opts.paragraphs, opts.rounds) < 1:
        parser.error("--docs, --paragraphs, --rounds >= 1")
    return opts


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
