"""Documents → normalized text in structural sections, with positions for citations.

``detect_content_type`` checks a declared content type against the bytes; ``parse`` turns
the bytes into a :class:`ParsedDocument`: one normalized text made of :class:`Section`\\ s
(headings, paragraphs, code blocks, tables, lists) in reading order, joined by blank lines,
each with its offset, its page (PDF) and its enclosing headings.

A document that cannot be read completely is refused with ``InvalidArgument`` (reason
``CORRUPT_DOCUMENT``); there is never a partial result. The rules:

* **Text and Markdown** must be UTF-8 (a BOM is allowed) or UTF-16 with a BOM. Other bytes
  are refused as ``CORRUPT_DOCUMENT`` rather than guessed at: a wrong guess would index
  mojibake silently.
* **HTML** is decoded the way browsers do for a file: a BOM, else a ``<meta charset>`` in
  the first 1024 bytes, else UTF-8, else windows-1252 (the HTML standard's fallback for
  undeclared legacy pages). It is read with BeautifulSoup on the stdlib ``html.parser``:
  tolerant of broken markup, pure Python, and the same tree on every platform.
  ``script``, ``style``, ``nav`` and other non-content elements are dropped.
* **PDF** is read with pypdf. A password-protected file (one that needs a password to
  open) is refused; a file with only an owner password (permissions, no open password) is
  read, as every PDF viewer does. A file without its end-of-file marker is refused as
  truncated, since pypdf would otherwise recover part of it. Paragraphs are found from
  vertical gaps between lines, headings from the outline (bookmarks), code from monospace
  fonts. A PDF without extractable text (a scan) is refused: there is no OCR.
* **DOCX** is read with python-docx after the ZIP is checked (entry count and total
  uncompressed size, against zip bombs). Built-in heading styles give the headings.

Work is bounded: the input size (:data:`MAX_DOCUMENT_BYTES`), the extracted text
(:data:`MAX_TEXT_CHARS`), PDF pages (:data:`MAX_PDF_PAGES`) and DOCX expansion
(:data:`MAX_DOCX_UNCOMPRESSED_BYTES`, :data:`MAX_ZIP_ENTRIES`); over a limit the reason is
``DOCUMENT_TOO_LARGE``.
"""

from __future__ import annotations

import io
import math
import re
import statistics
import textwrap
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

import docx
import pypdf
from bs4 import BeautifulSoup, NavigableString
from docx.table import Table
from markdown_it import MarkdownIt

from privexbot.kernel.errors import InvalidArgument

TEXT = "text/plain"
MARKDOWN = "text/markdown"
HTML = "text/html"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

SUPPORTED: dict[str, str] = {
    TEXT: "text",
    MARKDOWN: "markdown",
    HTML: "html",
    PDF: "pdf",
    DOCX: "docx",
}

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 20 * 1024 * 1024  # extracted characters, whatever the format
MAX_PDF_PAGES = 2_000
MAX_DOCX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 5_000

# Other names clients send for the supported types.
_ALIASES = {
    "text/x-markdown": MARKDOWN,
    "text/md": MARKDOWN,
    "application/xhtml+xml": HTML,
    "application/x-pdf": PDF,
    "text/x-plain": TEXT,
}
_EXTENSIONS = {
    ".txt": TEXT,
    ".text": TEXT,
    ".md": MARKDOWN,
    ".markdown": MARKDOWN,
    ".mdown": MARKDOWN,
    ".html": HTML,
    ".htm": HTML,
    ".xhtml": HTML,
    ".pdf": PDF,
    ".docx": DOCX,
}
# "Nothing declared": browsers send octet-stream for a file type they do not know.
_UNDECLARED = {"", "application/octet-stream", "binary/octet-stream"}
_BINARY_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword"),  # OLE2: .doc, .xls
    (b"\x1f\x8b", "application/gzip"),
    (b"{\\rtf", "application/rtf"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!", "application/vnd.rar"),
)
_ZIP = "application/zip"
_BROKEN_ZIP = "application/x-broken-zip"
_BINARY = "application/octet-stream"

KINDS = ("heading", "paragraph", "code", "table", "list")


