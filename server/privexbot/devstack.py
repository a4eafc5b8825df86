"""``privexbot serve --with-envoy [--with-enclave]``: the whole stack in one command (dev).

One asyncio loop owns everything: the gRPC server, and Envoy as a supervised child process
in front of it. SIGTERM or SIGINT (Ctrl-C) stops Envoy first, then drains the server for
``SHUTDOWN_GRACE_SECONDS``. If Envoy dies on its own, the stack stops too (exit code 1)
rather than run half an edge.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

from privexbot.config import Settings

ENCLAVE_NOTE = (
    "enclave: not started — the Secret VM hosted process arrives with the InferenceService"
    " issue; the rest of the stack runs without it"
)


def _say(line: str) -> None:
    print(f"privexbot: {line}", file=sys.stdout, flush=True)


def upstream_host(grpc_address: str) -> str:
    """Where a local Envoy reaches the server: a wildcard bind address means loopback."""
    host = grpc_address.rpartition(":")[0].strip("[]")
    return "127.0.0.1" if host in {"", "0.0.0.0", "::", "*"} else host


async def _wait_serving(target: str, within: float = 10.0) -> None:
    """Until the server's overall health is SERVING (its dependencies answer)."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            with contextlib.suppress(grpc.aio.AioRpcError):
                reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            if loop.time() > deadline:
                raise TimeoutError(
                    f"the gRPC server at {target} is not SERVING after {within:.0f}s:"
                    " check DATABASE_URL / REDIS_URL (the log says which dependency failed)"
                )
            await asyncio.sleep(0.1)


async def _watch(envoy, stop: asyncio.Event, died: list[int]) -> None:
    while not stop.is_set():
        if not envoy.running:
            died.append(envoy.process.returncode)
            stop.set()
            return
        await asyncio.sleep(0.5)


async def _run(settings: Settings, with_envoy: bool, with_enclave: bool) -> int:
    from privexbot.app import create_server
    from privexbot.edge import EdgeError, Envoy

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    running = await create_server(settings)
    envoy, died, code = None, [], 0
    try:
        host = upstream_host(settings.grpc_address)
        target = f"{host}:{running.port}"
        try:
            await _wait_serving(target)
        except TimeoutError as exc:
            _say(str(exc))
            return 1
        _say(f"gRPC            {target}")
        if with_envoy:
            envoy = Envoy(
                host,
                running.port,
                address=settings.envoy_address,
                port=settings.envoy_port,
                admin_port=settings.envoy_admin_port,
                cors_origin_regex=settings.cors_allowed_origin_regex,
            )
            try:
                await envoy.astart()
            except EdgeError as exc:
                _say(f"envoy did not start: {exc}")
                return 2
            _say(f"REST, gRPC-Web  {envoy.url}")
            _say(f"Envoy admin     {envoy.admin_url} (log: {envoy.log_path})")
        if with_enclave:
            _say(ENCLAVE_NOTE)
        _say("ready; Ctrl-C (SIGINT) or SIGTERM stops the stack")
        watcher = asyncio.create_task(_watch(envoy, stop, died)) if envoy else None
        await stop.wait()
        if watcher is not None:
            watcher.cancel()
        if died:
            _say(f"envoy exited unexpectedly (code {died[0]}); stopping the stack")
            code = 1
        return code
    finally:
        if envoy is not None:
            await envoy.astop()
        _say(f"draining in-flight calls for up to {settings.shutdown_grace_seconds:.0f}s")
        await running.stop(settings.shutdown_grace_seconds)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        _say("stopped")


def run_stack(settings: Settings, *, with_envoy: bool, with_enclave: bool) -> int:
    """Run the gRPC server (and Envoy, if asked) until SIGTERM/SIGINT; return an exit code."""
    if settings.workers > 1:
        _say("--with-envoy/--with-enclave run one server process; ignoring WORKERS")
    try:
        return asyncio.run(_run(settings, with_envoy, with_enclave))
    except KeyboardInterrupt:  # a second Ctrl-C while draining
        return 130
