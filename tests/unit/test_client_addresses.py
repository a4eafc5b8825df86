"""Which address the platform attributes a call to (rate limits, audit)."""

from __future__ import annotations

from privexbot import config
from privexbot.interceptors.logging import ClientAddresses

addresses = ClientAddresses(config.load(environ={}).trusted_proxy_networks)


def test_direct_callers_are_their_peer_address_whatever_they_claim():
    assert addresses("ipv4:203.0.113.7:5555", "198.51.100.1") == "203.0.113.7"
    assert addresses("ipv4:10.0.0.8:5555", "198.51.100.1") == "10.0.0.8"  # private ≠ trusted


def test_behind_the_local_envoy_the_last_forwarded_address_counts():
    """By default only the address the local Envoy connects from (127.0.0.2) is a proxy."""
    assert addresses("ipv4:127.0.0.2:40000", "6.6.6.6, 198.51.100.9") == "198.51.100.9"
    assert addresses("ipv4:127.0.0.2:40000", "") == "127.0.0.2"


def test_other_local_callers_cannot_claim_an_address():
    assert addresses("ipv4:127.0.0.1:40000", "198.51.100.9") == "127.0.0.1"
    assert addresses("ipv6:[::1]:40000", "198.51.100.9") == "::1"


def test_trusted_proxies_are_configurable():
    compose = ClientAddresses(
        config.load(environ={"TRUSTED_PROXIES": "172.16.0.0/12"}).trusted_proxy_networks
    )
    assert compose("ipv4:172.18.0.5:1234", "198.51.100.9") == "198.51.100.9"
    assert compose("ipv4:127.0.0.1:1234", "198.51.100.9") == "127.0.0.1"
