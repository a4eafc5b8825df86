"""Every benchmark still runs: each at its smallest size, checked for a clean exit and its
summary line. Benchmarks drive the real server through domain and API code, so a change
there can break one without any other test noticing; figures are not judged here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SMOKE = {
    "auth.py": (["--duration", "3", "--slice", "0.5", "--warmup", "0.5"], "p99 with/without"),
    "authz.py": (["--duration", "1", "--warmup", "0.2"], "GetWorkspace"),
    "chat.py": (["--chunks", "200", "--pairs", "2", "--warmup", "1"], "added by Chat"),
    "fuzz.py": (["--collect-only"], "cases collected"),  # the suite itself runs in make test
    "flow.py": (["--nodes", "5", "--rounds", "2", "--chunks", "100", "--pairs", "2"], "per node"),
    "load.py": (["--workers", "1", "--max-concurrency", "1", "--step-seconds", "1"], "req/s"),
    "ingest.py": (["--docs", "1", "--paragraphs", "10", "--rounds", "1"], "chunks/s"),
    "rpc_overhead.py": (["--duration", "0.5", "--warmup", "0.2", "--rounds", "1"], "b/a"),
    "recall.py": (["--topics", "3"], "recall@3"),
    "search.py": (["--sizes", "500", "--queries", "5"], "hybrid p50"),
    "stream.py": (
        ["--samples", "3", "--warmup", "1", "--load-duration", "1", "--no-enclave"],
        "error rate",
    ),
}


def test_every_benchmark_has_a_smoke_run():
    benches = {p.name for p in (ROOT / "bench").glob("*.py")}
    helpers = {"harness.py", "upstream.py", "prefill.py"}  # prefill: minutes of model loads
    assert benches - helpers == set(SMOKE)


@pytest.mark.parametrize("bench", sorted(SMOKE))
def test_benchmark_runs(bench):
    args, summary = SMOKE[bench]
    done = subprocess.run(
        [sys.executable, f"bench/{bench}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert summary in output, output[-3000:]
