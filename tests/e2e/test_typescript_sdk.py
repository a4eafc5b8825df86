"""The TypeScript SDK's own tests (clients/typescript/test, node:test), run in Node against the
real Envoy, server and enclave of each backend. ``make test`` builds them first
(``make ts-build``). The throwaway stack's JWT signing key goes to them so that one can
forge an expired access token, as a client whose clock runs behind sends one."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.envoy, pytest.mark.enclave]

SDK = Path(__file__).resolve().parents[2] / "clients" / "typescript"


@pytest.mark.timeout(300)
async def test_the_sdk_tests_pass_in_node(edge, stack):
    built = SDK / "build" / "test"
    assert built.is_dir(), "the TypeScript SDK's tests are not built: run make ts-build"
    process = await asyncio.create_subprocess_exec(
        "node",
        "--test",
        "--test-reporter=spec",
        *sorted(str(path) for path in built.glob("*.test.js")),
        cwd=SDK,
        env={
            **os.environ,
            "PRIVEXBOT_URL": edge,
            "PRIVEXBOT_TEST_JWT_KEY": ":".join(stack.settings.jwt_key_ring[0]),
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
