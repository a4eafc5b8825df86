"""Builds the one grpc.aio server: six services, interceptors, health and reflection.

``create_server`` is separate from ``serve`` (grpc's examples/python pattern) so tests run
the real server in-process on port 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import multiprocessing
import signal
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc

from privexbot import metrics, tracing
from privexbot.api.registry import add_service, complete
from privexbot.config import Settings
from privexbot.interceptors.auth import AuthenticationInterceptor, AuthorizationInterceptor
from privexbot.interceptors.base import Chain
from privexbot.interceptors.errors import ErrorsInterceptor
from privexbot.interceptors.limits import LimitsInterceptor
from privexbot.interceptors.logging import LoggingInterceptor
from privexbot.interceptors.wellformed import WellFormedInterceptor, decoder
from privexbot.kernel import contract, tasks
from privexbot.platform import Platform

log = logging.getLogger("privexbot.app")
KNOWLEDGE_SERVICE = "privexbot.v1.KnowledgeService"


# The transport's own limits, above the server's (MAX_MESSAGE_BYTES, wellformed.py), so that
# a request a little over them still reaches the server and is answered INVALID_ARGUMENT;
# only a message over the transport limit gets grpc's RESOURCE_EXHAUSTED.
TRANSPORT_MESSAGE_BYTES = 64 * 1024 * 1024
TRANSPORT_METADATA_BYTES = 64 * 1024
# Streams still running this long before the shutdown grace ends are ended with a reason.
STREAM_CUT_MARGIN_SECONDS = 1.0
# How long a stopping server waits for work beside its last calls (mail) to finish.
BESIDE_DRAIN_SECONDS = 5.0


def server_options(settings: Settings, reuse_port: bool) -> list[tuple[str, int]]:
    return [
        (
            "grpc.max_receive_message_length",
            max(TRANSPORT_MESSAGE_BYTES, settings.max_message_bytes),
        ),
        ("grpc.max_send_message_length", settings.max_message_bytes),
        ("grpc.max_metadata_size", TRANSPORT_METADATA_BYTES),
        ("grpc.absolute_max_metadata_size", TRANSPORT_METADATA_BYTES),
        ("grpc.max_concurrent_streams", settings.max_concurrent_streams),
        # Keepalive: ping idle clients, and refuse clients that ping too often.
        ("grpc.keepalive_time_ms", 60_000),
        ("grpc.keepalive_timeout_ms", 20_000),
        ("grpc.http2.min_recv_ping_interval_without_data_ms", 10_000),
        ("grpc.http2.max_ping_strikes", 2),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.max_connection_idle_ms", 15 * 60_000),
        ("grpc.so_reuseport", 1 if reuse_port else 0),
    ]


class GenericOnly:
    """Stands in for the server while generated code adds a service (health, reflection), so
    its handlers are served as a generic handler only, not also as grpc's registered methods:
    grpc.aio waits on a pending request per registered method for every call it accepts (see
    ``interceptors.base.Chain``)."""

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server

    def add_generic_rpc_handlers(self, handlers) -> None:
        self._server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(self, _service: str, _handlers) -> None:
        pass  # the same handlers arrived above, as a generic handler


def chain(platform: Platform, errors: ErrorsInterceptor | None = None) -> Chain:
    """The interceptors every privexbot.v1 call goes through, outermost first. ``errors``
    is kept by the server to cut response streams at shutdown."""
    settings = platform.settings
    return Chain(
        [
            LoggingInterceptor(settings.trusted_proxy_networks),
            errors or ErrorsInterceptor(),
            WellFormedInterceptor(),
            AuthenticationInterceptor(platform.authenticator),
            # Authorization before field validation (AIP-211): a caller without access learns
            # nothing about what a valid request would look like.
            AuthorizationInterceptor(platform.access),
            LimitsInterceptor(settings.default_deadline_seconds, settings.stream_deadline_seconds),
        ],
        lambda parse: decoder(parse, settings.max_message_bytes),
    )


@dataclass
class Running:
    server: grpc.aio.Server
    port: int
    platform: Platform
    health: health.aio.HealthServicer
    errors: ErrorsInterceptor
    _tasks: list[asyncio.Task] = field(default_factory=list)

    async def stop(self, grace: float | None = None) -> None:
        """Say NOT_SERVING, drain in-flight calls for ``grace`` seconds, release resources.

        Response streams still running near the end of the grace are cut with
        SERVER_SHUTTING_DOWN (a reason the client can act on) before grpc would cancel
        them bare."""
        await self.health.enter_graceful_shutdown()
        for task in self._tasks:
            task.cancel()
        if cut := await drain(self.server, self.errors, grace or 0.0):
            log.info("cut %d response streams still running at shutdown", cut)
        await tasks.beside_finished(BESIDE_DRAIN_SECONDS)
        await self.platform.close()


async def drain(server: grpc.aio.Server, errors: ErrorsInterceptor, grace: float) -> int:
    """Stop ``server``, letting calls finish for ``grace`` seconds; how many response
    streams were cut. Streams still running STREAM_CUT_MARGIN_SECONDS before the end are
    cut with SERVER_SHUTTING_DOWN. A cut stream needs a moment to wind down (closing its
    upstream) and say why, and grpc ends bare whatever still runs when its grace is over,
    so grpc's grace is never shorter than the margin, even when ``grace`` is."""
    stopping = asyncio.ensure_future(server.stop(max(grace, STREAM_CUT_MARGIN_SECONDS)))
    done, _ = await asyncio.wait({stopping}, timeout=max(0.0, grace - STREAM_CUT_MARGIN_SECONDS))
    cut = 0 if done else errors.cut()
    await stopping
    return cut