@dataclass(frozen=True)
class Section:
    """A structural piece of the document, in reading order."""

    text: str
    start: int  # offset of text in ParsedDocument.text
    page: int | None  # 1-based page (PDF), else None
    heading_path: tuple[str, ...]  # enclosing headings, outermost first; a heading includes itself
    kind: str  # one of KINDS

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class ParsedDocument:
    text: str  # the whole normalized text (sections joined by blank lines)
    sections: tuple[Section, ...]
    content_type: str
    pages: int | None


# --- errors ---------------------------------------------------------------------------


def _corrupt(description: str) -> InvalidArgument:
    return InvalidArgument.field("content", description, "CORRUPT_DOCUMENT")


def too_large(
    description: str, field: str = "content", size_limit: bool = False
) -> InvalidArgument:
    """DOCUMENT_TOO_LARGE naming ``field``; ``size_limit``: the byte limit was passed, and
    the ErrorInfo metadata says it (``limit_bytes``)."""
    error = InvalidArgument.field(field, description, "DOCUMENT_TOO_LARGE")
    if size_limit:
        error.metadata["limit_bytes"] = str(MAX_DOCUMENT_BYTES)
    return error


def _unsupported(content_type: str) -> InvalidArgument:
    shown = content_type or "(none)"
    return InvalidArgument.field(
        "content_type",
        f"{shown!r} is not supported; supported: {', '.join(SUPPORTED)}",
        "UNSUPPORTED_CONTENT_TYPE",
    )


def _mismatch(declared: str, found: str) -> InvalidArgument:
    return InvalidArgument.field(
        "content_type",
        f"declared {declared} but the content is {_describe(found)}",
        "CONTENT_TYPE_MISMATCH",
    )


def _describe(found: str) -> str:
    if found == _BROKEN_ZIP:
        return "a damaged ZIP archive"
    if found == _ZIP:
        return "a ZIP archive that is not a Word document"
    if found == _BINARY:
        return "binary data"
    if found in SUPPORTED:
        return SUPPORTED[found].upper() if found in (PDF, DOCX) else f"{SUPPORTED[found]} text"
    return found


# --- content type detection ------------------------------------------------------------


def _canonical(content_type: str) -> str:
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base)


