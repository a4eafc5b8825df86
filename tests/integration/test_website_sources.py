"""Website sources over the real stack: a site the test serves on 127.0.0.1 (50 pages, a
sitemap, robots.txt keeping out a folder, a redirect, broken links, a redirect to another
loopback port), crawled through the real SSRF guard with only the site's own address
allowed (CRAWL_HTTP_ALLOW), ingested by the real enclave's embeddings into milvus-lite, and
searched with the page's URL in the citation. Then re-syncs, the schedule, deletion, and
the contract's refusals."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import pytest
from helpers import caller_address, join, raises, sign_up
from sqlalchemy import update
from stacks import BACKENDS, start_stack, stop_stack
from test_knowledge import HYBRID, KEYWORD, ask, ids, new_kb, until_done

from privexbot.client import Client
from privexbot.store.models import WebsiteSource
from privexbot.v1 import common_pb2, knowledge_pb2

PAGES = 49  # and the home page: 50 documents
READY = knowledge_pb2.WebsiteSource.STATE_READY
HTML = "text/html; charset=utf-8"


# Every page's site header and footer: the crawl indexes each page's <main>, not these.
CHROME = (
    "<header>Acme Garden Club: home, events, join us</header>",
    "<footer>Copyright Acme Garden Club. Cookie settings and privacy policy.</footer>",
)


def page(i: int, text: str = "") -> tuple[int, str, bytes]:
    text = text or f"Gardening note number {i}: water the seedlings in the morning."
    body = f"<html><head><title>Note {i}</title></head><body>{CHROME[0]}<main><h1>Note {i}</h1>"
    return 200, HTML, (body + f"<p>{text}</p></main>{CHROME[1]}</body></html>").encode()


def site(other: str) -> dict[str, tuple[int, str, bytes]]:
    """path -> (status, content type or Location, body). Page 50 is linked but missing
    (a broken link) until a test adds it."""
    links = "".join(f'<a href="/page-{i}.html">{i}</a>' for i in range(1, PAGES + 2))
    links += '<a href="/private/secret.html">secret</a><a href="/old">old</a>'
    links += f'<a href="/missing">missing</a><a href="http://{other}/">elsewhere</a>'
    links += '<a href="/escape">escape</a><a href="/loop">loop</a><a href="/huge.html">huge</a>'
    home = f"<html><head><title>Home</title></head><body><h1>Home</h1>{links}</body></html>"
    pages = {
        "/": (200, HTML, home.encode()),
        "/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /private/\n"),
        "/private/secret.html": page(0, "The vault code is 0000."),
        "/old": (302, "/page-1.html", b""),
        "/escape": (302, f"http://{other}/x", b""),
        "/loop": (302, "/loop", b""),
        "/huge.html": (200, HTML, b"<p>" + b"x" * (3 * 1024 * 1024) + b"</p>"),
        "/bomb.xml": (
            200,
            "application/xml",
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<urlset><url><loc>&b;</loc></url></urlset>",
        ),
        "/sitemap.xml": (
            200,
            "application/xml",
            (
                '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(f"<url><loc>/page-{i}.html</loc></url>" for i in range(1, 6))
                + f"<url><loc>http://{other}/x</loc></url></urlset>"
            ).encode(),
        ),
    }
    for i in range(1, PAGES + 1):
        pages[f"/page-{i}.html"] = page(i)
    pages["/page-17.html"] = page(17, "Aurora the otter guards the copper bridge at night.")
    return pages


class Served:
    """A site on 127.0.0.1 whose pages a test may change; ``requested`` records paths."""

    def __init__(self, content: dict | None = None) -> None:
        self.content, self.requested = content or {}, []
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                served.requested.append(self.path)
                status, kind, body = served.content.get(self.path, (404, HTML, b"not found"))
                self.send_response(status)
                self.send_header("location" if status == 302 else "content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def sites():
    other = Served({"/": page(99, "Another site."), "/x": page(98, "Another page.")})
    home = Served()
    home.content = site(other.address)
    yield home, other
    home.close()
    other.close()


@pytest.fixture(scope="module", params=BACKENDS)
async def crawl_stack(request, tmp_path_factory, enclave, sites):
    """A stack whose crawler may reach the test site's address (and no other private one)."""
    home, _ = sites
    stack = await start_stack(
        request.param,
        tmp_path_factory.mktemp(f"crawl-{request.param}"),
        inference_base_url=enclave.base_url,
        inference_api_key=enclave.api_key,
        crawl_http_allow=home.address,
        crawl_delay_seconds=0,
    )
    yield stack
    await stop_stack(stack)


@pytest.fixture
async def clients(crawl_stack):
    made = []

    def make() -> Client:
        client = Client(crawl_stack.target, extra_metadata=(("x-forwarded-for", caller_address()),))
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
def home(sites):
    """The test site, reset to its first version for each test."""
    served, other = sites
    served.content = site(other.address)
    served.requested.clear()
    return served


