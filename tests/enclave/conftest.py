"""Fixtures for the enclave tests: the REAL enclave process (real models), started once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


@dataclass
class Enclave:
    """The session's real enclave (tests/conftest.py starts it), as these tests address it."""

    base_url: str  # without /v1
    api_key: str
    log_path: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def client(self, **kw) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, headers=self.headers, **kw)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="session")
def enclave(enclave) -> Enclave:  # noqa: F811 - wraps the session-wide fixture of the same name
    return Enclave(enclave.root_url, enclave.api_key, enclave.log_path)
