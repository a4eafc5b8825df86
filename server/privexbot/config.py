"""Settings, read once from the environment (documented in .env.example and the README).

Embedded defaults run everything on one machine: SQLite file, in-process ephemeral store,
milvus-lite file, local enclave. Production (``PRIVEXBOT_ENV=production``) refuses to start
with a development secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

DEV_JWT_KEY = "dev-only-insecure-jwt-key-change-me-0123456789"


class ConfigError(ValueError):
    """A setting is missing or unsafe; the message says which and why."""


def _bool(value: str) -> bool:
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"not a boolean: {value!r}")


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    grpc_address: str = "127.0.0.1:50051"
    workers: int = 1
    database_url: str = "sqlite+aiosqlite:///var/privexbot.db"
    redis_url: str = ""
    # Prometheus exposition (host:port; empty = off); never route it through Envoy.
    metrics_address: str = ""
    # Per process; a call finding every connection busy waits up to the timeout for one.
    redis_max_connections: int = 200
    redis_pool_timeout_seconds: float = 2.0
    milvus_uri: str = "var/milvus.db"
    inference_base_url: str = "http://127.0.0.1:8300/v1"
    inference_api_key: str = "dev-enclave-key"
    inference_model: str = "smollm2-135m-instruct"
    # A reply whose first token takes longer, or that then pauses longer between tokens,
    # ends UNAVAILABLE (a hung or overloaded endpoint) instead of holding the caller.
    inference_first_token_timeout_seconds: float = 30.0
    inference_idle_timeout_seconds: float = 15.0
    # How long a document keeps waiting (retries backing off to hourly) for an unavailable
    # enclave or vector store before it is FAILED.
    ingestion_retry_hours: float = 72.0
    ingestion_lease_seconds: float = 60.0
    embedding_model: str = "all-minilm-l6-v2"
    attestation: str = "off"
    # ATTESTATION=required: comma-separated hex allowlists, and the exact docker-compose file
    # the SecretVM runs (RTMR3 replays its hash).
    attestation_mrtd: str = ""
    attestation_rtmr0: str = ""
    attestation_rtmr1: str = ""
    attestation_rtmr2: str = ""
    attestation_compose_file: str = ""
    # Where the SecretVM serves its quote; default https://<inference host>:29343.
    attestation_url: str = ""
    attestation_require_quote_signature: bool = True
    # "kid:secret" pairs, comma-separated; the first signs, all verify (key rotation).
    jwt_keys: str = f"dev:{DEV_JWT_KEY}"
    jwt_issuer: str = "https://privexbot.io"
    jwt_audience: str = "privexbot-api"
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    # Where wallet sign-in messages say the user is signing in (EIP-4361 domain and URI).
    wallet_domain: str = "localhost:8080"
    wallet_uri: str = "http://localhost:8080"
    reflection: bool = True
    max_message_bytes: int = 4 * 1024 * 1024
    max_concurrent_streams: int = 256
    default_deadline_seconds: float = 30.0
    stream_deadline_seconds: float = 600.0
    shutdown_grace_seconds: float = 10.0
    # How often health re-checks the database and the ephemeral store.
    health_interval_seconds: float = 5.0
    log_level: str = "INFO"
    envoy_address: str = "127.0.0.1"
    envoy_port: int = 8080
    envoy_admin_port: int = 9901
    # RE2 regex a browser Origin must fully match (CORS); set it in production.
    cors_allowed_origin_regex: str = ".*"
    # Chatbot drafts vanish this long after their last update.
    chatbot_draft_ttl_seconds: int = 7 * 24 * 3600
    # Chat through a publishable key (website widget): per key, and per visitor of a key.
    publishable_key_chats_per_minute: int = 600
    visitor_chats_per_minute: int = 20
    # Resumable uploads (StartUpload…FinishUpload) not finished in this time are discarded.
    upload_lifetime_seconds: int = 24 * 3600
    # How often expired uploads and idempotency keys are swept away.
    housekeeping_interval_seconds: float = 600.0
    # Peers whose X-Forwarded-For is believed (the edge proxy): comma-separated CIDRs. The
    # default is the address the local Envoy connects from (edge.DEV_UPSTREAM_SOURCE), so
    # no other local caller can claim a client address.
    trusted_proxies: str = "127.0.0.2/32"
    # Chatflows: drafts' lifetime; a run's deadline and step cap; HTTP nodes may reach these
    # literal host:port pairs although their addresses are private (comma-separated; for
    # internal services and tests; empty: none); the key chatflow secrets are sealed with.
    chatflow_draft_ttl_seconds: int = 7 * 24 * 3600
    chatflow_run_deadline_seconds: float = 120.0
    chatflow_max_steps: int = 1000
    chatflow_http_allow: str = ""
    chatflow_secrets_key: str = "dev-chatflow-secrets-key-change-me"
    # Website sources: literal ip:port pairs the crawler may reach although private
    # (comma-separated; tests, internal sites; empty: none), and the pause between two
    # requests to one site.
    crawl_http_allow: str = ""
    crawl_delay_seconds: float = 0.5
    # Wraps each workspace's data key that seals channel credentials (channels/envelope.py).
    channel_secrets_key: str = "dev-channel-secrets-key-change-me"
    # The public URL platforms call webhooks at (empty: no webhook is registered), and the
    # platforms' API base URLs (tests point them at a local server).
    channel_webhook_base_url: str = ""
    telegram_api_base_url: str = "https://api.telegram.org"
    slack_api_base_url: str = "https://slack.com/api"
    discord_api_base_url: str = "https://discord.com/api/v10"
    whatsapp_api_base_url: str = "https://graph.facebook.com/v21.0"
    # How long a channel turn (an inbound message being answered) stays a worker's without
    # a sign of life; a turn whose worker died is taken over by another once it runs out.
    channel_turn_lease_seconds: float = 60.0
    # Outbound mail (verification, password reset, invitations). SMTP_SECURITY: starttls,
    # tls (implicit, port 465) or none; empty SMTP_HOST (development only): mails are logged.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    mail_from: str = "PrivexBot <no-reply@localhost>"
    # The web app links in mails point to (…/verify-email?token=…, …/reset-password?token=…).
    app_url: str = "http://localhost:8080"
    email_verification_ttl_seconds: int = 24 * 3600
    # Inviting others and creating API keys need a verified email (default: on in
    # production, off in development).
    require_verified_email: bool = False
    # ChangePlan asks this webhook to approve (2xx); empty: development approves every
    # change, production refuses them.
    billing_webhook_url: str = ""
    password_reset_ttl_seconds: int = 30 * 60

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def jwt_key_ring(self) -> list[tuple[str, str]]:
        ring = []
        for item in self.jwt_keys.split(","):
            kid, sep, secret = item.strip().partition(":")
            if not sep or not kid or not secret:
                raise ConfigError("JWT_KEYS must be comma-separated kid:secret pairs")
            ring.append((kid, secret))
        return ring

    @property
    def trusted_proxy_networks(self) -> tuple:
        import ipaddress

        try:
            return tuple(
                ipaddress.ip_network(cidr.strip())
                for cidr in self.trusted_proxies.split(",")
                if cidr.strip()
            )
        except ValueError as exc:
            raise ConfigError(f"TRUSTED_PROXIES: {exc}") from exc

    def validate(self) -> Settings:
        if self.env not in {"development", "production"}:
            raise ConfigError("PRIVEXBOT_ENV must be development or production")
        if self.smtp_security not in {"starttls", "tls", "none"}:
            raise ConfigError("SMTP_SECURITY must be starttls, tls or none")
        if not 0 <= self.crawl_delay_seconds <= 60:
            raise ConfigError("CRAWL_DELAY_SECONDS must be within 0..60")
        if self.attestation not in {"off", "required"}:
            raise ConfigError("ATTESTATION must be off or required")
        if self.ingestion_lease_seconds < 5:
            raise ConfigError("INGESTION_LEASE_SECONDS must be at least 5")
        if self.channel_turn_lease_seconds < 3:
            raise ConfigError("CHANNEL_TURN_LEASE_SECONDS must be at least 3")
        if not 60 <= self.access_token_ttl_seconds <= 900:
            raise ConfigError("ACCESS_TOKEN_TTL_SECONDS must be within 60..900 (15 minutes)")
        ring = self.jwt_key_ring
        self.trusted_proxy_networks  # noqa: B018 - parse now: a typo must stop startup
        if self.attestation == "required":
            problems = attestation_policy(self).problems()
            if problems:
                raise ConfigError("ATTESTATION=required but " + "; ".join(problems))
        if self.production:
            if any(secret == DEV_JWT_KEY or len(secret) < 32 for _, secret in ring):
                raise ConfigError(
                    "production refuses the development JWT key or any key under 32 characters:"
                    " set JWT_KEYS"
                )
            if self.inference_api_key == Settings.inference_api_key:
                raise ConfigError("production refuses the development INFERENCE_API_KEY")
            if self.database_url.startswith("sqlite"):
                raise ConfigError("production needs DATABASE_URL (PostgreSQL)")
            if not self.redis_url:
                raise ConfigError("production needs REDIS_URL")
            if self.cors_allowed_origin_regex in ("", ".*"):
                raise ConfigError("production needs CORS_ALLOWED_ORIGIN_REGEX (your site's origin)")
            if self.chatflow_secrets_key == Settings.chatflow_secrets_key:
                raise ConfigError("production refuses the development CHATFLOW_SECRETS_KEY")
            if self.channel_secrets_key == Settings.channel_secrets_key:
                raise ConfigError("production refuses the development CHANNEL_SECRETS_KEY")
            if not self.smtp_host:
                raise ConfigError("production needs SMTP_HOST (verification and reset mails)")
        if self.workers > 1:
            missing = [
                name
                for name, ok in (
                    ("REDIS_URL", bool(self.redis_url)),
                    (
                        "MILVUS_URI (a Milvus server, not a milvus-lite file)",
                        self.milvus_uri.startswith(("http://", "https://", "tcp://")),
                    ),
                    ("DATABASE_URL (PostgreSQL)", not self.database_url.startswith("sqlite")),
                )
                if not ok
            ]
            if missing:
                raise ConfigError(
                    f"--workers {self.workers} needs shared state: set {', '.join(missing)}."
                    " Embedded defaults are single-process (milvus-lite locks its file; the"
                    " in-process ephemeral store is not shared)."
                )
        return self


# Environment variable → Settings field: the field's name in capitals, but for these two.
_RENAMED = {"env": "PRIVEXBOT_ENV", "reflection": "GRPC_REFLECTION"}
ENVIRONMENT = {_RENAMED.get(f.name, f.name.upper()): f.name for f in fields(Settings)}


def load(environ: dict[str, str] | None = None, **overrides) -> Settings:
    """Settings from the environment (and explicit overrides, e.g. CLI flags or tests)."""
    environ = os.environ if environ is None else environ
    types = {f.name: f.type for f in fields(Settings)}
    values: dict[str, object] = {}
    for var, name in ENVIRONMENT.items():
        raw = environ.get(var)
        if raw is None or raw == "":
            continue
        kind = types[name]
        try:
            values[name] = (
                _bool(raw)
                if kind == "bool"
                else int(raw)
                if kind == "int"
                else float(raw)
                if kind == "float"
                else raw
            )
        except ValueError as exc:
            raise ConfigError(f"{var}: {exc}") from exc
    settings = replace(Settings(), **values)
    if "GRPC_REFLECTION" not in environ and settings.production:
        settings = replace(settings, reflection=False)
    if "REQUIRE_VERIFIED_EMAIL" not in environ and settings.production:
        settings = replace(settings, require_verified_email=True)
    return replace(settings, **overrides).validate()


def attestation_policy(settings: Settings):
    """The attestation policy these settings describe."""
    from pathlib import Path

    from privexbot.inference.attestation import Policy, hex_set

    compose = None
    if settings.attestation_compose_file:
        try:
            compose = Path(settings.attestation_compose_file).read_text()
        except OSError as exc:
            raise ConfigError(f"ATTESTATION_COMPOSE_FILE: {exc}") from exc
    try:
        return Policy(
            mode=settings.attestation,
            allowed_mrtd=hex_set(settings.attestation_mrtd, "ATTESTATION_MRTD"),
            allowed_rtmr0=hex_set(settings.attestation_rtmr0, "ATTESTATION_RTMR0"),
            allowed_rtmr1=hex_set(settings.attestation_rtmr1, "ATTESTATION_RTMR1"),
            allowed_rtmr2=hex_set(settings.attestation_rtmr2, "ATTESTATION_RTMR2"),
            expected_compose=compose,
            require_quote_signature=settings.attestation_require_quote_signature,
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