async def create(client, kb: str, request_id: str = "", **fields) -> knowledge_pb2.WebsiteSource:
    return await client.knowledge.CreateWebsiteSource(
        knowledge_pb2.CreateWebsiteSourceRequest(
            parent=kb, website_source=knowledge_pb2.WebsiteSource(**fields), request_id=request_id
        )
    )


async def synced(client, name: str, after: datetime | None = None) -> knowledge_pb2.WebsiteSource:
    """The source once its sync (one finishing after ``after``) is done and every page's
    document is ingested."""
    async with asyncio.timeout(90):
        while True:
            source = await client.knowledge.GetWebsiteSource(
                knowledge_pb2.GetWebsiteSourceRequest(name=name)
            )
            done = source.last_sync_time.ToDatetime(tzinfo=UTC) if source.last_sync_time else None
            if source.state in (READY, knowledge_pb2.WebsiteSource.STATE_FAILED) and (
                after is None or (done and done > after)
            ):
                break
            await asyncio.sleep(0.1)
    await until_done(client, name.split("/websiteSources/")[0])
    return source


async def watch(client, name: str) -> list[knowledge_pb2.WebsiteSource]:
    request = knowledge_pb2.WatchWebsiteSourceRequest(name=name)
    return [s async for s in client.knowledge.WatchWebsiteSource(request)]


async def documents(client, kb: str) -> dict[str, knowledge_pb2.Document]:
    """The knowledge base's documents by source URL."""
    listed = await client.knowledge.ListDocuments(
        knowledge_pb2.ListDocumentsRequest(parent=kb, page_size=1000)
    )
    return {d.source_url: d for d in listed.documents}


@pytest.mark.timeout(300)  # 50 pages crawled and ingested, the first time the module's stack
async def test_a_site_becomes_documents_cited_by_url(clients, home):
    client = clients()
    user = await sign_up(client)
    kb = await new_kb(client, user.workspace)
    root = f"http://{home.address}"
    source = await create(client, kb.name, start_url=f"{root}/", max_pages=100, max_depth=2)
    assert source.name.startswith(kb.name + "/websiteSources/")
    watched = await watch(client, source.name)
    assert watched[-1].state == READY and len(watched) > 2
    fetched = [s.progress.pages_fetched for s in watched]
    assert fetched == sorted(fetched) and fetched[-1] == 50  # progress only moves forward
    source = await synced(client, source.name)
    assert source.state == READY, source.failure_reason
    docs = await documents(client, kb.name)
    assert set(docs) == {f"{root}/", *(f"{root}/page-{i}.html" for i in range(1, PAGES + 1))}
    assert all(d.state == knowledge_pb2.Document.STATE_READY for d in docs.values())
    assert all(d.website_source == source.name for d in docs.values())
    assert docs[f"{root}/page-3.html"].display_name == "Note 3"
    assert "/private/secret.html" not in home.requested  # robots.txt
    failures = {f.url.removeprefix(root): f.reason for f in source.page_failures}
    assert failures["/missing"] == "HTTP 404" and failures["/page-50.html"] == "HTTP 404"
    assert "refused" in failures["/escape"] and "loopback" in failures["/escape"]
    assert "redirects" in failures["/loop"] and "larger than" in failures["/huge.html"]
    assert len(failures) == 5
    p = source.progress
    assert (p.pages_fetched, p.pages_added, p.pages_failed) == (50, 50, 5)
    assert p.pages_found >= 57  # the home page's same-site links

    results = await ask(client, kb.name, "Who guards the copper bridge?", mode=HYBRID)
    assert results[0].citation.source_url == f"{root}/page-17.html"
    assert results[0].citation.document == docs[f"{root}/page-17.html"].name
    assert "otter" in results[0].text
    chrome = await ask(client, kb.name, "Cookie settings privacy policy", mode=KEYWORD)
    assert not [r.text for r in chrome if "Cookie" in r.text or "Acme" in r.text]

    mapped_kb = await new_kb(client, user.workspace)
    mapped = await create(client, mapped_kb.name, start_url=f"{root}/sitemap.xml", sitemap=True)
    await synced(client, mapped.name)
    assert sorted(await documents(client, mapped_kb.name)) == sorted(
        f"{root}/page-{i}.html" for i in range(1, 6)
    )

    bombed_kb = await new_kb(client, user.workspace)
    bomb = await create(client, bombed_kb.name, start_url=f"{root}/bomb.xml", sitemap=True)
    bomb = await synced(client, bomb.name)
    assert bomb.state == knowledge_pb2.WebsiteSource.STATE_FAILED
    assert "DTD" in bomb.failure_reason
    assert await documents(client, bombed_kb.name) == {}


