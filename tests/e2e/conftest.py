"""Envoy in front of the real server (the ``stack`` fixture, each backend), on free ports."""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from privexbot.dev import edge as edge_module


def envoy_for(stack) -> edge_module.Envoy:
    """An Envoy (not started) in front of ``stack``'s server; port 0 picks free ports."""
    return edge_module.Envoy("127.0.0.1", stack.running.port, port=0, admin_port=0, concurrency=1)


@pytest.fixture(scope="session")
def envoy_binary() -> str:
    try:
        return edge_module.find_binary()
    except edge_module.EdgeError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
async def edge_proxy(stack, envoy_binary):
    """The running ``edge.Envoy`` in front of ``stack``."""
    envoy = envoy_for(stack)
    await envoy.astart()
    yield envoy
    await envoy.astop()


@pytest.fixture(scope="session")
def edge(edge_proxy) -> str:
    """Base URL (``http://127.0.0.1:<port>``) for REST and gRPC-Web through Envoy."""
    return edge_proxy.url


# A hostile host page: its CSS tries to restyle everything; the widget's Shadow DOM keeps it
# out (and the widget's own CSS stays in: the page's paragraph keeps its colour).
HOST_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<style>* {{ font-size: 40px !important; }} button {{ display: none !important; }}
p {{ color: rgb(10, 120, 30); }}</style></head>
<body><p id="host-text">A shop that embeds the chat.</p>
<script src="{src}" data-chatbot="{chatbot}" data-key="{key}" {extra}></script></body></html>"""


class HostPages(BaseHTTPRequestHandler):
    """``/page?chatbot=&key=&src=&api=``: a page carrying the widget's one script tag."""

    def do_GET(self):  # noqa: N802 - http.server's name
        query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        extra = f'data-api="{query["api"]}"' if query.get("api") else ""
        body = HOST_PAGE.format(
            src=query.get("src", ""),
            chatbot=query.get("chatbot", ""),
            key=query.get("key", ""),
            extra=extra,
        ).encode()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a page closed early
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def host_origins():
    """Two host page servers: ``http://localhost:<p>`` and ``http://127.0.0.2:<q>``, both
    other origins than Envoy's ``http://127.0.0.1:<port>``."""
    servers = [
        ThreadingHTTPServer((address, 0), HostPages) for address in ("127.0.0.1", "127.0.0.2")
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    allowed = f"http://localhost:{servers[0].server_address[1]}"
    refused = f"http://127.0.0.2:{servers[1].server_address[1]}"
    yield allowed, refused
    for server in servers:
        server.shutdown()
        server.server_close()
