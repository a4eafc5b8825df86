"""The ``privexbot`` command as operators run it: a real process, real signals."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from helpers import PASSWORD, children, free_port, sign_up
from otlp_sink import Collector
from servers import Server
from stacks import REDIS_URL, drop_postgres_database, fresh_postgres_database

from privexbot.__about__ import __version__
from privexbot.dev.devstack import until_serving, wait_serving
from privexbot.v1 import auth_pb2

CLI = [sys.executable, "-m", "privexbot.cli"]


async def run(*args, env=None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(60):
        out, _ = await process.communicate()
    return process.returncode, out.decode()


async def test_version_and_migrate(tmp_path):
    code, out = await run("version")
    assert (code, out.strip()) == (0, __version__)
    code, out = await run("migrate", "--database-url", f"sqlite:///{tmp_path}/m.db")
    assert code == 0 and "database at head" in out
    assert (tmp_path / "m.db").stat().st_size > 0


async def test_serve_drains_and_exits_cleanly_on_sigterm(tmp_path):
    port = free_port()
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/s.db", "GRPC_ADDRESS": f"127.0.0.1:{port}"}
    process = await asyncio.create_subprocess_exec(
        *CLI,
        "serve",
        "--migrate",
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    await wait_serving(f"127.0.0.1:{port}", within=30)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        me = channel.unary_unary("/privexbot.v1.AuthService/GetCurrentUser")
        with pytest.raises(grpc.aio.AioRpcError):
            await me(b"", metadata=(("x-request-id", "cli-line"),))
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(20):
        out, _ = await process.communicate()
    assert process.returncode == 0, out.decode()[-2000:]
    assert b"shutting down" in out
    # serve logs JSON lines on stderr, one per RPC among them
    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    (rpc,) = [line for line in lines if line.get("request_id") == "cli-line"]
    assert (rpc["message"], rpc["code"], rpc["authz"]) == (
        "rpc",
        "UNAUTHENTICATED",
        "unauthenticated",
    )
    assert rpc["method"] == "/privexbot.v1.AuthService/GetCurrentUser"


async def test_several_workers_refuse_embedded_state(tmp_path):
    code, out = await run(
        "serve", "--workers", "2", env={"DATABASE_URL": f"sqlite:///{tmp_path}/w.db"}
    )
    assert code == 2
    assert "refusing to start" in out and "REDIS_URL" in out and "milvus-lite" in out


async def test_an_unknown_trace_exporter_is_refused(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "OTEL_TRACES_EXPORTER": "zipkin"}
    code, out = await run("serve", env=env)
    assert code == 2 and "refusing to start" in out and "'zipkin'" in out


async def test_served_with_otlp_set_the_server_exports_its_spans(tmp_path):
    """The OTEL_* settings alone: the served process continues a caller's trace, its log
    line names it, and the span reaches the collector by the time the process has exited."""
    collector = Collector()
    port = free_port()
    trace_id, parent = "1f0a1b2c3d4e5f60718293a4b5c6d7e8", "a1b2c3d4e5f60718"
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/o.db",
        "GRPC_ADDRESS": f"127.0.0.1:{port}",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_SERVICE_NAME": "privexbot-cli-test",
    }
    process = await asyncio.create_subprocess_exec(
        *CLI,
        "serve",
        "--migrate",
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await wait_serving(f"127.0.0.1:{port}", within=30)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            me = channel.unary_unary("/privexbot.v1.AuthService/GetCurrentUser")
            with pytest.raises(grpc.aio.AioRpcError):
                metadata = (("traceparent", f"00-{trace_id}-{parent}-01"), ("x-request-id", "otlp"))
                await me(b"", metadata=metadata)
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            out, _ = await process.communicate()
    finally:
        collector.server.shutdown()
    assert process.returncode == 0, out.decode()[-2000:]
    (span,) = [s for s in collector.spans if s["trace_id"] == trace_id]
    assert (span["service"], span["name"], span["parent"]) == (
        "privexbot-cli-test",
        "privexbot.v1.AuthService/GetCurrentUser",
        parent,
    )
    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    (rpc,) = [line for line in lines if line.get("request_id") == "otlp"]
    assert (rpc["trace_id"], rpc["span_id"]) == (trace_id, span["span_id"])


async def test_a_log_in_is_traced_into_its_sign_in_worker(tmp_path):
    """The password check runs in a sign-in worker process: its span, and its statements'
    spans under it, continue the log-in's trace and reach the same collector."""
    collector = Collector()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/w.db",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_BSP_SCHEDULE_DELAY": "50",
    }
    server = Server(env)
    trace_id, parent = "2f0a1b2c3d4e5f60718293a4b5c6d7e9", "b1b2c3d4e5f60718"
    try:
        client = await server.start()
        me = await sign_up(client, "traced")
        await client.auth.LogInWithEmail(
            auth_pb2.LogInWithEmailRequest(email=me.email, password=PASSWORD),
            metadata=(("traceparent", f"00-{trace_id}-{parent}-01"),),
        )
        rpc_name = "privexbot.v1.AuthService/LogInWithEmail"
        spans = await collector.trace(trace_id, {rpc_name, "identity.sign_in_worker", "SELECT"})
    finally:
        await server.stop()
        collector.server.shutdown()
    (rpc,) = [s for s in spans if s["name"] == rpc_name]
    (worker,) = [s for s in spans if s["name"] == "identity.sign_in_worker"]
    assert rpc["parent"] == parent and worker["parent"] == rpc["span_id"]
    statements = [s for s in spans if s["parent"] == worker["span_id"]]
    assert {s["name"] for s in statements} >= {"SELECT", "INSERT"}  # the user; the session
    assert all("db.query.text" in s["attributes"] for s in statements)


def _alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


@pytest.mark.postgres
async def test_workers_share_one_port_with_reuseport(tmp_path):
    database = await fresh_postgres_database()
    port = free_port()
    env = {
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_URL,
        "MILVUS_URI": "http://127.0.0.1:19530",
        "GRPC_ADDRESS": f"127.0.0.1:{port}",
    }
    try:
        code, out = await run("migrate", env=env)
        assert code == 0, out
        process = await asyncio.create_subprocess_exec(
            *CLI,
            "serve",
            "--workers",
            "2",
            env={**os.environ, **env},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await wait_serving(f"127.0.0.1:{port}", within=30)
        workers = children(process.pid)
        assert len(workers) == 2
        # No Milvus server here: every service but KnowledgeService serves (per-service health).
        # A fresh connection may reach the worker that started second: it serves once its own
        # first dependency check is done.
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            await until_serving(health, "privexbot.v1.AuthService", within=30)
            knowledge = await health.Check(
                health_pb2.HealthCheckRequest(service="privexbot.v1.KnowledgeService")
            )
        assert knowledge.status == health_pb2.HealthCheckResponse.NOT_SERVING
        for _ in range(10):  # fresh connections are spread by the kernel; all are served
            await wait_serving(f"127.0.0.1:{port}", within=30)
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.wait()
        assert not _alive(workers)
    finally:
        await drop_postgres_database(database)
