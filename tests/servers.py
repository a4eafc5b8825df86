"""``privexbot serve`` as a real process for fault tests: its own process group (so a
SIGKILL takes milvus-lite with it), its settings from the environment."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from helpers import free_port

from privexbot.client import Client


def enclave_settings(enclave) -> dict[str, str]:
    return {"INFERENCE_BASE_URL": enclave.base_url, "INFERENCE_API_KEY": enclave.api_key}


class Server:
    """One ``privexbot serve --migrate`` on ``settings`` (environment names) and a port of
    its own; ``start`` returns a client once it serves."""

    def __init__(self, settings: dict[str, str]) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "GRPC_ADDRESS": f"127.0.0.1:{self.port}",
            "TRUSTED_PROXIES": "127.0.0.0/8",
            **settings,
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> Client:
        from privexbot.dev.devstack import wait_serving

        self.process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "privexbot.cli", "serve", "--migrate"),
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        await wait_serving(f"127.0.0.1:{self.port}", within=60)
        return Client(f"127.0.0.1:{self.port}")

    async def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)  # the server and milvus-lite with it
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                await self.process.wait()
        if self.process is not None:  # whatever the group still holds (milvus-lite)
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
