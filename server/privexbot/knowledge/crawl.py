"""Website sources: the pages of one site, found by following its links from a start URL or
read from its sitemap, each to become a text/html document (parsing/html.py keeps its
headings for citations) with its URL as the citation source.

Every request goes through the SSRF-guarded ``fetch`` the platform passes in (the chatflow
Fetcher: each hop resolved once and pinned, private/loopback/link-local/metadata addresses
refused unless allowed, redirects re-checked, size and time caps). On top: same-site links
only, include/exclude patterns, page and depth limits, robots.txt honoured, one request at
a time with a delay between them, and sitemaps read without DTDs and with URL caps.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from bs4 import BeautifulSoup

from privexbot.kernel.errors import InvalidArgument

USER_AGENT = "PrivexBot-crawler"
MAX_PAGES = 1_000
MAX_DEPTH = 10
MAX_PAGE_BYTES = 2 * 1024 * 1024
MAX_SITEMAP_BYTES = 5 * 1024 * 1024
MAX_SITEMAP_URLS = 10_000
MAX_SITEMAPS = 20  # a sitemap index's children read at most
FETCH_SECONDS = 15.0
HTML_TYPES = ("text/html", "application/xhtml+xml")

Fetch = Callable[..., Awaitable[Any]]  # flows.ssrf.Fetcher.fetch


@dataclass(frozen=True)
class CrawlSettings:
    """What to crawl; ``include``/``exclude``: shell patterns matched against URL paths."""

    start_url: str
    sitemap: bool = False  # start_url is a sitemap (XML), not a page
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_pages: int = 50
    max_depth: int = 3
    delay_seconds: float = 0.5

    def check(self, prefix: str = "") -> None:
        """INVALID_ARGUMENT naming the field (after ``prefix``, e.g. "website_source.")."""
        parts = urlsplit(self.start_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidArgument.field(f"{prefix}start_url", "must be an http(s) URL with a host")
        if not 1 <= self.max_pages <= MAX_PAGES:
            raise InvalidArgument.field(f"{prefix}max_pages", f"must be 1..{MAX_PAGES}")
        if not 0 <= self.max_depth <= MAX_DEPTH:
            raise InvalidArgument.field(f"{prefix}max_depth", f"must be 0..{MAX_DEPTH}")
        if not 0 <= self.delay_seconds <= 60:
            raise InvalidArgument.field(f"{prefix}delay_seconds", "must be 0..60")


@dataclass(frozen=True)
class Page:
    url: str
    html: bytes
    content_hash: str  # sha256 of the body: a re-sync re-indexes only what changed
    title: str  # the page's <title>, "" if none


@dataclass(frozen=True)
class Failure:
    url: str
    reason: str
    gone: bool = False  # the site says the page is not there (404, 410)


@dataclass
class CrawlProgress:
    found: int = 0  # same-site URLs discovered so far (links, sitemap entries)


@dataclass
class _Frontier:
    progress: CrawlProgress
    queue: list[tuple[str, int]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def add(self, url: str, depth: int) -> None:
        if url not in self.seen:
            self.seen.add(url)
            self.queue.append((url, depth))
            self.progress.found = len(self.seen)


class Crawler:
    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch

    async def probe(self, settings: CrawlSettings, prefix: str = "") -> None:
        """INVALID_ARGUMENT (fields named after ``prefix``) when the settings are bad or the
        site cannot be reached at all (refused by the guard, unreachable)."""
        settings.check(prefix)
        await self._robots(_origin(settings.start_url), f"{prefix}start_url")

    async def crawl(
        self, settings: CrawlSettings, progress: CrawlProgress | None = None
    ) -> AsyncIterator[Page | Failure]:
        """The site's pages (and per-page failures), at most ``max_pages`` fetched;
        ``progress`` follows the URLs found. A start URL that cannot be fetched at all
        (refused, unreachable) is INVALID_ARGUMENT."""
        settings.check()
        start = urldefrag(settings.start_url).url
        origin = _origin(start)
        robots = await self._robots(origin)
        frontier = _Frontier(progress or CrawlProgress())
        if settings.sitemap:
            for url in await self._sitemap_urls(start, origin):
                frontier.add(url, 0)
        else:
            frontier.add(start, 0)
        fetched, emitted = 0, set()
        while frontier.queue and fetched < settings.max_pages:
            url, depth = frontier.queue.pop(0)
            if not self._wanted(url, settings) or not robots.can_fetch(USER_AGENT, url):
                continue
            if fetched:
                await asyncio.sleep(settings.delay_seconds)
            fetched += 1
            try:
                response = await self._get(url, MAX_PAGE_BYTES)
            except Exception as exc:  # refused, unreachable, too large, redirect loop
                yield Failure(url, str(exc) or type(exc).__name__)
                continue
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
            if response.status != 200:
                yield Failure(url, f"HTTP {response.status}", response.status in (404, 410))
            elif content_type not in HTML_TYPES:
                yield Failure(url, f"not an HTML page ({content_type or 'no content type'})")
            elif _origin(response.url) != origin:
                yield Failure(url, f"redirected off the site to {response.url}")
            elif response.url not in emitted:  # a redirect to a page already seen: once
                emitted.add(response.url)
                soup = BeautifulSoup(response.body, "html.parser")
                title = soup.title.get_text(" ", strip=True) if soup.title else ""
                digest = hashlib.sha256(response.body).hexdigest()
                yield Page(response.url, response.body, digest, title)
                if depth < settings.max_depth and not settings.sitemap:
                    for link in _links(soup, response.url):
                        if _origin(link) == origin:
                            frontier.add(link, depth + 1)

    async def _robots(self, origin: str, field: str = "start_url") -> RobotFileParser:
        """The site's robots.txt (none: everything allowed); also proves the site reachable."""
        robots = RobotFileParser()
        try:
            response = await self._get(f"{origin}/robots.txt", MAX_PAGE_BYTES)
        except Exception as exc:
            raise InvalidArgument.field(
                field, f"the site cannot be fetched: {exc}", "SITE_UNREACHABLE"
            ) from None
        lines = response.body.decode(errors="replace").splitlines()
        robots.parse(lines if response.status == 200 else [])
        return robots

    async def _sitemap_urls(self, url: str, origin: str) -> list[str]:
        """Page URLs of a sitemap or sitemap index (its children read too), same site only."""
        pages: list[str] = []
        sitemaps, read = [url], 0
        while sitemaps and read < MAX_SITEMAPS and len(pages) < MAX_SITEMAP_URLS:
            current = sitemaps.pop(0)
            read += 1
            try:
                response = await self._get(current, MAX_SITEMAP_BYTES)
                root = _xml(response.body) if response.status == 200 else None
            except Exception as exc:
                if current == url:
                    raise InvalidArgument.field(
                        "start_url", f"the sitemap cannot be read: {exc}", "BAD_SITEMAP"
                    ) from None
                continue
            if root is None:
                if current == url:
                    raise InvalidArgument.field(
                        "start_url", f"the sitemap answered HTTP {response.status}", "BAD_SITEMAP"
                    )
                continue
            is_index = root.tag.endswith("sitemapindex")
            for loc in root.iter():
                if not loc.tag.endswith("loc") or not loc.text:
                    continue
                link = urldefrag(urljoin(current, loc.text.strip())).url
                if _origin(link) != origin:
                    continue
                (sitemaps if is_index else pages).append(link)
                if len(pages) >= MAX_SITEMAP_URLS:
                    break
        return pages

    async def _get(self, url: str, max_bytes: int) -> Any:
        return await self._fetch(
            "GET",
            url,
            {"user-agent": USER_AGENT, "accept": "text/html,application/xml;q=0.9,*/*;q=0.5"},
            None,
            max_bytes=max_bytes,
            seconds=FETCH_SECONDS,
        )

    @staticmethod
    def _wanted(url: str, settings: CrawlSettings) -> bool:
        path = urlsplit(url).path or "/"
        if settings.include and not any(fnmatch.fnmatch(path, p) for p in settings.include):
            return False
        return not any(fnmatch.fnmatch(path, p) for p in settings.exclude)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    return f"{parts.scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def _links(soup: BeautifulSoup, base: str) -> list[str]:
    links = []
    for anchor in soup.find_all("a", href=True):
        link = urldefrag(urljoin(base, anchor["href"])).url
        if urlsplit(link).scheme in ("http", "https"):
            links.append(link)
    return links


def _xml(data: bytes) -> ElementTree.Element:
    """A sitemap's XML; DTDs (entity expansion bombs) are refused before parsing."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ValueError("sitemaps with a DTD are refused")
    return ElementTree.fromstring(data)