def _sniff(content: bytes) -> str:
    """What the bytes are: a supported type, another known binary type, or text."""
    if content.lstrip(b"\x00\t\n\r\f ")[:5] == b"%PDF-":
        return PDF
    if content[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except Exception:
            return _BROKEN_ZIP
        return DOCX if "word/document.xml" in names else _ZIP
    for magic, name in _BINARY_MAGIC:
        if content.startswith(magic):
            return name
    head = content[:8192]
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in head:
        return _BINARY
    if _looks_like_html(head):
        return HTML
    return TEXT


_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_HTML_ANYWHERE = re.compile(rb"<(?:html|head|body)\b[^>]*>", re.I)


def _looks_like_html(head: bytes) -> bool:
    return bool(_HTML_START.match(head[:1024]) or _HTML_ANYWHERE.search(head[:1024]))


def detect_content_type(content: bytes, declared: str, filename: str = "") -> str:
    """The supported content type of ``content``: ``declared`` checked against the bytes.

    With nothing declared (or ``application/octet-stream``) the type comes from the bytes
    (PDF and DOCX by their signature), then the file name's extension, then HTML markup,
    else plain text. A declared type is kept when the bytes agree with it; a text type
    declared for a PDF, a ZIP or binary bytes, or PDF/DOCX declared for anything else, is
    ``CONTENT_TYPE_MISMATCH``. An unknown type is ``UNSUPPORTED_CONTENT_TYPE``.
    """
    wanted = _canonical(declared)
    if wanted not in _UNDECLARED and wanted not in SUPPORTED:
        raise _unsupported(declared.strip())
    found = _sniff(content)
    if wanted in _UNDECLARED:
        by_name = _EXTENSIONS.get(PurePosixPath(filename.replace("\\", "/")).suffix.lower())
        if found in (PDF, DOCX):
            return found
        if found not in (TEXT, HTML):  # another binary format, or a broken archive
            if by_name == DOCX and found == _BROKEN_ZIP:
                return DOCX  # parse() reports the damage
            if by_name in (PDF, DOCX):
                raise _mismatch(by_name, found)
            raise _unsupported(found)
        if by_name in (PDF, DOCX):
            raise _mismatch(by_name, found)
        return by_name or found
    if wanted == PDF:
        if found != PDF:
            raise _mismatch(wanted, found)
    elif wanted == DOCX:
        if found not in (DOCX, _BROKEN_ZIP):
            raise _mismatch(wanted, found)
    elif found not in (TEXT, HTML):
        raise _mismatch(wanted, found)
    return wanted


def check_declared(content_type: str, size_bytes: int, where: str) -> None:
    """Refuse a file before its bytes arrive: a declared type this module cannot parse, or a
    declared size over the limit. ``where``: the message holding both (``metadata.``)."""
    if _canonical(content_type) not in _UNDECLARED | set(SUPPORTED):
        error = _unsupported(content_type)
        raise InvalidArgument.field(
            where + "content_type", error.violations[0].description, error.reason
        )
    if size_bytes > MAX_DOCUMENT_BYTES:
        raise too_large(
            f"is over the limit of {MAX_DOCUMENT_BYTES} bytes", where + "size_bytes", True
        )


# --- parse ------------------------------------------------------------------------------


def parse(content: bytes, content_type: str) -> ParsedDocument:
    """Parse ``content`` of a supported ``content_type`` (see :func:`detect_content_type`).

    Raises ``InvalidArgument``: ``UNSUPPORTED_CONTENT_TYPE`` (field ``content_type``),
    ``DOCUMENT_TOO_LARGE`` or ``CORRUPT_DOCUMENT`` (field ``content``).
    """
    kind = _canonical(content_type)
    if kind not in SUPPORTED:
        raise _unsupported(content_type)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise too_large(
            f"is {len(content)} bytes; the limit is {MAX_DOCUMENT_BYTES} bytes "
            f"({MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB)",
            size_limit=True,
        )
    if not content.strip():  # nothing, or only whitespace
        raise InvalidArgument.field("content", "is empty", "EMPTY_DOCUMENT")
    try:
        return _PARSERS[kind](content)
    except InvalidArgument:
        raise
    except Exception as exc:  # a library's failure on bad input: the document is unreadable
        raise _corrupt(f"could not be read as {SUPPORTED[kind]} ({type(exc).__name__})") from exc


# --- building sections ------------------------------------------------------------------

_LINE_BREAKS = str.maketrans(
    {"\u2028": "\n", "\u2029": "\n", "\x85": "\n", "\x0b": "\n", "\x0c": "\n"}
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufeff\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022\u25e6\u2023\u2043]|\d{1,3}[.)]|[a-z][.)])\s+\S")


