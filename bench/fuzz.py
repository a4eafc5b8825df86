"""The fuzz suite's long mode: the strategies `make test` runs (tests/fuzz/test_rpcs.py, every
RPC over gRPC and REST), with many more examples and a fresh random seed each run.

Run (from the repository root; PostgreSQL and Redis up, as for `make test`):

    .venv/bin/python bench/fuzz.py                                # 5000 examples per case
    .venv/bin/python bench/fuzz.py --examples 500 --backends postgres -k "Chat or Upload"
    .venv/bin/python bench/fuzz.py --seed 1234 -k ExportLeads     # replay a run's seed
    .venv/bin/python bench/fuzz.py --collect-only                 # list the cases

A case is one RPC over one transport (gRPC on every backend, REST through Envoy on the last
one). A failure prints hypothesis's shrunk example and the server's traceback; the summary
line gives the seed to replay it with. ``--stats`` prints each case's outcomes (status codes
and ErrorInfo reasons, HTTP statuses), to see how many examples reached the handlers.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE = "tests/fuzz/test_rpcs.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5000, help="examples per case")
    parser.add_argument("--seed", type=int, help="hypothesis seed (default: a new one)")
    parser.add_argument("--backends", default="sqlite,postgres", help="PRIVEXBOT_TEST_BACKENDS")
    parser.add_argument("-k", dest="select", help="pytest -k expression, e.g. 'Chat and grpc'")
    parser.add_argument("--stats", action="store_true", help="print each case's outcomes")
    parser.add_argument("--collect-only", action="store_true", help="list the cases and exit")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", SUITE]
    command += ["-o", "timeout=0", f"--hypothesis-seed={seed}"]
    if args.select:
        command += ["-k", args.select]
    if args.stats:
        command.append("--hypothesis-show-statistics")
    if args.collect_only:
        command.append("--collect-only")
    env = {
        **os.environ,
        "FUZZ_EXAMPLES": str(args.examples),
        "FUZZ_SEED": str(seed),
        "PRIVEXBOT_TEST_BACKENDS": args.backends,
    }
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    output = done.stdout + done.stderr
    seconds = time.monotonic() - started
    if args.collect_only:
        cases = len(re.findall(r"::test_rpc\[", output))
        print(f"fuzz: {cases} cases collected ({args.backends})")
        return done.returncode
    print(output)
    results = re.findall(
        r"^=* ?(\d+ (?:passed|failed|skipped|deselected|errors?)\b.*?) in ", output, re.M
    )
    print(
        f"fuzz: {args.examples} examples per case, seed {seed}, {seconds:.0f} s: "
        f"{results[-1] if results else 'no result'}"
    )
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
