"""Shared fixtures: the real server on port 0, over each backend (see stacks.py).

``PRIVEXBOT_TEST_BACKENDS`` picks the backends (default ``sqlite,postgres``).
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from stacks import BACKENDS, start_stack, stop_stack  # noqa: E402


@pytest.fixture(scope="session", params=BACKENDS)
async def stack(request, tmp_path_factory):
    stack = await start_stack(request.param, tmp_path_factory.mktemp(request.param))
    yield stack
    await stop_stack(stack)


_addresses = itertools.count(1)


@pytest.fixture
async def client_factory(stack):
    """Clients that look like distinct callers (own X-Forwarded-For), so per-IP limits of one
    test do not leak into the next."""
    from privexbot.client import Client

    made = []

    def make(**credentials) -> Client:
        n = next(_addresses)
        address = f"198.18.{n // 250 % 250}.{n % 250 + 1}"
        client = Client(stack.target, extra_metadata=(("x-forwarded-for", address),), **credentials)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
def client(client_factory):
    return client_factory()