def _clean(text: str, kind: str) -> str:
    """Normalize newlines and control characters; no blank lines except inside code."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_BREAKS)
    text = _CONTROL.sub("", text).replace("\u00a0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    if kind == "code":
        # Dedented; a first line indented deeper than all the others loses that extra
        # indentation, so that every section starts and ends with text.
        return textwrap.dedent("\n".join(lines).strip("\n")).strip()
    if kind == "list":
        return textwrap.dedent("\n".join(line for line in lines if line.strip())).strip()
    return "\n".join(_SPACES.sub(" ", line).strip() for line in lines if line.strip())


class _Builder:
    """Collects sections, tracks the heading path and offsets, enforces the text limit."""

    def __init__(self, normalization: str = "NFC") -> None:
        self.sections: list[Section] = []
        self.offset = 0
        self.headings: list[tuple[int, str]] = []
        self.normalization = normalization

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(title for _, title in self.headings)

    def heading(self, level: int, title: str, page: int | None = None) -> None:
        title = " ".join(_clean(title, "heading").split())
        if not title:
            return
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, title))
        self._append(title, "heading", page)

    def add(self, text: str, kind: str, page: int | None = None) -> None:
        text = _clean(text, kind)
        if text.strip():
            self._append(text, kind, page)

    def _append(self, text: str, kind: str, page: int | None) -> None:
        text = unicodedata.normalize(self.normalization, text)
        start = self.offset + (2 if self.sections else 0)
        self.offset = start + len(text)
        if self.offset > MAX_TEXT_CHARS:
            raise too_large(f"has more than {MAX_TEXT_CHARS} characters of text")
        self.sections.append(Section(text, start, page, self.path, kind))

    def build(self, content_type: str, pages: int | None = None) -> ParsedDocument:
        if not self.sections:
            raise _corrupt("contains no text")
        text = "\n\n".join(s.text for s in self.sections)
        return ParsedDocument(text, tuple(self.sections), content_type, pages)


def _paragraph_kind(block: str) -> str:
    lines = [line for line in block.split("\n") if line.strip()]
    return "list" if lines and all(_BULLET.match(line) for line in lines) else "paragraph"


# --- plain text -------------------------------------------------------------------------


def _decode_text(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _corrupt("is not valid UTF-16 text") from exc
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _corrupt(
            f"is not valid UTF-8 text (invalid byte at offset {exc.start}); save it as UTF-8"
        ) from exc


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _parse_text(content: bytes) -> ParsedDocument:
    text = _decode_text(content).replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_BREAKS)
    builder = _Builder()
    for block in _BLANK_LINE.split(text):
        builder.add(block, _paragraph_kind(block))
    return builder.build(TEXT)


# --- Markdown ---------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


# markdown-it stops reading blocks nested deeper than this and drops their text silently;
# a document that reaches the limit is refused rather than indexed in part.
_MARKDOWN_MAX_NESTING = 64


def _markdown_parser() -> MarkdownIt:
    options = {"maxNesting": _MARKDOWN_MAX_NESTING}
    return MarkdownIt("commonmark", options).enable(["table", "strikethrough"])


def _md_inline(token) -> str:
    out: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "image":
            out.append(child.content)  # the alt text
    return "".join(out)


def _closing(tokens, i: int) -> int:
    """Index of the token closing the one opened at ``i``."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _md_table(tokens) -> str:
    rows: list[list[str]] = []
    for token in tokens:
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows:
            rows[-1].append(" ".join(_md_inline(token).split()))
    return "\n".join(" | ".join(row) for row in rows if any(row))


def _md_list(tokens) -> str:
    lines: list[str] = []
    depth = 0
    marker: str | None = None
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "list_item_open":
            marker = f"{token.info}{token.markup}" if token.info else "-"
        elif token.type in ("inline", "fence", "code_block"):
            indent = "  " * (depth - 1)
            text = _md_inline(token) if token.type == "inline" else token.content.rstrip("\n")
            for n, line in enumerate(text.split("\n")):
                if marker is not None and n == 0:
                    lines.append(f"{indent}{marker} {line}")
                    marker = None
                else:
                    lines.append(f"{indent}  {line}")
    return "\n".join(lines)


def _parse_markdown(content: bytes) -> ParsedDocument:
    source = _FRONT_MATTER.sub("", _decode_text(content), count=1)
    tokens = _markdown_parser().parse(source)
    if any(t.level >= _MARKDOWN_MAX_NESTING - 1 for t in tokens):
        raise _corrupt(
            f"nests blocks (quotes, lists) more than {_MARKDOWN_MAX_NESTING // 2} levels deep"
        )
    builder = _Builder()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            builder.heading(int(token.tag[1:]), _md_inline(tokens[i + 1]))
            i += 3
        elif token.type == "paragraph_open":
            text = _md_inline(tokens[i + 1])
            builder.add(text, _paragraph_kind(text))
            i += 3
        elif token.type in ("fence", "code_block"):
            builder.add(token.content, "code")
            i += 1
        elif token.type == "table_open":
            end = _closing(tokens, i)
            builder.add(_md_table(tokens[i:end]), "table")
            i = end + 1
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            end = _closing(tokens, i)
            builder.add(_md_list(tokens[i : end + 1]), "list")
            i = end + 1
        elif token.type == "html_block":
            builder.add(_html_fragment_text(token.content), "paragraph")
            i += 1
        else:  # blockquote and hr markers: their content is read as it comes
            i += 1
    return builder.build(MARKDOWN)


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


def _walk_html(root, builder: _Builder) -> None:
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


def _html_fragment_text(fragment: str) -> str:
    return _inline_text(_soup(fragment))


