"""The import rules of the code, read from its syntax trees (docs/decisions/0004-architecture.md).

- Domain packages never import grpc or generated messages.
- ``api`` → domain → ``store``: api never imports ``store``; ``store`` imports no domain.
- The kernel imports no domain (nor api, interceptors or the dev supervisors).
- Domains import each other only along the allowed edges (a DAG): identity and tenancy
  import no other domain.
- No server code imports the dev supervisors but the command line; the enclave imports
  nothing from the server.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "server" / "privexbot"
ENCLAVE = ROOT / "enclave" / "privexbot_enclave"
DOMAINS = ("identity", "tenancy", "bots", "flows", "knowledge", "inference", "channels")
# Which domains a domain may import (what would close a cycle is wired by platform.py).
DOMAIN_EDGES = {
    "identity": set(),
    "tenancy": set(),
    "inference": set(),
    "knowledge": {"tenancy"},
    "bots": {"knowledge", "inference", "tenancy"},
    "flows": {"bots", "knowledge", "inference", "tenancy"},
    "channels": {"bots", "flows", "tenancy"},
}
GRPC_MODULES = ("grpc", "grpc_status", "grpc_health", "grpc_reflection")


def imports(path: Path, package: str) -> list[str]:
    """The modules a file imports, absolute (relative imports resolved against ``package``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.append(base)
            found.extend(f"{base}.{alias.name}" for alias in node.names)
    return found


def part_of(module: str) -> str:
    """The part of the server a ``privexbot.*`` module belongs to: a domain, ``kernel``,
    ``store``, ``api``, ``interceptors``, ``dev``, ``v1`` (generated), or ``top``."""
    parts = module.split(".")
    if len(parts) < 2:
        return "top"
    return (
        parts[1]
        if parts[1] in (*DOMAINS, "kernel", "store", "api", "interceptors", "dev", "v1")
        else "top"
    )


def _rule_broken(here: str, imported: str) -> str | None:
    """Why ``imported`` may not be imported from the part ``here``; None when it may."""
    top = imported.split(".")[0]
    there = part_of(imported) if top == "privexbot" else None
    if here in DOMAINS:
        if top in GRPC_MODULES or imported.endswith(("_pb2", "_pb2_grpc")):
            return "a domain imports no grpc or generated messages"
        if there in DOMAINS and there != here and there not in DOMAIN_EDGES[here]:
            return f"{here} may not import {there}"
        if there in ("api", "interceptors", "dev"):
            return f"a domain imports no {there}"
    if here == "api" and there == "store":
        return "api reaches the store through a domain"
    if here == "store" and there in (*DOMAINS, "api", "interceptors"):
        return f"the store imports no {there}"
    if here == "kernel" and there in (*DOMAINS, "api", "interceptors", "dev"):
        return f"the kernel imports no {there}"
    if there == "dev" and here not in ("dev", "top"):
        return "only the command line starts the dev supervisors"
    return None


def violations(server: Path, enclave: Path | None = None) -> list[str]:
    """One line per file and broken rule (naming the first import that breaks it)."""
    found: dict[tuple[str, str], str] = {}
    for path in sorted(server.rglob("*.py")):
        relative = path.relative_to(server.parent).with_suffix("")
        module = ".".join(relative.parts).removesuffix(".__init__")
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for imported in imports(path, package):
            reason = _rule_broken(part_of(module), imported)
            if reason is not None:
                found.setdefault((str(relative), reason), imported)
    for path in sorted(enclave.rglob("*.py")) if enclave else ():
        relative = path.relative_to(enclave.parent).with_suffix("")
        for imported in imports(path, "privexbot_enclave"):
            if imported.split(".")[0] == "privexbot":
                found.setdefault(
                    (str(relative), "the enclave imports nothing from the server"), imported
                )
    return [
        f"{file}.py: imports {imported} ({reason})" for (file, reason), imported in found.items()
    ]


def test_the_code_keeps_the_import_rules():
    assert violations(SERVER, ENCLAVE) == []


PLANTED = {
    "identity/email.py": ("import grpc", "a domain imports no grpc"),
    "bots/chat.py": ("from privexbot.v1 import bot_pb2", "a domain imports no grpc"),
    "tenancy/members.py": (
        "from privexbot.identity import users",
        "tenancy may not import identity",
    ),
    "knowledge/documents.py": (
        "from privexbot.bots import events",
        "knowledge may not import bots",
    ),
    "api/tenant.py": ("from privexbot.store.models import Workspace", "api reaches the store"),
    "store/audit.py": ("from privexbot.tenancy import plans", "the store imports no tenancy"),
    "kernel/standard.py": ("from privexbot.knowledge import search", "the kernel imports no"),
    "platform.py": ("from privexbot.dev import edge", None),  # the top level may
    "bots/widget.py": ("from .. import api", "a domain imports no api"),
}


@pytest.mark.parametrize("file", PLANTED)
def test_a_planted_violation_is_found(tmp_path, file):
    copy = tmp_path / "privexbot"
    shutil.copytree(SERVER, copy, ignore=shutil.ignore_patterns("__pycache__"))
    line, reason = PLANTED[file]
    target = copy / file
    target.write_text(line + "\n" + target.read_text())
    found = violations(copy)
    if reason is None:
        assert found == []
    else:
        assert len(found) == 1 and reason in found[0], found


def test_the_enclave_may_not_import_the_server(tmp_path):
    copy = tmp_path / "privexbot_enclave"
    shutil.copytree(ENCLAVE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "app.py").write_text(
        "from privexbot.kernel import errors\n" + (copy / "app.py").read_text()
    )
    assert violations(tmp_path / "empty", copy) == [
        "privexbot_enclave/app.py: imports privexbot.kernel"
        " (the enclave imports nothing from the server)"
    ]
