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

from collections.abc import Callable

from privexbot.kernel.errors import InvalidArgument
from privexbot.knowledge.parsing.document import (
    KINDS,
    MAX_DOCUMENT_BYTES,
    ParsedDocument,
    Section,
    corrupt,
    too_large,
)
from privexbot.knowledge.parsing.docx import parse_docx
from privexbot.knowledge.parsing.html import parse_html
from privexbot.knowledge.parsing.markdown import parse_markdown
from privexbot.knowledge.parsing.pdf import parse_pdf
from privexbot.knowledge.parsing.text import parse_text
from privexbot.knowledge.parsing.types import (
    DOCX,
    HTML,
    MARKDOWN,
    PDF,
    SUPPORTED,
    TEXT,
    canonical,
    check_declared,
    detect_content_type,
    unsupported,
)

__all__ = [
    "DOCX",
    "HTML",
    "KINDS",
    "MARKDOWN",
    "MAX_DOCUMENT_BYTES",
    "PDF",
    "SUPPORTED",
    "TEXT",
    "ParsedDocument",
    "Section",
    "check_declared",
    "detect_content_type",
    "parse",
    "too_large",
]

# --- parse ------------------------------------------------------------------------------


def parse(content: bytes, content_type: str) -> ParsedDocument:
    """Parse ``content`` of a supported ``content_type`` (see :func:`detect_content_type`).

    Raises ``InvalidArgument``: ``UNSUPPORTED_CONTENT_TYPE`` (field ``content_type``),
    ``DOCUMENT_TOO_LARGE`` or ``CORRUPT_DOCUMENT`` (field ``content``).
    """
    kind = canonical(content_type)
    if kind not in SUPPORTED:
        raise unsupported(content_type)
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
        raise corrupt(f"could not be read as {SUPPORTED[kind]} ({type(exc).__name__})") from exc


_PARSERS: dict[str, Callable[[bytes], ParsedDocument]] = {
    TEXT: parse_text,
    MARKDOWN: parse_markdown,
    HTML: parse_html,
    PDF: parse_pdf,
    DOCX: parse_docx,
}
