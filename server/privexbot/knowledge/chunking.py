"""Parsed documents → chunks for embedding, each with its source position for citations.

Every chunk is a contiguous span of ``ParsedDocument.text`` (trimmed), no larger than
``chunk_size``; consecutive chunks may overlap (``chunk_overlap``); ``page`` and
``heading_path`` are those of the section where the chunk starts; the output is
deterministic. A code block or table stays whole up to 1.5 × ``chunk_size``; a heading that
would end a chunk moves to the next one. Strategies: ``recursive`` (default, 1000/200),
``heading``, ``paragraph``, ``sentence``, ``token`` and ``none``; how each cuts a document:
docs/decisions/0005-chunking.md.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from privexbot.kernel.errors import FieldViolation, InvalidArgument
from privexbot.knowledge import spans as text_spans
from privexbot.knowledge.parsing import ParsedDocument, Section

MIN_CHUNK_SIZE = 100
MAX_CHUNK_SIZE = 8000
ATOMIC_FACTOR = 1.5  # code blocks and tables stay whole up to this × chunk_size
NONE_MAX_CHARS = 20_000  # the ``none`` strategy's one chunk, at most
TOKEN_PATTERN = re.compile(r"\w{1,32}|[^\w\s]")


class Strategy(StrEnum):
    RECURSIVE = "recursive"
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    SENTENCE = "sentence"
    TOKEN = "token"
    NONE = "none"


@dataclass(frozen=True)
class ChunkingConfig:
    """Sizes are characters (tokens for ``token``): 100 ≤ size ≤ 8000, 0 ≤ overlap < size/2."""

    strategy: Strategy = Strategy.RECURSIVE
    chunk_size: int = 1000
    chunk_overlap: int = 200

    def __post_init__(self) -> None:
        found: list[FieldViolation] = []
        try:
            object.__setattr__(self, "strategy", Strategy(self.strategy))
        except ValueError:
            found.append(
                FieldViolation(
                    "chunking.strategy",
                    f"must be one of {', '.join(s.value for s in Strategy)}",
                )
            )
        size, overlap = self.chunk_size, self.chunk_overlap
        size_ok = _is_int(size) and MIN_CHUNK_SIZE <= size <= MAX_CHUNK_SIZE
        if not size_ok:
            found.append(
                FieldViolation(
                    "chunking.chunk_size",
                    f"must be an integer from {MIN_CHUNK_SIZE} to {MAX_CHUNK_SIZE}",
                )
            )
        if not _is_int(overlap) or overlap < 0 or (size_ok and 2 * overlap >= size):
            found.append(
                FieldViolation(
                    "chunking.chunk_overlap",
                    "must be an integer, at least 0 and less than half of chunk_size",
                )
            )
        if found:
            raise InvalidArgument(
                "INVALID_ARGUMENT",
                "; ".join(f"{v.field} {v.description}" for v in found),
                violations=found,
            )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    start: int  # offsets in ParsedDocument.text: text == doc.text[start:end]
    end: int
    page: int | None  # page where the chunk starts
    heading_path: tuple[str, ...]


# --- measuring: characters or tokens -----------------------------------------------------


class _Chars:
    def __init__(self, text: str) -> None:
        self.text = text

    def size(self, a: int, b: int) -> int:
        return b - a

    def back(self, end: int, n: int) -> int:
        """The smallest ``a`` with ``size(a, end) <= n``."""
        return max(0, end - n)

    def cut(self, a: int, b: int, limit: int) -> list[tuple[int, int]]:
        return text_spans.trimmed(self.text, ((x, min(x + limit, b)) for x in range(a, b, limit)))


class _Tokens:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = array("q", (m.start() for m in TOKEN_PATTERN.finditer(text)))

    def size(self, a: int, b: int) -> int:
        return bisect_left(self.starts, b) - bisect_left(self.starts, a)

    def back(self, end: int, n: int) -> int:
        i = bisect_left(self.starts, end) - n - 1
        return 0 if i < 0 else self.starts[i] + 1

    def cut(self, a: int, b: int, limit: int) -> list[tuple[int, int]]:
        first, last = bisect_left(self.starts, a), bisect_left(self.starts, b)
        bounds = [self.starts[k] for k in range(first, last, limit)] + [b]
        bounds[0] = a
        return text_spans.trimmed(self.text, zip(bounds, bounds[1:], strict=False))


_Measure = _Chars | _Tokens


# --- splitting ---------------------------------------------------------------------------

_Level = Callable[[str, int, int], list[tuple[int, int]]]
RECURSIVE_LEVELS: tuple[_Level, ...] = (
    text_spans.paragraphs,
    text_spans.lines,
    text_spans.sentences,
    text_spans.words,
)


def _split(
    text: str, a: int, b: int, limit: int, measure: _Measure, levels: Sequence[_Level]
) -> list[tuple[int, int]]:
    """Spans of ``[a, b)`` no larger than ``limit``, by the first level that splits."""
    if measure.size(a, b) <= limit:
        return [(a, b)]
    for i, level in enumerate(levels):
        parts = level(text, a, b)
        if len(parts) > 1:
            out: list[tuple[int, int]] = []
            for x, y in parts:
                out.extend(_split(text, x, y, limit, measure, levels[i + 1 :]))
            return out
    return measure.cut(a, b, limit)


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    atomic: bool = False  # a whole code block or table: never cut, never an overlap's start
    heading: bool = False


def _pieces(
    text: str,
    sections: Sequence[Section],
    limit: int,
    measure: _Measure,
    levels: Sequence[_Level],
    by_section: Callable[[Section, int, int], list[tuple[int, int]]] | None = None,
) -> list[_Piece]:
    out: list[_Piece] = []
    for section in sections:
        a, b = text_spans.trim(text, section.start, section.end)
        if a >= b:
            continue
        size = measure.size(a, b)
        if section.kind in ("code", "table") and size <= ATOMIC_FACTOR * limit:
            out.append(_Piece(a, b, atomic=True))
        elif section.kind == "heading" and size <= limit:
            out.append(_Piece(a, b, heading=True))
        else:
            spans = by_section(section, a, b) if by_section else [(a, b)]
            for x, y in spans:
                out.extend(_Piece(s, e) for s, e in _split(text, x, y, limit, measure, levels))
    return out


# --- merging -----------------------------------------------------------------------------

_SPACE_RUN = re.compile(r"\s+")


def _overlap_start(
    text: str,
    chunk: Sequence[_Piece],
    start: int,
    end: int,
    following: _Piece,
    overlap: int,
    limit: int,
    measure: _Measure,
    fine: bool,
) -> int | None:
    """Where the chunk after ``text[start:end]`` begins, inside it, or None for no overlap.

    The overlap is at most ``overlap`` and leaves room for ``following``. Candidates are
    piece starts, then (with ``fine``) sentence starts, then word starts; the coarsest kind
    that gives at least half of ``overlap`` wins, else the longest overlap found. Positions
    inside an atomic piece are never candidates.
    """
    lo = max(measure.back(end, overlap), measure.back(following.end, limit), start + 1)
    if lo >= end:
        return None
    blocked = [(p.start, p.end) for p in chunk if p.atomic and p.end > lo]

    def allowed(pos: int) -> bool:
        return lo <= pos < end and not any(s < pos < e for s, e in blocked)

    levels: list[list[int]] = [[p.start for p in chunk]]
    if fine:
        levels.append(text_spans.sentence_starts(text, max(start, lo - 64), end))
        levels.append([m.end() for m in _SPACE_RUN.finditer(text, max(start, lo - 1), end)])
    best: int | None = None
    for candidates in levels:
        found = next((c for c in candidates if allowed(c)), None)  # ascending: the longest
        if found is None:
            continue
        if 2 * measure.size(found, end) >= overlap:
            return found
        if best is None or found < best:
            best = found
    return best


def _merge(
    text: str,
    pieces: Sequence[_Piece],
    limit: int,
    overlap: int,
    measure: _Measure,
    fine_overlap: bool,
) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    chunk: list[_Piece] = []
    start = 0
    fresh = 0  # chunk[fresh:] are pieces no earlier chunk has shown
    for piece in pieces:
        if not chunk:
            chunk, start, fresh = [piece], piece.start, 0
            continue
        if measure.size(start, piece.end) <= limit:
            chunk.append(piece)
            continue
        # A heading must not end a chunk: it moves on with the piece it introduces.
        k = 0
        while k < len(chunk) and chunk[-1 - k].heading:
            k += 1
        if 0 < k and len(chunk) - k > fresh and measure.size(chunk[-k].start, piece.end) <= limit:
            spans.append((start, chunk[-k - 1].end))
            chunk = [*chunk[-k:], piece]
            start, fresh = chunk[0].start, 0
            continue
        end = chunk[-1].end
        spans.append((start, end))
        begin = None
        if overlap:
            begin = _overlap_start(
                text, chunk, start, end, piece, overlap, limit, measure, fine_overlap
            )
        if begin is None:
            chunk, start, fresh = [piece], piece.start, 0
        else:
            carried = [p for p in chunk if p.end > begin]
            if carried[0].start != begin:  # the overlap starts inside a (non-atomic) piece
                carried[0] = _Piece(begin, carried[0].end)
            chunk, start, fresh = [*carried, piece], begin, len(carried)
    if chunk:
        spans.append((start, chunk[-1].end))
    return spans


# --- strategies --------------------------------------------------------------------------


def _recursive(doc, sections, size, overlap, measure) -> list[tuple[int, int]]:
    pieces = _pieces(doc.text, sections, size, measure, RECURSIVE_LEVELS)
    return _merge(doc.text, pieces, size, overlap, measure, fine_overlap=True)


def _by_heading(doc, sections, size, overlap, measure) -> list[tuple[int, int]]:
    groups: list[list[Section]] = []
    for section in sections:
        # A heading starts a group, unless the group so far is only headings ("Install"
        # directly followed by "Linux"): those stay with the content they introduce.
        if not groups or (
            section.kind == "heading" and any(s.kind != "heading" for s in groups[-1])
        ):
            groups.append([])
        groups[-1].append(section)
    spans: list[tuple[int, int]] = []
    for group in groups:
        a, b = text_spans.trim(doc.text, group[0].start, group[-1].end)
        if measure.size(a, b) <= size:
            spans.append((a, b))
        else:
            spans.extend(_recursive(doc, group, size, overlap, measure))
    return spans


def _by_paragraph(doc, sections, size, overlap, measure) -> list[tuple[int, int]]:
    levels = (text_spans.lines, text_spans.sentences, text_spans.words)
    pieces = _pieces(doc.text, sections, size, measure, levels)
    return _merge(doc.text, pieces, size, overlap, measure, fine_overlap=False)


def _by_sentence(doc, sections, size, overlap, measure) -> list[tuple[int, int]]:
    text = doc.text

    def sentences(section: Section, a: int, b: int) -> list[tuple[int, int]]:
        # Lists and tables: each line is a unit; prose: sentences across wrapped lines.
        lines = (
            text_spans.lines(text, a, b) if section.kind in ("list", "table", "code") else [(a, b)]
        )
        return [s for x, y in lines for s in text_spans.sentences(text, x, y)]

    pieces = _pieces(text, sections, size, measure, (text_spans.words,), by_section=sentences)
    return _merge(text, pieces, size, overlap, measure, fine_overlap=False)


def _none(doc, sections, size, overlap, measure) -> list[tuple[int, int]]:
    a, b = text_spans.trim(doc.text, 0, len(doc.text))
    if b - a <= NONE_MAX_CHARS:
        return [(a, b)] if a < b else []
    return _recursive(doc, sections, NONE_MAX_CHARS, 0, _Chars(doc.text))


_STRATEGIES = {
    Strategy.RECURSIVE: _recursive,
    Strategy.TOKEN: _recursive,
    Strategy.HEADING: _by_heading,
    Strategy.PARAGRAPH: _by_paragraph,
    Strategy.SENTENCE: _by_sentence,
    Strategy.NONE: _none,
}


def count_tokens(text: str) -> int:
    """The ``token`` strategy's measure of ``text``."""
    return sum(1 for _ in TOKEN_PATTERN.finditer(text))


