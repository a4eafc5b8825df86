"""Fixtures of the fuzz suite: the tenants it calls into, the server's own account of each
unhandled error, and the real Envoy of the e2e tests for REST."""

from __future__ import annotations

import logging

import pytest
from e2e.conftest import edge, edge_proxy, envoy_binary  # noqa: F401 (the e2e Envoy fixtures)
from stacks import BACKENDS

from . import world as world_module


def pytest_collection_modifyitems(config, items):
    """REST cases run on the last backend only: what they add to gRPC's, Envoy's
    transcoding, does not depend on the database."""
    elsewhere = [
        item
        for item in items
        if item.nodeid.startswith("tests/fuzz/")
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("transport") == "rest"
        and item.callspec.params.get("stack") != BACKENDS[-1]
    ]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if item not in elsewhere]


@pytest.fixture(scope="module")
async def world(stack):
    built = await world_module.build(stack)
    yield built
    await built.close()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def about(self, request_id: str) -> str:
        """The server's log of the call (its traceback), to show beside a failing example."""
        formatter = logging.Formatter()
        return "\n".join(formatter.format(r) for r in self.records if request_id in r.getMessage())


@pytest.fixture
def server_errors():
    """ERROR records the in-process server logs (``unhandled error in ... (request id)``)."""
    handler = _Records()
    logger = logging.getLogger("privexbot")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
