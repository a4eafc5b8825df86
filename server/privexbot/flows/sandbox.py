"""The code node's sandbox, from the server's side: worker processes (sandbox_worker.py, a
V8 isolate per call) started on first use, one call at a time each. A call that overruns
its wall-clock limit gets its process killed (SIGKILL) and replaced; the server's own
memory and event loop never hold user code."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from pathlib import Path

WORKER = Path(__file__).with_name("sandbox_worker.py")
MAX_REPLY = 1024 * 1024
# Beyond the script's own CPU limit: process start, isolate setup, a reply in flight.
GRACE_SECONDS = 2.0


class SandboxError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


class _Worker:
    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None

    async def ensure(self) -> asyncio.subprocess.Process:
        if self.process is None or self.process.returncode is not None:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-I",
                str(WORKER),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                env={"PATH": "/usr/bin:/bin"},
                cwd="/",
                limit=MAX_REPLY * 2,
            )
        return self.process

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
        self.process = None


class Sandbox:
    def __init__(self, workers: int = 2) -> None:
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        for _ in range(workers):
            self._idle.put_nowait(_Worker())

    async def run(self, source: str, inputs, timeout_ms: int, memory_mb: int):
        """The value the script's ``main(inputs)`` returns (JSON), or ``SandboxError``
        (kind timeout, memory or code)."""
        worker = await self._idle.get()
        try:
            process = await worker.ensure()
            request = {
                "source": source,
                "inputs": inputs,
                "timeout_ms": timeout_ms,
                "memory_mb": memory_mb,
            }
            process.stdin.write(json.dumps(request).encode() + b"\n")
            try:
                async with asyncio.timeout(timeout_ms / 1000 + GRACE_SECONDS):
                    await process.stdin.drain()
                    line = await process.stdout.readline()
            except TimeoutError:
                await worker.kill()
                raise SandboxError("timeout", "the code was killed at its time limit") from None
            except BaseException:  # cancelled mid-call: the worker's state is unknown
                await worker.kill()
                raise
            if not line:  # the process died (killed by the kernel, a V8 fatal error)
                await worker.kill()
                raise SandboxError("memory", "the code's process died")
            reply = json.loads(line)
        finally:
            self._idle.put_nowait(worker)
        if not reply["ok"]:
            raise SandboxError(reply["kind"], reply["error"])
        return reply["result"]

    async def close(self) -> None:
        while not self._idle.empty():
            await self._idle.get_nowait().kill()
