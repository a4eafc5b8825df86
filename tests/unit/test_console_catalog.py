"""web/console/src/catalog.json (roles and node schemas the console reads) matches the server's
own tables: regenerate with scripts/console_catalog.py when this fails."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from privexbot.flows.nodes import registry

ROOT = Path(__file__).resolve().parents[2]


def generator():
    spec = importlib.util.spec_from_file_location(
        "console_catalog", ROOT / "scripts" / "console_catalog.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_catalog_is_the_servers():
    module = generator()
    committed = json.loads(module.OUT.read_text())
    # Every node type but the test suites' own (tests/flowkit.py registers test_* types).
    built_in = [name for name in registry.names() if not name.startswith("test_")]
    assert sorted(committed["node_types"]) == built_in
    assert committed == json.loads(json.dumps(module.build(built_in))), (
        "run scripts/console_catalog.py"
    )


def test_the_catalog_says_what_a_viewer_cannot_do():
    committed = json.loads(generator().OUT.read_text())
    viewer = set(committed["workspace_roles"]["viewer"])
    assert "chatbot.read" in viewer and "chatbot.update" not in viewer
    assert committed["node_types"]["knowledge"]["fields"]["knowledge_bases"]["required"] is True
