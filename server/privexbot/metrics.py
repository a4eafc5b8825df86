"""Prometheus metrics for operators, served on the admin address (``METRICS_ADDRESS``, off
when empty), never through the public Envoy listener.

One registry per process. With WORKERS > 1, worker i serves on the port + i (scrape each:
the workers share nothing). Labels carry methods, codes, models and dependency names only,
never tenant ids or content.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

REGISTRY = CollectorRegistry()
_LATENCY = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

RPCS = Counter(
    "privexbot_rpcs", "RPCs finished, by method and status code", ["method", "code"],
    registry=REGISTRY,
)  # fmt: skip
RPC_SECONDS = Histogram(
    "privexbot_rpc_duration_seconds", "Time from the first interceptor in to the last out",
    ["method"], buckets=_LATENCY, registry=REGISTRY,
)  # fmt: skip
STREAMS = Gauge(
    "privexbot_streams_in_flight", "Server-streaming RPCs open now", ["method"],
    registry=REGISTRY,
)  # fmt: skip
FIRST_TOKEN_SECONDS = Histogram(
    "privexbot_inference_first_token_seconds", "Request to the upstream's first token",
    ["model"], buckets=_LATENCY, registry=REGISTRY,
)  # fmt: skip
TOKENS = Counter(
    "privexbot_inference_tokens", "Tokens relayed, by model and kind (prompt, completion)",
    ["model", "kind"], registry=REGISTRY,
)  # fmt: skip
DEPENDENCY_ERRORS = Counter(
    "privexbot_dependency_errors",
    "Calls a dependency failed (database, ephemeral_store, inference, vector_store)",
    ["dependency"], registry=REGISTRY,
)  # fmt: skip
ATTESTED = Gauge(
    "privexbot_inference_attested",
    "1 when the inference endpoint's last verdict was attested, else 0",
    registry=REGISTRY,
)
CACHE_LOOKUPS = Counter(
    "privexbot_cache_lookups",
    "In-process cache lookups (roles, workspaces, current_user, current_user_messages, tokens)",
    ["cache", "result"], registry=REGISTRY,
)  # fmt: skip
INGESTION_JOBS = Counter(
    "privexbot_ingestion_jobs",
    "Documents whose ingestion ended, by state (ready, failed)",
    ["state"], registry=REGISTRY,
)  # fmt: skip
INGESTION_SECONDS = Histogram(
    "privexbot_ingestion_lag_seconds", "From a document's upload to READY",
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400),
    registry=REGISTRY,
)  # fmt: skip


def serve(address: str) -> None:
    """Start the exposition on ``address`` (host:port) in a daemon thread."""
    host, _, port = address.rpartition(":")
    start_http_server(int(port), addr=host or "127.0.0.1", registry=REGISTRY)


def worker_address(address: str, index: int) -> str:
    """Worker ``index``'s metrics address: the port + index."""
    host, _, port = address.rpartition(":")
    return f"{host}:{int(port) + index}"
