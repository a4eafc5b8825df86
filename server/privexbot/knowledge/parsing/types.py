"""Content types: the supported ones, their other names and file extensions, and what the
bytes say a file is, checked against what a client declares."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath

from privexbot.kernel.errors import InvalidArgument
from privexbot.knowledge.parsing.document import MAX_DOCUMENT_BYTES, too_large

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
UNDECLARED = {"", "application/octet-stream", "binary/octet-stream"}
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


def unsupported(content_type: str) -> InvalidArgument:
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


def canonical(content_type: str) -> str:
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
    wanted = canonical(declared)
    if wanted not in UNDECLARED and wanted not in SUPPORTED:
        raise unsupported(declared.strip())
    found = _sniff(content)
    if wanted in UNDECLARED:
        by_name = _EXTENSIONS.get(PurePosixPath(filename.replace("\\", "/")).suffix.lower())
        if found in (PDF, DOCX):
            return found
        if found not in (TEXT, HTML):  # another binary format, or a broken archive
            if by_name == DOCX and found == _BROKEN_ZIP:
                return DOCX  # parse() reports the damage
            if by_name in (PDF, DOCX):
                raise _mismatch(by_name, found)
            raise unsupported(found)
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
    if canonical(content_type) not in UNDECLARED | set(SUPPORTED):
        error = unsupported(content_type)
        raise InvalidArgument.field(
            where + "content_type", error.violations[0].description, error.reason
        )
    if size_bytes > MAX_DOCUMENT_BYTES:
        raise too_large(
            f"is over the limit of {MAX_DOCUMENT_BYTES} bytes", where + "size_bytes", True
        )