def _parse_html(content: bytes) -> ParsedDocument:
    builder = _Builder()
    _walk_html(_soup(_decode_html(content)), builder)
    return builder.build(HTML)


# --- PDF --------------------------------------------------------------------------------

_MONOSPACE = re.compile(r"courier|mono|consol|menlo|code|typewriter|fixed", re.I)


@dataclass
class _Line:
    text: str = ""
    y: float | None = None
    size: float = 0.0
    mono: bool = True
    has_font: bool = False


def _pdf_lines(page) -> list[_Line]:
    """The page's text lines in pypdf's order, with position, size and font of each."""
    lines = [_Line()]

    def visit(text, cm, tm, font, size) -> None:
        parts = text.split("\n")
        for n, part in enumerate(parts):
            if n:
                lines.append(_Line())
            if not part:
                continue
            line = lines[-1]
            line.text += part
            if part.strip():
                if line.y is None:
                    c = tm[2] * cm[0] + tm[3] * cm[2]
                    d = tm[2] * cm[1] + tm[3] * cm[3]
                    line.y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                    line.size = abs(size * math.hypot(c, d)) or float(size or 0)
                base = str(font.get("/BaseFont", "")) if font else ""
                line.has_font = True
                line.mono = line.mono and bool(_MONOSPACE.search(base))

    page.extract_text(visitor_text=visit)
    return [line for line in lines if line.text.strip()]


def _pdf_paragraphs(lines: list[_Line]) -> list[tuple[str, bool]]:
    """Lines grouped into paragraphs at vertical gaps, size or font changes: (text, code)."""
    gaps = [
        a.y - b.y
        for a, b in zip(lines, lines[1:], strict=False)
        if a.y is not None and b.y is not None and 0 < a.y - b.y <= 2.5 * max(a.size, 1)
    ]
    spacing = statistics.median(gaps) if gaps else None
    paragraphs: list[tuple[list[str], bool]] = []
    previous: _Line | None = None
    for line in lines:
        mono = line.has_font and line.mono
        new = previous is None
        if previous is not None:
            prev_mono = previous.has_font and previous.mono
            if mono != prev_mono or abs(line.size - previous.size) > 0.5:
                new = True
            elif spacing and line.y is not None and previous.y is not None:
                gap = previous.y - line.y
                new = gap <= 0 or gap > spacing * 1.3
        if new:
            paragraphs.append(([], mono))
        paragraphs[-1][0].append(line.text)
        previous = line
    return [("\n".join(texts), mono) for texts, mono in paragraphs]


def _pdf_outline(reader) -> dict[int, list[tuple[int, str]]]:
    """Outline (bookmark) entries by 0-based page: (level, title), in outline order."""
    by_page: dict[int, list[tuple[int, str]]] = {}
    try:
        stack = [(0, entry) for entry in reversed(reader.outline)]
        seen = 0
        while stack and seen < 10_000:
            level, entry = stack.pop()
            seen += 1
            if isinstance(entry, list):
                stack.extend((level + 1, e) for e in reversed(entry))
                continue
            page = reader.get_destination_page_number(entry)
            title = " ".join(str(entry.title or "").split())
            if page is not None and page >= 0 and title:
                by_page.setdefault(page, []).append((level, title))
    except Exception:
        return {}  # a broken outline costs the headings, not the document
    return by_page


def _same_title(line: str, title: str) -> bool:
    return " ".join(line.split()).casefold() == title.casefold()