async def test_a_resync_changes_exactly_what_changed(clients, home, crawl_stack):
    client = clients()
    user = await sign_up(client)
    kb = await new_kb(client, user.workspace)
    root = f"http://{home.address}"
    source = await create(  # the home page and pages 1-5 and 50 (missing at first)
        client,
        kb.name,
        start_url=f"{root}/",
        include_patterns=["/", "/page-[1-5].html", "/page-50.html"],
        sync_interval_hours=24,
    )
    first = await synced(client, source.name)
    assert first.next_sync_time.ToDatetime(tzinfo=UTC) > datetime.now(UTC) + timedelta(hours=23)
    before = await documents(client, kb.name)
    assert len(before) == 6

    home.content["/page-3.html"] = page(3, "The greenhouse heater switches on below 4 degrees.")
    home.content.pop("/page-4.html")  # still linked: now a 404
    home.content["/page-50.html"] = page(50, "Compost is turned every second Sunday.")
    started = datetime.now(UTC)
    await client.knowledge.SyncWebsiteSource(
        knowledge_pb2.SyncWebsiteSourceRequest(name=source.name)
    )
    again = await synced(client, source.name, after=started)
    p = again.progress
    assert (p.pages_added, p.pages_updated, p.pages_removed, p.pages_unchanged) == (1, 1, 1, 4)
    after = await documents(client, kb.name)
    changed, gone, new = (f"{root}/page-{i}.html" for i in (3, 4, 50))
    assert set(after) == set(before) - {gone} | {new}
    assert after[changed].name == before[changed].name  # the same document, new content
    assert after[changed].content_sha256 != before[changed].content_sha256
    assert after[changed].etag != before[changed].etag
    untouched = set(before) - {changed, gone}
    assert all(after[url].etag == before[url].etag for url in untouched)  # not re-indexed

    platform = crawl_stack.running.platform
    await platform.ingestion.apply_outbox()
    org = ids(kb.name)["organizations"]
    vectors = platform.vectors
    for url, doc in after.items():
        count = await vectors.count(organization_id=org, document_id=ids(doc.name)["documents"])
        assert count == doc.chunk_count, url
    assert (
        await vectors.count(organization_id=org, document_id=ids(before[gone].name)["documents"])
        == 0
    )
    assert await vectors.count(organization_id=org) == sum(d.chunk_count for d in after.values())
    assert await platform.ingestion.reconcile(org) == 0  # no orphan vectors

    found = await ask(client, kb.name, "When does the greenhouse heater switch on?", mode=HYBRID)
    assert found[0].citation.source_url == changed and "4 degrees" in found[0].text
    compost = await ask(client, kb.name, "How often is compost turned?", mode=HYBRID)
    assert compost[0].citation.source_url == new

    # The schedule: a sync that is due runs without anyone asking.
    async with platform.sessions() as session, session.begin():
        await session.execute(
            update(WebsiteSource)
            .where(WebsiteSource.id == ids(source.name)["websiteSources"])
            .values(next_sync_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    started = datetime.now(UTC)
    platform.website_sync.notify()
    scheduled = await synced(client, source.name, after=started)
    assert scheduled.progress.pages_unchanged == 6 and scheduled.progress.pages_added == 0


async def test_deleting_a_source_deletes_its_pages_and_vectors(clients, home, crawl_stack):
    client = clients()
    user = await sign_up(client)
    kb = await new_kb(client, user.workspace)
    own = await client.knowledge.CreateDocument(
        knowledge_pb2.CreateDocumentRequest(
            parent=kb.name, document=knowledge_pb2.Document(display_name="mine"), text="Kept."
        )
    )
    source = await create(client, kb.name, start_url=f"http://{home.address}/", max_pages=5)
    await synced(client, source.name)
    assert len(await documents(client, kb.name)) == 6
    await client.knowledge.DeleteWebsiteSource(
        knowledge_pb2.DeleteWebsiteSourceRequest(name=source.name)
    )
    assert [d.name for d in (await documents(client, kb.name)).values()] == [own.name]
    platform = crawl_stack.running.platform
    await platform.ingestion.apply_outbox()
    org = ids(kb.name)["organizations"]
    assert await platform.vectors.count(organization_id=org) == 1
    assert await platform.ingestion.reconcile(org) == 0
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await client.knowledge.GetWebsiteSource(
            knowledge_pb2.GetWebsiteSourceRequest(name=source.name)
        )


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"start_url": "http://10.0.0.1/"}, "website_source.start_url", "SITE_UNREACHABLE"),
        (
            {"start_url": "http://169.254.169.254/latest/meta-data/"},
            "website_source.start_url",
            "SITE_UNREACHABLE",
        ),
        ({"start_url": "http://{other}/"}, "website_source.start_url", "SITE_UNREACHABLE"),
        ({"start_url": "ftp://example.com/"}, "website_source.start_url", None),
        ({"start_url": ""}, "website_source.start_url", None),
        ({"start_url": "http://{home}/", "max_pages": 5000}, "website_source.max_pages", None),
        ({"start_url": "http://{home}/", "max_depth": 11}, "website_source.max_depth", None),
    ],
)
async def test_bad_sources_are_refused_and_nothing_is_stored(
    clients, home, sites, fields, field, reason
):
    client = clients()
    user = await sign_up(client)
    kb = await new_kb(client, user.workspace)
    _, other = sites
    fields["start_url"] = fields["start_url"].format(home=home.address, other=other.address)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, reason, {field}):
        await create(client, kb.name, **fields)
    listed = await client.knowledge.ListWebsiteSources(
        knowledge_pb2.ListWebsiteSourcesRequest(parent=kb.name)
    )
    assert list(listed.website_sources) == []
    assert other.requested == []  # the guard refused before any connection


