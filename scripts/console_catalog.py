"""Writes web/console/src/catalog.json: what the console must know of the server that no RPC
returns: each role's permissions (to hide what a role cannot do; the server refuses anyway)
and each chatflow node type's doc and config schema (the flow editor's side panel is
generated from it). Read from the server's own tables (tenancy/roles.py, the node
registry); tests/unit/test_console_catalog.py fails when the committed file is stale.

Run: ``PYTHONPATH=server python scripts/console_catalog.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from privexbot.flows.nodes import registry
from privexbot.flows.nodes.schema import COMMON, Field
from privexbot.tenancy import roles

OUT = Path(__file__).resolve().parents[1] / "web" / "console" / "src" / "catalog.json"
DEFAULTS = Field("any")


def field(spec: Field) -> dict:
    """One config field as the console reads it: its kind and only the limits that are set."""
    out: dict = {"kind": spec.kind}
    if spec.required:
        out["required"] = True
    for key in ("min", "max"):
        if getattr(spec, key) is not None:
            out[key] = getattr(spec, key)
    if spec.max_len != DEFAULTS.max_len:
        out["max_len"] = spec.max_len
    if spec.values:
        out["values"] = list(spec.values)
    if spec.item is not None:
        out["item"] = field(spec.item)
    if spec.fields is not None:
        out["fields"] = {name: field(each) for name, each in spec.fields.items()}
    return out


def build(node_types: list[str]) -> dict:
    """The catalog of ``node_types`` (registry names) and every role."""
    nodes = {}
    for name in node_types:
        kind = registry.get(name)
        nodes[name] = {
            "doc": kind.doc,
            "container": kind.container,
            "fields": {key: field(spec) for key, spec in kind.fields.items()},
        }
    return {
        "organization_roles": {k: sorted(v) for k, v in roles.ORGANIZATION_ROLES.items()},
        "workspace_roles": {k: sorted(v) for k, v in roles.WORKSPACE_ROLES.items()},
        "common_node_fields": {key: field(spec) for key, spec in COMMON.items()},
        "node_types": nodes,
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(registry.names()), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")
