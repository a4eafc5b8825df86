"""``privexbot serve --with-envoy [--with-enclave]``: the whole stack in one command (dev).

One asyncio loop owns everything: the gRPC server, the enclave (real models) and Envoy as
supervised child processes. SIGTERM or SIGINT (Ctrl-C) drains Envoy first (health checks
fail, listeners drain, the REST and gRPC-Web calls it holds complete while the server still
serves them), then the server, within ``SHUTDOWN_GRACE_SECONDS`` in all (streams still
running near the end are cut with SERVER_SHUTTING_DOWN), then stops Envoy once its last
replies are out, then the enclave. If a child dies on its own, the
stack stops too (exit code 1) rather than run half a platform.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

from privexbot import tracing
from privexbot.config import Settings

# After the server has drained, how long Envoy may take to deliver its last replies.
ENVOY_IDLE_WAIT_SECONDS = 2.0


def _say(line: str) -> None:
    print(f"privexbot: {line}", file=sys.stdout, flush=True)


def upstream_host(grpc_address: str) -> str:
    """Where a local Envoy reaches the server: a wildcard bind address means loopback."""
    host = grpc_address.rpartition(":")[0].strip("[]")
    return "127.0.0.1" if host in {"", "0.0.0.0", "::", "*"} else host


async def until_serving(stub, service: str = "", within: float = 10.0) -> None:
    """Poll ``service``'s health (the server overall by default) over one channel until it
    says SERVING: its dependencies answer."""
    import grpc
    from grpc_health.v1 import health_pb2

    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        with contextlib.suppress(grpc.aio.AioRpcError):
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=1)
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                return
        if loop.time() > deadline:
            raise TimeoutError(
                f"{service or 'the gRPC server'} is not SERVING after {within:.0f}s:"
                " check DATABASE_URL / REDIS_URL (the log says which dependency failed)"
            )
        await asyncio.sleep(0.05)


async def wait_serving(target: str, service: str = "", within: float = 10.0) -> None:
    """:func:`until_serving` over a new channel to ``target``."""
    import grpc
    from grpc_health.v1 import health_pb2_grpc

    async with grpc.aio.insecure_channel(target) as channel:
        await until_serving(health_pb2_grpc.HealthStub(channel), service, within)


async def _started(children: dict, name: str, start, error: type[Exception]) -> bool:
    """Start a child process as ``children[name]``; False (said why) when it did not."""
    try:
        children[name] = await start()
    except error as exc:
        _say(f"{name} did not start: {exc}")
        return False
    return True


async def _watch(children: dict, stop: asyncio.Event, died: list[str]) -> None:
    """Stop the stack when a supervised child (Envoy, the enclave) exits on its own."""
    while not stop.is_set():
        for name, child in children.items():
            if not child.running:
                died.append(f"{name} exited (code {child.process.returncode})")
                stop.set()
                return
        await asyncio.sleep(0.5)


async def _run(settings: Settings, with_envoy: bool, with_enclave: bool) -> int:
    from privexbot.app import STREAM_CUT_MARGIN_SECONDS, create_server
    from privexbot.dev.edge import EdgeError, Envoy
    from privexbot.dev.local_enclave import EnclaveError, LocalEnclave

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    children: dict = {}
    running, died = None, []
    try:
        if with_enclave:  # first: the server's inference calls go to it
            enclave = LocalEnclave(settings.inference_base_url, settings.inference_api_key)
            _say(f"enclave         starting (real models; log: {enclave.log_path})")
            if not await _started(children, "enclave", enclave.start, EnclaveError):
                return 2
            _say(f"enclave         {settings.inference_base_url} (not attested: development)")
        running = await create_server(settings)
        host = upstream_host(settings.grpc_address)
        target = f"{host}:{running.port}"
        try:
            await wait_serving(target)
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
                max_message_bytes=settings.max_message_bytes,
            )
            if not await _started(children, "envoy", envoy.astart, EdgeError):
                return 2
            _say(f"REST, gRPC-Web  {envoy.url}")
            _say(f"Envoy admin     {envoy.admin_url} (log: {envoy.log_path})")
            _say(f"Widget demo     {envoy.url}/widget/demo.html (make demo prints its chatbot's)")
            _say(f"Console         {envoy.url}/console/")
        _say("ready; Ctrl-C (SIGINT) or SIGTERM stops the stack")
        watcher = asyncio.create_task(_watch(children, stop, died))
        await stop.wait()
        watcher.cancel()
        if died:
            _say(f"{died[0]}; stopping the stack")
            return 1
        return 0
    finally:
        grace, grace_ends = (
            settings.shutdown_grace_seconds,
            loop.time() + settings.shutdown_grace_seconds,
        )
        envoy = children.get("envoy")
        if running is not None:
            _say(f"draining in-flight calls for up to {grace:.0f}s")
            await running.health.enter_graceful_shutdown()
        if envoy is not None and envoy.running:
            # While the server still serves, the calls Envoy holds (REST, gRPC-Web) finish.
            with contextlib.suppress(OSError):
                await asyncio.to_thread(envoy.drain)
                await asyncio.to_thread(envoy.wait_idle, grace - STREAM_CUT_MARGIN_SECONDS)
        if running is not None:
            await running.stop(max(grace_ends - loop.time(), 0.0))
        if envoy is not None:
            if envoy.running:  # the last replies the server sent are on their way out
                with contextlib.suppress(OSError):
                    await asyncio.to_thread(envoy.wait_idle, ENVOY_IDLE_WAIT_SECONDS)
            await envoy.astop()
        if "enclave" in children:
            await children["enclave"].stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        _say("stopped")


def run_stack(settings: Settings, *, with_envoy: bool, with_enclave: bool) -> int:
    """Run the gRPC server (and Envoy, the enclave, if asked) until SIGTERM/SIGINT."""
    if settings.workers > 1:
        _say("--with-envoy/--with-enclave run one server process; ignoring WORKERS")
    tracing.configure()  # the enclave child reads the same OTEL_* settings
    try:
        return asyncio.run(_run(settings, with_envoy, with_enclave))
    except KeyboardInterrupt:  # a second Ctrl-C while draining
        return 130
    finally:
        tracing.stop()
