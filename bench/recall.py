"""Retrieval quality on text no one here wrote: recall@3 of vector, keyword and hybrid search
over Python's own reference topics (``pydoc_data.topics``: 79 documents), through the real
server, beside the SQL keyword ranking this project used before (issue #25).

Run (about 2 minutes on 2 cores; most of it is embedding ~640 chunks):

    .venv/bin/python bench/recall.py
    .venv/bin/python bench/recall.py --topics 10      # quicker

Needs the enclave installed (``make install``). What runs: the real enclave
(all-MiniLM-L6-v2) and the real server in this process (SQLite, milvus-lite in a temp dir,
``harness.real_server_with``); each topic is a plain-text document of a fresh knowledge base
(default chunking). Two query sets, seeded, each query with one right document:

- title: the topic's first line (``The "assert" statement``), as a user names a subject;
- phrase: 6 consecutive words of a random sentence of the topic, as a user half-remembers.

recall@3: the share of queries with a chunk of the right document in the top 3, through
``SearchKnowledgeBase`` for each mode (now: Milvus vector, BM25 full-text, hybrid RRF).
"Before": the removed SQL ranking (``LIKE '%term%'`` document frequencies, BM25 over up to
2,000 candidate rows in Python) recomputed here over the same chunks read back from SQL,
and fused with the same vector ranking for hybrid, so both sides see identical data.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import re
import secrets
import socket
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from harness import real_server_with, rpc_log_to_devnull, sign_up, versions  # noqa: E402

TOKEN = re.compile(r"\w+")
TOP = 3
POOL = 4 * TOP  # retrieval's hybrid pool (search.HYBRID_POOL × top_k)
RRF = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def queries(topics: dict[str, str], rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """(query, right topic) per query set."""
    title, phrase = [], []
    for key, text in topics.items():
        title.append((text.strip().splitlines()[0].replace('"', ""), key))
        sentences = [s.split() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 8]
        if sentences:
            words = rng.choice(sentences)
            start = rng.randrange(len(words) - 5)
            phrase.append((" ".join(words[start : start + 6]), key))
    return {"title": title, "phrase": phrase}


def sql_keyword_before(chunks: list[tuple[str, int, str]], query: str, k: int) -> list:
    """The removed SQL path's ranking: (document, index) best first."""
    words = list(dict.fromkeys(t.lower() for t in TOKEN.findall(query) if len(t) > 1))[:16]
    if not words:
        return []
    total = len(chunks)
    average = sum(len(t) for _, _, t in chunks) / total
    frequency = {w: sum(w in t.lower() for _, _, t in chunks) for w in words}
    candidates = [c for c in chunks if any(w in c[2].lower() for w in words)][:2000]
    scored = []
    for document, index, text in candidates:
        counts = Counter(t.lower() for t in TOKEN.findall(text))
        length = len(text) / average
        score = 0.0
        for w in words:
            tf = counts.get(w, 0) or text.lower().count(w)
            if tf:
                idf = math.log(1 + (total - frequency[w] + 0.5) / (frequency[w] + 0.5))
                score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length))
        scored.append(((document, index), score))
    scored.sort(key=lambda r: r[1], reverse=True)
    return [key for key, score in scored[:k] if score > 0]


def fuse(*rankings: list, k: int) -> list:
    fused: dict = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking):
            fused[key] = fused.get(key, 0.0) + 1 / (RRF + rank + 1)
    return [key for key, _ in sorted(fused.items(), key=lambda kv: -kv[1])[:k]]


async def main(opts) -> int:
    from pydoc_data.topics import topics as all_topics

    from privexbot.dev.local_enclave import LocalEnclave, installed

    if not installed():
        print("the enclave is not installed: run make install", file=sys.stderr)
        return 2
    topics = dict(sorted(all_topics.items())[: opts.topics])
    with tempfile.TemporaryDirectory(prefix="bench-recall-") as tmp_name, rpc_log_to_devnull():
        tmp = Path(tmp_name)
        key = "sk-bench-enclave-" + secrets.token_hex(8)
        enclave = LocalEnclave(
            f"http://127.0.0.1:{free_port()}/v1", key, log_path=tmp / "enclave.log"
        )
        await enclave.start()
        try:
            running = await real_server_with(
                tmp, inference_base_url=enclave.base_url, inference_api_key=key
            )
            try:
                return await measure(opts, running, topics)
            finally:
                await running.stop(0)
        finally:
            await enclave.stop()


