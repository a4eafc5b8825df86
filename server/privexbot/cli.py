"""The ``privexbot`` command: serve, migrate, enclave, version."""

from __future__ import annotations

import argparse
import sys

from privexbot.__about__ import __version__


def _serve(args) -> int:
    from privexbot import config, tracing
    from privexbot.logs import configure

    overrides = {"workers": args.workers} if args.workers else {}
    if args.address:
        overrides["grpc_address"] = args.address
    try:
        settings = config.load(**overrides)
        tracing.exporter_names()  # started in each server process; checked here, once
    except ValueError as exc:  # a ConfigError, or an OTEL_TRACES_EXPORTER we do not have
        print(f"privexbot: refusing to start: {exc}", file=sys.stderr)
        return 2
    configure(settings.log_level)
    if args.migrate:
        from privexbot.store import migrate

        migrate.upgrade(settings.database_url)
    if args.with_envoy or args.with_enclave:
        from privexbot.dev.devstack import run_stack

        return run_stack(settings, with_envoy=args.with_envoy, with_enclave=args.with_enclave)
    from privexbot.app import run

    run(settings)
    return 0


def _migrate(args) -> int:
    from privexbot import config
    from privexbot.store import migrate

    url = args.database_url or config.load().database_url
    migrate.upgrade(url, args.revision)
    print(f"database at {args.revision}")
    return 0


def _enclave(args) -> int:
    """The enclave is its own package (it imports nothing from the server); this is a door."""
    from privexbot.dev.local_enclave import installed

    if not installed():
        print(
            "privexbot enclave: not installed; run enclave/install.sh .venv/bin/python",
            file=sys.stderr,
        )
        return 3
    import privexbot_enclave

    return privexbot_enclave.main(args.enclave_args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="privexbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the gRPC server (settings from the environment)")
    serve.add_argument("--address", help="host:port to listen on (GRPC_ADDRESS)")
    serve.add_argument("--workers", type=int, help="processes sharing the port (WORKERS)")
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    serve.add_argument("--with-envoy", action="store_true", help="also run Envoy (dev)")
    serve.add_argument("--with-enclave", action="store_true", help="also run the enclave (dev)")
    serve.set_defaults(func=_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--database-url", help="defaults to DATABASE_URL")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(func=_migrate)

    enclave = sub.add_parser(
        "enclave",
        help="run the enclave (Secret VM hosted process); see enclave/README.md",
        add_help=False,
    )
    enclave.add_argument("enclave_args", nargs=argparse.REMAINDER)
    enclave.set_defaults(func=_enclave)

    version = sub.add_parser("version", help="print the version")
    version.set_defaults(func=lambda _args: print(__version__) or 0)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
