"""The SDKs are versioned with the contract: the server, the Python SDK and the TypeScript
SDK carry one version, so a client names the API it was generated from."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from privexbot.__about__ import __version__

ROOT = Path(__file__).resolve().parents[2]


def test_the_sdks_carry_the_servers_version():
    python = tomllib.loads((ROOT / "clients" / "python" / "pyproject.toml").read_text())
    typescript = json.loads((ROOT / "clients" / "typescript" / "package.json").read_text())
    assert python["project"]["version"] == typescript["version"] == __version__