async def measure(opts, running, topics: dict[str, str]) -> int:
    import grpc
    from sqlalchemy import select

    from privexbot.store.models import Chunk, Document
    from privexbot.v1 import knowledge_pb2, knowledge_pb2_grpc

    modes = knowledge_pb2.RetrievalSettings
    target = f"127.0.0.1:{running.port}"
    user = await sign_up(target, "recall")
    auth = user.auth
    async with grpc.aio.insecure_channel(target) as channel:
        stub = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
        kb = await stub.CreateKnowledgeBase(
            knowledge_pb2.CreateKnowledgeBaseRequest(
                parent=user.session.workspace,
                knowledge_base=knowledge_pb2.KnowledgeBase(display_name="python reference"),
            ),
            metadata=auth,
        )
        for name, text in topics.items():
            await stub.CreateDocument(
                knowledge_pb2.CreateDocumentRequest(
                    parent=kb.name,
                    document=knowledge_pb2.Document(display_name=name, content_type="text/plain"),
                    text=text,
                ),
                metadata=auth,
                timeout=60,
            )
        async for _ in stub.WatchIngestion(
            knowledge_pb2.WatchIngestionRequest(name=kb.name), metadata=auth, timeout=1800
        ):
            pass
        async with running.platform.sessions() as session:
            rows = (
                await session.execute(
                    select(Document.display_name, Chunk.index, Chunk.text)
                    .join(Document, Document.id == Chunk.document_id)
                    .where(Chunk.knowledge_base_id == kb.name.rsplit("/", 1)[1])
                )
            ).all()
        chunks = [(name, index, text) for name, index, text in rows]

        async def ranked(query: str, mode, k: int) -> list:
            reply = await stub.SearchKnowledgeBase(
                knowledge_pb2.SearchKnowledgeBaseRequest(
                    name=kb.name,
                    query=query,
                    retrieval=knowledge_pb2.RetrievalSettings(mode=mode, top_k=k),
                ),
                metadata=auth,
            )
            return [
                (r.citation.document_display_name, r.citation.chunk_index) for r in reply.results
            ]

        print(
            f"{versions(envoy=False)}; {len(topics)} pydoc topics, {len(chunks)} chunks, "
            f"recall@{TOP} (a chunk of the right topic in the top {TOP})"
        )
        print()
        header = f"{'queries':<8} {'n':>4} {'':>7} {'vector':>7} {'keyword':>8} {'hybrid':>7}"
        print(header)
        print("-" * len(header))
        for kind, pairs in queries(topics, random.Random(opts.seed)).items():
            hits = {m: 0 for m in ("vector", "keyword", "hybrid", "keyword0", "hybrid0")}
            for query, right in pairs:
                vector = await ranked(query, modes.MODE_VECTOR, POOL)
                before_kw = sql_keyword_before(chunks, query, POOL)
                found = {
                    "vector": vector[:TOP],
                    "keyword": await ranked(query, modes.MODE_KEYWORD, TOP),
                    "hybrid": await ranked(query, modes.MODE_HYBRID, TOP),
                    "keyword0": before_kw[:TOP],
                    "hybrid0": fuse(vector, before_kw, k=TOP),
                }
                for mode, keys in found.items():
                    hits[mode] += any(name == right for name, _ in keys)
            n = len(pairs)
            print(
                f"{kind:<8} {n:>4} {'before':>7} {hits['vector'] / n:>7.2f} "
                f"{hits['keyword0'] / n:>8.2f} {hits['hybrid0'] / n:>7.2f}"
            )
            print(
                f"{'':<8} {'':>4} {'now':>7} {hits['vector'] / n:>7.2f} "
                f"{hits['keyword'] / n:>8.2f} {hits['hybrid'] / n:>7.2f}"
            )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topics", type=int, default=79, help="how many topics (sorted)")
    parser.add_argument("--seed", type=int, default=20261204)
    sys.exit(asyncio.run(main(parser.parse_args())))
