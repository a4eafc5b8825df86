"""HTTP for chatflow nodes, guarded against server-side request forgery.

Each hop's host is resolved once; every address it resolves to must be public (not
private, loopback, link-local, the cloud metadata address, multicast, reserved, shared,
and for IPv6 the same checks on a v4-mapped, NAT64 or 6to4 address within), and the
connection goes to that pinned address (the Host header and TLS SNI still name the host),
so a second resolution cannot swap in a private address. At most 3 redirects, each
checked the same way. Responses are cut at a size cap; the whole exchange at a time cap.
Operators may allow exact ``host:port`` pairs written as IP literals (internal services,
tests): ``CHATFLOW_HTTP_ALLOW``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

MAX_REDIRECTS = 3
REDIRECTS = {301, 302, 303, 307, 308}
METADATA = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
    ipaddress.ip_address("192.0.0.192"),
}
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """The request may not be sent (or followed); the message says why."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str


def refusal(address: str) -> str | None:
    """Why an address may not be reached, or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            why = refusal(str(embedded))
            return f"{why} (inside {ip})" if why else None
    if ip in METADATA:
        return f"{ip} is a cloud metadata address"
    for test, what in (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_private, "private"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "not public"),
    ):
        if test:
            return f"{ip} is a {what} address"
    return None


async def _resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(f"{host} does not resolve") from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


class Fetcher:
    def __init__(self, allow: str = "", resolve=_resolve) -> None:
        """``allow``: comma-separated ``ip:port`` pairs reachable although not public."""
        self._allow = {a.strip() for a in allow.split(",") if a.strip()}
        self._resolve = resolve

    async def _pinned(self, url: str) -> tuple[str, str, str]:
        """(the URL with the host replaced by the pinned address, the Host header, the
        host for TLS SNI)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise Refused("only http and https URLs may be fetched")
        if parts.username or parts.password:
            raise Refused("credentials in URLs are refused: use a secret reference")
        host = parts.hostname
        if not host:
            raise Refused("the URL names no host")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        literal = _literal(host)
        shown = f"[{host}]" if literal and ":" in host else host
        if literal and f"{shown}:{port}" in self._allow:
            address = host
        else:
            addresses = [host] if literal else await self._resolve(host, port)
            if not addresses:
                raise Refused(f"{host} does not resolve")
            for address in addresses:
                why = refusal(address)
                if why:
                    raise Refused(f"{host} is refused: {why}")
            address = addresses[0]
        netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        default = port == (443 if parts.scheme == "https" else 80)
        return target, shown if default else f"{shown}:{port}", host

    async def fetch(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        *,
        max_bytes: int,
        seconds: float,
    ) -> Response:
        async with (
            asyncio.timeout(seconds),
            httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=seconds) as client,
        ):
            for _ in range(MAX_REDIRECTS + 1):
                target, host_header, sni = await self._pinned(url)
                request = client.build_request(
                    method,
                    target,
                    headers={**headers, "host": host_header},
                    content=body,
                    extensions={"sni_hostname": sni},
                )
                response = await client.send(request, stream=True)
                try:
                    location = response.headers.get("location")
                    if response.status_code in REDIRECTS and location:
                        url = urljoin(url, location)
                        if response.status_code == 303 or (
                            response.status_code in (301, 302) and method == "POST"
                        ):
                            method, body = "GET", None
                        continue
                    data = bytearray()
                    async for chunk in response.aiter_bytes():
                        data.extend(chunk)
                        if len(data) > max_bytes:
                            raise Refused(f"the response is larger than {max_bytes} bytes")
                    return Response(response.status_code, dict(response.headers), bytes(data), url)
                finally:
                    await response.aclose()
        raise Refused(f"more than {MAX_REDIRECTS} redirects")


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
