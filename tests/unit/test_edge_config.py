"""The production compose file gives Envoy what the template needs, and the same limits the
server uses."""

from __future__ import annotations

from pathlib import Path

import yaml

from privexbot import config
from privexbot.dev import edge

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_fills_every_placeholder_of_the_envoy_template(tmp_path):
    environment = compose()["services"]["envoy"]["environment"]
    edge.render(edge.TEMPLATE, tmp_path / "envoy.yaml", **environment)


def test_compose_envoy_allows_the_body_the_server_limit_implies():
    environment = compose()["services"]["envoy"]["environment"]
    limit = edge.request_body_limit(config.Settings.max_message_bytes)
    assert int(environment["MAX_REQUEST_BODY_BYTES"]) == limit


def test_the_server_trusts_only_the_address_envoy_connects_from():
    services = compose()["services"]
    source = services["envoy"]["environment"]["UPSTREAM_SOURCE_ADDRESS"]
    assert services["envoy"]["networks"]["edge"]["ipv4_address"] == source
    assert services["server"]["environment"]["TRUSTED_PROXIES"] == f"{source}/32"
    assert config.Settings.trusted_proxies == f"{edge.DEV_UPSTREAM_SOURCE}/32"
