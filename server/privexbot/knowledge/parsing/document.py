"""What parsing makes of a document (sections in reading order, with offsets, pages and
headings), how it builds them, and the errors and limits every format shares."""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass

from privexbot.kernel.errors import InvalidArgument

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 20 * 1024 * 1024  # extracted characters, whatever the format


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


def corrupt(description: str) -> InvalidArgument:
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


# --- building sections ------------------------------------------------------------------

LINE_BREAKS = str.maketrans(
    {"\u2028": "\n", "\u2029": "\n", "\x85": "\n", "\x0b": "\n", "\x0c": "\n"}
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufeff\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022\u25e6\u2023\u2043]|\d{1,3}[.)]|[a-z][.)])\s+\S")


def clean(text: str, kind: str) -> str:
    """Normalize newlines and control characters; no blank lines except inside code."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(LINE_BREAKS)
    text = _CONTROL.sub("", text).replace("\u00a0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    if kind == "code":
        # Dedented; a first line indented deeper than all the others loses that extra
        # indentation, so that every section starts and ends with text.
        return textwrap.dedent("\n".join(lines).strip("\n")).strip()
    if kind == "list":
        return textwrap.dedent("\n".join(line for line in lines if line.strip())).strip()
    return "\n".join(_SPACES.sub(" ", line).strip() for line in lines if line.strip())


class Builder:
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
        title = " ".join(clean(title, "heading").split())
        if not title:
            return
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, title))
        self._append(title, "heading", page)

    def add(self, text: str, kind: str, page: int | None = None) -> None:
        text = clean(text, kind)
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
            raise corrupt("contains no text")
        text = "\n\n".join(s.text for s in self.sections)
        return ParsedDocument(text, tuple(self.sections), content_type, pages)


def paragraph_kind(block: str) -> str:
    lines = [line for line in block.split("\n") if line.strip()]
    return "list" if lines and all(_BULLET.match(line) for line in lines) else "paragraph"
