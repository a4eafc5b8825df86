"""Schema migrations (Alembic scripts in the repository's db/ folder)."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config

from privexbot.store.db import async_url


def migrations_dir() -> Path:
    """db/ beside the source tree, or PRIVEXBOT_MIGRATIONS (e.g. in the container image)."""
    configured = os.environ.get("PRIVEXBOT_MIGRATIONS")
    return Path(configured) if configured else Path(__file__).resolve().parents[3] / "db"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(migrations_dir() / "versions"))
    cfg.cmd_opts = type("Opts", (), {"x": [f"url={async_url(database_url)}"]})()
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    if database_url.startswith(("sqlite", "sqlite+aiosqlite")):
        path = database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str) -> None:
    """Autogenerate a new migration from the models (developers: ``make migration m=...``)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
