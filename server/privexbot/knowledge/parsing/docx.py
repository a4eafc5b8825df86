"""DOCX, read with python-docx after its ZIP is checked against bombs (entries and expanded
size); built-in heading styles give the headings."""

from __future__ import annotations

import io
import re
import zipfile

import docx
from docx.table import Table

from privexbot.knowledge.parsing.document import (
    Builder,
    ParsedDocument,
    corrupt,
    too_large,
)
from privexbot.knowledge.parsing.types import DOCX

# --- DOCX -------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^heading ([1-9])$", re.I)
_CODE_STYLE = re.compile(r"code|preformatted|macro text|source", re.I)

MAX_DOCX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024

MAX_ZIP_ENTRIES = 5_000


def _check_zip(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise corrupt("is not a readable DOCX file (damaged ZIP archive)") from exc
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
            raise corrupt("is a ZIP archive without a Word document in it")


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


def parse_docx(content: bytes) -> ParsedDocument:
    _check_zip(content)
    document = docx.Document(io.BytesIO(content))
    builder = Builder()
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