async def _check(name: str, probe) -> bool:
    try:
        await asyncio.wait_for(probe(), timeout=3)
        return True
    except Exception as exc:  # any failure means "not ready"; the log says which and why
        log.warning("dependency check failed: %s: %s", name, type(exc).__name__)
        return False


async def _watch_dependencies(platform: Platform, health_servicer) -> None:
    """Per-service health: every service needs the database and the ephemeral store;
    KnowledgeService also needs the vector store. The overall ("") status is the core."""
    serving, not_serving = (
        health_pb2.HealthCheckResponse.SERVING,
        health_pb2.HealthCheckResponse.NOT_SERVING,
    )
    last: dict[str, int] = {}
    while True:
        core = await _check("database and ephemeral store", platform.check_dependencies)
        vectors = core and await _check("vector store", platform.vectors.open)
        wanted = {"": serving if core else not_serving}
        for name in contract.service_names():
            ok = vectors if name == KNOWLEDGE_SERVICE else core
            wanted[name] = serving if ok else not_serving
        for name, status in wanted.items():
            if last.get(name) != status:
                await health_servicer.set(name, status)
        last = wanted
        await asyncio.sleep(platform.settings.health_interval_seconds)


async def create_server(
    settings: Settings, address: str | None = None, *, reuse_port: bool = False
) -> Running:
    defects = contract.problems()
    if defects:
        raise RuntimeError("the contract is incomplete: " + "; ".join(defects))
    platform = await Platform.create(settings)
    server = grpc.aio.server(
        options=server_options(settings, reuse_port), maximum_concurrent_rpcs=None
    )
    errors = ErrorsInterceptor()
    interceptors = chain(platform, errors)
    for module, servicer_class in platform.servicers():
        add_service(server, module, complete(servicer_class, module)(platform), interceptors)
    health_servicer = health.aio.HealthServicer()
    for name in ("", *contract.service_names()):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, GenericOnly(server))
    if settings.reflection:  # reflection.enable_server_reflection, as a generic handler
        reflection_pb2_grpc.add_ServerReflectionServicer_to_server(
            reflection.aio.ReflectionServicer(
                (*contract.service_names(), health.SERVICE_NAME, reflection.SERVICE_NAME)
            ),
            GenericOnly(server),
        )
    port = server.add_insecure_port(address or settings.grpc_address)
    # Everything built so far lives as long as the process; keep full garbage collections
    # from walking it (measured: a 180–220 ms pause each time, which decided p99).
    gc.collect()
    gc.freeze()
    await server.start()
    if settings.metrics_address:
        metrics.serve(settings.metrics_address)
    platform.start()
    running = Running(server, port, platform, health_servicer, errors)
    running._tasks.append(asyncio.create_task(_watch_dependencies(platform, health_servicer)))
    return running


async def serve(settings: Settings, *, reuse_port: bool = False, ready=None) -> None:
    running = await create_server(settings, reuse_port=reuse_port)
    log.info("serving gRPC on %s (port %d)", settings.grpc_address, running.port)
    if ready is not None:
        ready(running)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info(
        "shutting down: draining in-flight calls for up to %.0fs", settings.shutdown_grace_seconds
    )
    await running.stop(settings.shutdown_grace_seconds)


def _worker(settings: Settings, index: int = 0) -> None:
    from privexbot.logs import configure

    configure(settings.log_level)
    tracing.configure()  # here, after the fork: the exporter's thread is this worker's own
    if settings.metrics_address and index:
        settings = dataclasses.replace(
            settings, metrics_address=metrics.worker_address(settings.metrics_address, index)
        )
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(settings, reuse_port=True))
    finally:
        tracing.stop()  # export what is pending: a forked worker runs no atexit handlers


def run(settings: Settings) -> None:
    """Serve with ``settings.workers`` processes sharing one port (SO_REUSEPORT).

    grpc's multiprocessing pattern: fork the workers before any grpc object exists in
    this process; each worker builds its own server.
    """
    if settings.workers <= 1:
        _worker(settings)
        return
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_worker, args=(settings, index)) for index in range(settings.workers)
    ]
    for worker in workers:
        worker.start()

    def forward(signum, _frame):
        for worker in workers:
            if worker.is_alive():
                worker.terminate()

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for worker in workers:
        worker.join()