def chunk(doc: ParsedDocument, config: ChunkingConfig | None = None) -> list[Chunk]:
    """Cut ``doc`` into chunks by ``config`` (default: recursive, 1000/200)."""
    config = config or ChunkingConfig()
    measure: _Measure = _Tokens(doc.text) if config.strategy is Strategy.TOKEN else _Chars(doc.text)
    spans = _STRATEGIES[config.strategy](
        doc, doc.sections, config.chunk_size, config.chunk_overlap, measure
    )
    starts = [s.start for s in doc.sections]
    chunks: list[Chunk] = []
    for a, b in spans:
        a, b = text_spans.trim(doc.text, a, b)
        if a >= b:
            continue
        page, path = _position(doc.sections, starts, a, b)
        chunks.append(Chunk(len(chunks), doc.text[a:b], a, b, page, path))
    return chunks


def _position(
    sections: Sequence[Section], starts: Sequence[int], a: int, b: int
) -> tuple[int | None, tuple[str, ...]]:
    """The page where ``[a, b)`` starts, and the heading path of its first content: a chunk
    that opens with headings ("Install", "Linux", then text) is cited under the innermost."""
    at = bisect_right(starts, a) - 1
    if at < 0:
        return None, ()
    page = sections[at].page
    while sections[at].kind == "heading" and at + 1 < len(sections) and sections[at + 1].start < b:
        at += 1
    return page, sections[at].heading_path
