"""PDF, read with pypdf: paragraphs from vertical gaps, headings from the outline, code from
monospace fonts. Password-protected, truncated and text-less (scanned) files are refused."""

from __future__ import annotations

import io
import math
import re
import statistics
from dataclasses import dataclass

import pypdf

from privexbot.knowledge.parsing.document import (
    Builder,
    ParsedDocument,
    corrupt,
    paragraph_kind,
    too_large,
)
from privexbot.knowledge.parsing.types import PDF

# --- PDF --------------------------------------------------------------------------------

_MONOSPACE = re.compile(r"courier|mono|consol|menlo|code|typewriter|fixed", re.I)

MAX_PDF_PAGES = 2_000


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


def parse_pdf(content: bytes) -> ParsedDocument:
    if b"%%EOF" not in content[-2048:]:
        raise corrupt("is a truncated PDF (no end-of-file marker)")
    reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
        raise corrupt("is a password-protected PDF; remove the password and upload it again")
    count = len(reader.pages)
    if count == 0:
        raise corrupt("is a PDF without pages")
    if count > MAX_PDF_PAGES:
        raise too_large(f"has {count} pages; the limit is {MAX_PDF_PAGES}")
    outline = _pdf_outline(reader)
    builder = Builder("NFKC")  # NFKC: ligatures (ﬁ) and presentation forms to plain letters
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
                kind = "code" if mono else paragraph_kind(text)
                builder.add(text, kind, number)
    if not builder.sections:
        raise corrupt("has no extractable text (scanned PDFs need OCR, which is not supported)")
    return builder.build(PDF, count)
