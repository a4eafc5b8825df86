"""A PostgreSQL cluster of a test's own (initdb'd in a temporary directory), which the test
may restart or stop: real faults without disturbing the shared server."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import free_port

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
# No fsync: what these tests restart is the server process, not the machine (a clean or
# fast shutdown writes everything out anyway), and migrations run several times faster.
DURABILITY = "-c fsync=off -c full_page_writes=off"


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster owned by one test (initdb'd in a temporary directory)."""

    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/test"

    async def ctl(self, *args: str) -> None:
        await _run(
            "pg_ctl",
            *("-D", str(self.directory / "data"), "-l", str(self.directory / "log"), "-w"),
            *args,
        )

    async def restart(self) -> None:
        """A fast restart: open connections are terminated, the cluster comes back."""
        await self.ctl("-m", "fast", "restart")


async def _run(program: str, *args: str) -> None:
    # PostgreSQL refuses to run as root: as the postgres user then (Debian's package has one).
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    process = await asyncio.create_subprocess_exec(
        *prefix,
        f"{BINARIES[-1]}/{program}",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0, f"{program} failed: {out.decode()[-2000:]}"


@contextlib.asynccontextmanager
async def private_postgres():
    if not BINARIES:
        pytest.fail("PostgreSQL's server binaries are missing: run scripts/services.sh")
    directory = Path(tempfile.mkdtemp(prefix="privexbot-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    server = PrivatePostgres(directory, free_port())
    await _run("initdb", "-D", str(directory / "data"), "-A", "trust", "-U", "postgres", "-N")
    options = f"-p {server.port} -k {directory} -c listen_addresses=127.0.0.1 {DURABILITY}"
    await server.ctl("-o", options, "start")
    await _run("createdb", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", "test")
    try:
        yield server
    finally:
        await server.ctl("-m", "immediate", "stop")
        shutil.rmtree(directory, ignore_errors=True)
