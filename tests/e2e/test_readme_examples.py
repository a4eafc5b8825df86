"""The README's examples, run as written: the Python SDK's against the gRPC port, the
TypeScript SDK's in Node through Envoy (importing the built package by its name), and the
buf curl commands against the gRPC port and through Envoy in gRPC-Web."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.envoy

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "clients" / "typescript"


def example(name: str) -> str:
    """The code block after the README's ``<!-- example: name … -->`` marker."""
    readme = (ROOT / "README.md").read_text()
    found = re.search(rf"<!-- example: {name}\b.*?-->\n```\w+\n(.*?)```", readme, re.S)
    assert found, f"README has no example {name}"
    return found[1]


async def run(*command: str, cwd: Path, **env: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=cwd,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


async def test_the_python_example_runs(stack, tmp_path):
    script = tmp_path / "example.py"
    script.write_text(example("python-sdk"))
    output = await run(sys.executable, str(script), cwd=tmp_path, PRIVEXBOT_TARGET=stack.target)
    listed = re.findall(r"^knowledge base (.+)$", output, re.M)
    assert sorted(listed) == ["Handbook", "Policies", "Pricing"], output
    assert "NOT_FOUND RESOURCE_NOT_FOUND" in output


async def test_the_buf_curl_examples_run(stack, edge):
    output = await run(
        "bash", "-euo", "pipefail", "-c", example("buf-curl"),
        cwd=ROOT, GRPC=f"http://{stack.target}", EDGE=edge,
    )  # fmt: skip
    assert re.search(r"^privexbot\.v1\.KnowledgeService$", output, re.M), output  # reflection
    assert '"state": "STATE_UNATTESTED_DEVELOPMENT"' in output, output  # over gRPC
    assert re.search(r'"accessToken": "[\w.-]+"', output), output  # gRPC-Web through Envoy


async def test_the_typescript_example_runs(edge):
    assert (SDK / "dist" / "index.js").is_file(), "the SDK is not built: run make ts-build"
    # Inside the package, so that "@privexbot/client" resolves to it (Node's self-reference).
    script = SDK / "build" / "readme-example.mjs"
    script.parent.mkdir(exist_ok=True)
    script.write_text(example("typescript-sdk"))
    output = await run("node", str(script), cwd=SDK, PRIVEXBOT_URL=edge)
    assert re.search(r"created organizations/\S+/documents/\S+", output), output
    assert "sent 43 of 43 bytes" in output, output
