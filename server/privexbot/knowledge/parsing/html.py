"""HTML, decoded as browsers do for a file (BOM, <meta charset>, UTF-8, windows-1252) and
read with BeautifulSoup on html.parser; non-content elements (script, style, nav...) are
dropped, and so is a site's chrome: a page with a <main> (or a single <article>) is read
from there; otherwise headers, footers and asides outside any article are left out."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString

from privexbot.knowledge.parsing.document import Builder, ParsedDocument
from privexbot.knowledge.parsing.types import HTML

# --- HTML -------------------------------------------------------------------------------

_DROPPED = frozenset(
    "script style nav noscript template title svg math iframe object embed canvas select "
    "button audio video map".split()
)
_BLOCKS = frozenset(
    "address article aside blockquote body center dd details dialog div dl dt fieldset "
    "figcaption figure footer form header hgroup html legend li main p section summary "
    "caption tbody thead tfoot tr td th".split()
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_CHROME = ("header", "footer", "aside")
_LISTS = ("ul", "ol")
_BR = "\ue000"  # a <br> while whitespace is collapsed
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _decode_html(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", errors="replace")
    match = _META_CHARSET.search(content[:1024])
    if match:
        name = match.group(1).decode("ascii").lower()
        if name in ("utf-16", "utf-16le", "utf-16be"):  # a meta tag that is readable is not UTF-16
            name = "utf-8"
        try:
            return content.decode(name, errors="replace")
        except LookupError:
            pass
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("windows-1252", errors="replace")


def _is_text_node(node) -> bool:
    # Comments, CDATA, doctypes and processing instructions are subclasses: not content.
    return type(node) is NavigableString


def _inline_text(node, skip_lists: bool = False) -> str:
    """The text under ``node`` with HTML whitespace rules; ``<br>`` becomes a line break."""
    out: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _is_text_node(item):
                out.append(str(item))
            continue
        if item.name in _DROPPED or (skip_lists and item is not node and item.name in _LISTS):
            continue
        if item.name == "br":
            out.append(_BR)
            continue
        if item.name in _BLOCKS and item is not node:
            out.append(" ")
        stack.extend(reversed(item.contents))
    text = re.sub(r"\s+", " ", "".join(out))
    return "\n".join(part.strip() for part in text.split(_BR))


def _nearest(node, names) -> object | None:
    return node.find_parent(names)


def _html_table(table) -> str:
    lines = []
    caption = table.find("caption")
    if caption is not None and _nearest(caption, "table") is table:
        lines.append(" ".join(_inline_text(caption).split()))
    for row in table.find_all("tr"):
        if _nearest(row, "table") is not table:
            continue  # a nested table's row; its text is part of the enclosing cell
        cells = [
            " ".join(_inline_text(c).split()) for c in row.find_all(["td", "th"], recursive=False)
        ]
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


def _html_list(node, depth: int = 0) -> list[str]:
    lines: list[str] = []
    number = 1
    if node.name == "ol":
        try:
            number = int(node.get("start", 1))
        except (TypeError, ValueError):
            number = 1
    for item in node.find_all("li"):
        if _nearest(item, _LISTS) is not node:
            continue
        marker = f"{number}." if node.name == "ol" else "-"
        number += 1
        text = _inline_text(item, skip_lists=True)
        indent = "  " * depth
        for n, line in enumerate(text.split("\n") if text else []):
            lines.append(f"{indent}{marker} {line}" if n == 0 else f"{indent}  {line}")
        for sub in item.find_all(_LISTS):
            if _nearest(sub, "li") is item:
                if depth < 20:
                    lines.extend(_html_list(sub, depth + 1))
                else:
                    lines.append(f"{indent}  {' '.join(_inline_text(sub).split())}")
    return lines


def _walk_html(root, builder: Builder) -> None:
    """Sections from the tree in document order; iterative, so deep nesting is harmless."""
    buffer: list[str] = []
    flush_marker = object()

    def flush() -> None:
        if buffer:
            text = re.sub(r"\s+", " ", "".join(buffer))
            builder.add("\n".join(part.strip() for part in text.split(_BR)), "paragraph")
            buffer.clear()

    stack: list = [root]
    while stack:
        item = stack.pop()
        if item is flush_marker:
            flush()
            continue
        if isinstance(item, str):
            if _is_text_node(item):
                buffer.append(str(item))
            continue
        name = item.name
        if name in _DROPPED:
            continue
        if name in _HEADINGS:
            flush()
            builder.heading(_HEADINGS[name], _inline_text(item).replace("\n", " "))
        elif name == "pre":
            flush()
            builder.add(item.get_text(), "code")
        elif name == "table":
            flush()
            builder.add(_html_table(item), "table")
        elif name in _LISTS:
            flush()
            builder.add("\n".join(_html_list(item)), "list")
        elif name == "br":
            buffer.append(_BR)
        elif name == "hr":
            flush()
        else:
            if name in _BLOCKS:
                flush()
                stack.append(flush_marker)
            stack.extend(reversed(item.contents))
    flush()


def _soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def html_fragment_text(fragment: str) -> str:
    return _inline_text(_soup(fragment))


def _content_root(soup: BeautifulSoup):
    """The page's own content, without the site around it (what a crawl must not index
    once per page: banners, footers, sidebars)."""
    main = soup.find("main")
    if main is not None:
        return main
    articles = soup.find_all("article")
    if len(articles) == 1:
        return articles[0]
    for chrome in soup.find_all(_CHROME):
        if chrome.find_parent(["article", "main"]) is None:
            chrome.decompose()
    return soup


def parse_html(content: bytes) -> ParsedDocument:
    builder = Builder()
    _walk_html(_content_root(_soup(_decode_html(content))), builder)
    return builder.build(HTML)
