"""Plain text: UTF-8 (a BOM allowed) or UTF-16 with a BOM; anything else is refused rather
than guessed at. Blank lines separate paragraphs."""

from __future__ import annotations

import re

from privexbot.knowledge.parsing.document import (
    LINE_BREAKS,
    Builder,
    ParsedDocument,
    corrupt,
    paragraph_kind,
)
from privexbot.knowledge.parsing.types import TEXT

# --- plain text -------------------------------------------------------------------------


def decode_text(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise corrupt("is not valid UTF-16 text") from exc
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise corrupt(
            f"is not valid UTF-8 text (invalid byte at offset {exc.start}); save it as UTF-8"
        ) from exc


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def parse_text(content: bytes) -> ParsedDocument:
    text = decode_text(content).replace("\r\n", "\n").replace("\r", "\n").translate(LINE_BREAKS)
    builder = Builder()
    for block in _BLANK_LINE.split(text):
        builder.add(block, paragraph_kind(block))
    return builder.build(TEXT)