async def test_access_paging_and_a_sync_already_queued(clients, home, crawl_stack):
    owner, viewer, stranger, anonymous = (clients() for _ in range(4))
    user = await sign_up(owner)
    await sign_up(stranger)
    await join(
        owner,
        viewer,
        user.organization,
        common_pb2.ORGANIZATION_ROLE_MEMBER,
        [(user.workspace, common_pb2.WORKSPACE_ROLE_VIEWER)],
    )
    kb = await new_kb(owner, user.workspace)
    sync = crawl_stack.running.platform.website_sync
    await sync.stop()  # sources stay queued
    try:
        made = [
            await create(owner, kb.name, f"r{i}", start_url=f"http://{home.address}/", max_pages=2)
            for i in range(3)
        ]
        retried = await create(
            owner, kb.name, "r0", start_url=f"http://{home.address}/", max_pages=2
        )
        assert retried.name == made[0].name  # a retried create makes no second source
        async with raises(grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED"):
            await create(owner, kb.name, "r0", start_url=f"http://{home.address}/", max_pages=3)
        assert made[0].state == knowledge_pb2.WebsiteSource.STATE_PENDING
        request = knowledge_pb2.SyncWebsiteSourceRequest(name=made[0].name)
        async with raises(grpc.StatusCode.FAILED_PRECONDITION, "ALREADY_SYNCING"):
            await owner.knowledge.SyncWebsiteSource(request)
    finally:
        sync.start()
    listed, token = [], ""
    while True:
        page_ = await owner.knowledge.ListWebsiteSources(
            knowledge_pb2.ListWebsiteSourcesRequest(parent=kb.name, page_size=2, page_token=token)
        )
        assert len(page_.website_sources) <= 2
        listed += [s.name for s in page_.website_sources]
        if not (token := page_.next_page_token):
            break
    assert sorted(listed) == sorted(s.name for s in made)
    got = await viewer.knowledge.GetWebsiteSource(
        knowledge_pb2.GetWebsiteSourceRequest(name=made[0].name)
    )
    assert got.start_url == f"http://{home.address}/" and got.max_pages == 2
    assert got.max_depth == 3  # the default
    assert (await watch(viewer, made[0].name))[-1].state == READY  # a reader may follow it

    name = made[1].name
    calls = {
        "create": lambda c: create(c, kb.name, start_url=f"http://{home.address}/"),
        "get": lambda c: c.knowledge.GetWebsiteSource(
            knowledge_pb2.GetWebsiteSourceRequest(name=name)
        ),
        "list": lambda c: c.knowledge.ListWebsiteSources(
            knowledge_pb2.ListWebsiteSourcesRequest(parent=kb.name)
        ),
        "watch": lambda c: watch(c, name),
        "sync": lambda c: c.knowledge.SyncWebsiteSource(
            knowledge_pb2.SyncWebsiteSourceRequest(name=name)
        ),
        "delete": lambda c: c.knowledge.DeleteWebsiteSource(
            knowledge_pb2.DeleteWebsiteSourceRequest(name=name)
        ),
    }
    for what, call in calls.items():
        async with raises(grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_MISSING"):
            await call(anonymous)
        async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
            await call(stranger)
        if what in ("create", "sync", "delete"):
            async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
                await call(viewer)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, None, {"name"}):
        await owner.knowledge.GetWebsiteSource(knowledge_pb2.GetWebsiteSourceRequest(name=kb.name))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, None, {"page_token"}):
        await owner.knowledge.ListWebsiteSources(
            knowledge_pb2.ListWebsiteSourcesRequest(parent=kb.name, page_token="nonsense")
        )
    missing = name.rsplit("/", 1)[0] + "/nope"
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await owner.knowledge.SyncWebsiteSource(
            knowledge_pb2.SyncWebsiteSourceRequest(name=missing)
        )
