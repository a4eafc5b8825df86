"""Envoy in front of the real server (the ``stack`` fixture, each backend), on free ports."""

from __future__ import annotations

import pytest

from privexbot.dev import edge as edge_module


def envoy_for(stack) -> edge_module.Envoy:
    """An Envoy (not started) in front of ``stack``'s server; port 0 picks free ports."""
    return edge_module.Envoy("127.0.0.1", stack.running.port, port=0, admin_port=0, concurrency=1)


@pytest.fixture(scope="session")
def envoy_binary() -> str:
    try:
        return edge_module.find_binary()
    except edge_module.EdgeError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
async def edge_proxy(stack, envoy_binary):
    """The running ``edge.Envoy`` in front of ``stack``."""
    envoy = envoy_for(stack)
    await envoy.astart()
    yield envoy
    await envoy.astop()


@pytest.fixture(scope="session")
def edge(edge_proxy) -> str:
    """Base URL (``http://127.0.0.1:<port>``) for REST and gRPC-Web through Envoy."""
    return edge_proxy.url
