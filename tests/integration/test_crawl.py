"""Website crawling against a site served by the test (real HTTP on 127.0.0.1, reached
through the real SSRF-guarded fetcher with that one address allowed): links, sitemap,
robots.txt, redirects, broken pages, caps; and the guard refusing private addresses."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import free_port

from privexbot.flows.ssrf import Fetcher
from privexbot.kernel.errors import InvalidArgument
from privexbot.knowledge.crawl import Crawler, CrawlSettings, Failure, Page

PAGES = 49  # and the index: 50 pages


def site(elsewhere: int) -> dict[str, tuple[int, str, bytes]]:
    """path -> (status, content type or Location, body)."""
    html = "text/html; charset=utf-8"
    links = "".join(f'<a href="/page-{i}.html">{i}</a>' for i in range(1, PAGES + 1))
    links += '<a href="/private/secret.html">s</a><a href="/old">o</a><a href="/missing">m</a>'
    links += f'<a href="http://127.0.0.1:{elsewhere}/">other site</a><a href="/escape">e</a>'
    links += '<a href="/loop">l</a><a href="/huge.html">h</a><a href="/file.pdf">f</a>'
    pages = {
        "/": (200, html, f"<html><body><h1>Home</h1>{links}</body></html>".encode()),
        "/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /private/\n"),
        "/private/secret.html": (200, html, b"<h1>secret</h1>"),
        "/old": (302, "/page-1.html", b""),
        "/escape": (302, f"http://127.0.0.1:{elsewhere}/x", b""),
        "/loop": (302, "/loop", b""),
        "/huge.html": (200, html, b"<p>" + b"x" * (3 * 1024 * 1024) + b"</p>"),
        "/file.pdf": (200, "application/pdf", b"%PDF-1.4"),
        "/sitemap.xml": (
            200,
            "application/xml",
            (
                '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(f"<url><loc>/page-{i}.html</loc></url>" for i in range(1, 6))
                + f"<url><loc>http://127.0.0.1:{elsewhere}/x</loc></url></urlset>"
            ).encode(),
        ),
        "/bomb.xml": (
            200,
            "application/xml",
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<urlset><url><loc>&b;</loc></url></urlset>",
        ),
    }
    for i in range(1, PAGES + 1):
        body = f"<html><body><h1>Page {i}</h1><p>Topic number {i}.</p></body></html>"
        pages[f"/page-{i}.html"] = (200, html, body.encode())
    return pages


@pytest.fixture(scope="module")
def served():
    requested: list[str] = []
    content = site(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            requested.append(self.path)
            status, kind, body = content.get(self.path, (404, "text/html", b"not found"))
            self.send_response(status)
            self.send_header("location" if status == 302 else "content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", requested
    server.shutdown()
    server.server_close()


async def crawl(allow: str, **settings) -> list[Page | Failure]:
    crawler = Crawler(Fetcher(allow).fetch)
    return [item async for item in crawler.crawl(CrawlSettings(delay_seconds=0, **settings))]


async def test_a_site_is_crawled_within_its_rules(served):
    address, requested = served
    root = f"http://{address}"
    items = await crawl(address, start_url=f"{root}/", max_pages=100)
    pages = {i.url.removeprefix(root) for i in items if isinstance(i, Page)}
    failures = {i.url.removeprefix(root): i.reason for i in items if isinstance(i, Failure)}
    assert pages == {"/", *(f"/page-{i}.html" for i in range(1, PAGES + 1))}
    assert "/private/secret.html" not in requested  # robots.txt
    assert failures["/missing"] == "HTTP 404"
    assert "refused" in failures["/escape"] and "loopback" in failures["/escape"]
    assert "redirects" in failures["/loop"]
    assert "larger than" in failures["/huge.html"]
    assert failures["/file.pdf"].startswith("not an HTML page")
    assert "/old" not in failures  # redirected to page 1: kept once
    assert len(failures) == 5
    assert all(len(i.content_hash) == 64 for i in items if isinstance(i, Page))


async def test_limits_patterns_and_sitemaps(served):
    address, _ = served
    root = f"http://{address}"
    first = await crawl(address, start_url=f"{root}/", max_pages=3)
    assert len(first) == 3
    shallow = await crawl(address, start_url=f"{root}/", max_depth=0)
    assert [i.url for i in shallow] == [f"{root}/"]
    only = await crawl(address, start_url=f"{root}/", include=("/", "/page-1?.html"))
    assert {i.url.removeprefix(root) for i in only} == {
        "/",
        *(f"/page-1{d}.html" for d in range(10)),
    }
    mapped = await crawl(address, start_url=f"{root}/sitemap.xml", sitemap=True)
    assert sorted(i.url.removeprefix(root) for i in mapped) == [
        f"/page-{i}.html" for i in range(1, 6)
    ]
    with pytest.raises(InvalidArgument) as err:
        await crawl(address, start_url=f"{root}/bomb.xml", sitemap=True)
    assert err.value.reason == "BAD_SITEMAP"


@pytest.mark.parametrize(
    "start, why",
    [
        ("http://127.0.0.1:{port}/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[::ffff:127.0.0.1]:{port}/", "loopback"),
        ("http://10.0.0.1/", "private"),
    ],
)
async def test_the_guard_refuses_private_addresses_by_default(served, start, why):
    address, _ = served
    with pytest.raises(InvalidArgument) as err:
        await crawl("", start_url=start.format(port=address.split(":")[1]))
    assert err.value.reason == "SITE_UNREACHABLE"
    assert why in str(err.value)


async def test_a_redirect_to_a_private_address_is_refused(served):
    address, requested = served
    items = await crawl(address, start_url=f"http://{address}/escape")
    assert len(items) == 1 and "refused" in items[0].reason


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"start_url": "ftp://example.com/"}, "start_url"),
        ({"start_url": "http:///nohost"}, "start_url"),
        ({"start_url": "http://example.com/", "max_pages": 0}, "max_pages"),
        ({"start_url": "http://example.com/", "max_depth": 11}, "max_depth"),
    ],
)
async def test_bad_settings(settings, field):
    with pytest.raises(InvalidArgument) as err:
        await crawl("", **settings)
    assert err.value.violations[0].field == field
