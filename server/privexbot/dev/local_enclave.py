"""The enclave as a local child process, for development and tests (``serve --with-enclave``).

In production the enclave runs in a SecretVM (or Secret AI serves the same API); locally it
is the same program (``privexbot_enclave``, real models) started and stopped by whoever owns
the stack, serving ``INFERENCE_BASE_URL`` with ``INFERENCE_API_KEY``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import httpx

STARTUP_TIMEOUT = 180.0  # loading torch and the models takes seconds, more on a busy machine


class EnclaveError(RuntimeError):
    pass


def installed() -> bool:
    return importlib.util.find_spec("privexbot_enclave") is not None


class LocalEnclave:
    def __init__(self, base_url: str, api_key: str, log_path: Path | None = None) -> None:
        """``base_url`` as the server uses it, e.g. ``http://127.0.0.1:8300/v1``."""
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
            raise EnclaveError(f"a local enclave serves http on loopback, not {base_url}")
        self.base_url, self.api_key = base_url, api_key
        self.host, self.port = parts.hostname, parts.port or 80
        self.log_path = (
            log_path or Path(tempfile.mkdtemp(prefix="privexbot-enclave-")) / "enclave.log"
        )
        self.process: subprocess.Popen | None = None

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> LocalEnclave:
        if not installed():
            raise EnclaveError(
                "the enclave is not installed: run enclave/install.sh .venv/bin/python"
            )
        env = {
            **os.environ,
            "ENCLAVE_API_KEY": self.api_key,
            "ENCLAVE_HOST": self.host,
            "ENCLAVE_PORT": str(self.port),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        env.pop("ENCLAVE_ATTESTATION_URL", None)  # a plain machine: development, not attested
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: ASYNC220 - returns at once; output to a file
                [sys.executable, "-m", "privexbot_enclave"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_TIMEOUT
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                if self.process.poll() is not None:
                    raise EnclaveError(
                        f"the enclave exited ({self.process.returncode}): {self.log_tail()}"
                    )
                try:
                    if (await client.get(f"{self.root_url}/health")).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                if loop.time() > deadline:
                    await self.stop()
                    raise EnclaveError(
                        f"the enclave is not healthy after {STARTUP_TIMEOUT:.0f}s: {self.log_tail()}"
                    )
                await asyncio.sleep(0.1)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def stop(self, grace: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(asyncio.to_thread(self.process.wait), grace)
        except TimeoutError:
            self.process.kill()
            await asyncio.to_thread(self.process.wait)