def _parse_pdf(content: bytes) -> ParsedDocument:
    if b"%%EOF" not in content[-2048:]:
        raise _corrupt("is a truncated PDF (no end-of-file marker)")
    reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
        raise _corrupt("is a password-protected PDF; remove the password and upload it again")
    count = len(reader.pages)
    if count == 0:
        raise _corrupt("is a PDF without pages")
    if count > MAX_PDF_PAGES:
        raise too_large(f"has {count} pages; the limit is {MAX_PDF_PAGES}")
    outline = _pdf_outline(reader)
    builder = _Builder("NFKC")  # NFKC: ligatures (ﬁ) and presentation forms to plain letters
    for index, page in enumerate(reader.pages):
        number = index + 1
        paragraphs = _pdf_paragraphs(_pdf_lines(page))
        entries = list(outline.get(index, ()))
        # Headings the page's text shows are placed where they appear; the others (a
        # bookmark whose title is not on the page) apply from the top of the page.
        shown = {
            k
            for k, (_, title) in enumerate(entries)
            if any(_same_title(text.split("\n", 1)[0], title) for text, _ in paragraphs)
        }
        for k, (level, title) in enumerate(entries):
            if k not in shown:
                builder.headings = [(lv, t) for lv, t in builder.headings if lv < level]
                builder.headings.append((level, title))
        pending = [entries[k] for k in sorted(shown)]
        for text, mono in paragraphs:
            first, _, rest = text.partition("\n")
            match = next((e for e in pending if _same_title(first, e[1])), None)
            if match is not None:
                pending = pending[pending.index(match) + 1 :]
                builder.heading(match[0], first, number)
                text = rest
            if text.strip():
                kind = "code" if mono else _paragraph_kind(text)
                builder.add(text, kind, number)
    if not builder.sections:
        raise _corrupt("has no extractable text (scanned PDFs need OCR, which is not supported)")
    return builder.build(PDF, count)


# --- DOCX -------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^heading ([1-9])$", re.I)
_CODE_STYLE = re.compile(r"code|preformatted|macro text|source", re.I)


def _check_zip(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise _corrupt("is not a readable DOCX file (damaged ZIP archive)") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise too_large(f"has {len(entries)} parts; the limit is {MAX_ZIP_ENTRIES}")
        total = sum(e.file_size for e in entries)
        if total > MAX_DOCX_UNCOMPRESSED_BYTES:
            raise too_large(
                f"expands to {total} bytes when unzipped; the limit is "
                f"{MAX_DOCX_UNCOMPRESSED_BYTES} bytes"
            )
        if "word/document.xml" not in archive.namelist():
            raise _corrupt("is a ZIP archive without a Word document in it")


def _docx_style(paragraph) -> str:
    try:
        style = paragraph.style
        return style.name if style is not None and style.name else ""
    except Exception:
        return ""


def _docx_list_level(paragraph, style: str) -> int | None:
    p_pr = paragraph._p.pPr
    num_pr = p_pr.numPr if p_pr is not None else None
    if num_pr is not None:
        ilvl = num_pr.ilvl
        return int(ilvl.val) if ilvl is not None and ilvl.val is not None else 0
    if style.lower().startswith("list"):
        match = re.search(r"(\d)$", style)
        return int(match.group(1)) - 1 if match else 0
    return None


def _docx_table(table) -> str:
    lines = []
    for row in table.rows:
        cells, last = [], None
        for cell in row.cells:
            if cell._tc is last:  # a merged cell repeats; show it once
                continue
            last = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


def _parse_docx(content: bytes) -> ParsedDocument:
    _check_zip(content)
    document = docx.Document(io.BytesIO(content))
    builder = _Builder()
    group: list[str] = []
    group_kind = ""

    def flush() -> None:
        nonlocal group_kind
        if group:
            builder.add("\n".join(group), group_kind)
            group.clear()
        group_kind = ""

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            flush()
            builder.add(_docx_table(block), "table")
            continue
        style = _docx_style(block)
        text = block.text
        heading = _HEADING_STYLE.match(style)
        if heading or style.lower() == "title":
            flush()
            builder.heading(int(heading.group(1)) if heading else 0, text)
            continue
        if _CODE_STYLE.search(style):
            kind, line = "code", text
        else:
            level = _docx_list_level(block, style)
            if level is None:
                flush()
                builder.add(text, "paragraph")
                continue
            if not text.strip():
                continue
            kind, line = "list", f"{'  ' * min(level, 8)}- {text}"
        if kind != group_kind:
            flush()
            group_kind = kind
        group.append(line)
    flush()
    return builder.build(DOCX)


_PARSERS: dict[str, Callable[[bytes], ParsedDocument]] = {
    TEXT: _parse_text,
    MARKDOWN: _parse_markdown,
    HTML: _parse_html,
    PDF: _parse_pdf,
    DOCX: _parse_docx,
}
