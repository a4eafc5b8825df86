"""Text spans: trimming, and splitting a range of a text by paragraphs, lines, sentences or
words. Spans are ``(start, end)`` offsets into the text, never copies of it."""

from __future__ import annotations

import re
from collections.abc import Callable


def trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def trimmed(text: str, spans) -> list[tuple[int, int]]:
    out = []
    for a, b in spans:
        a, b = trim(text, a, b)
        if a < b:
            out.append((a, b))
    return out


def between(pattern: re.Pattern[str]) -> Callable[[str, int, int], list[tuple[int, int]]]:
    def split(text: str, a: int, b: int) -> list[tuple[int, int]]:
        spans, pos = [], a
        for match in pattern.finditer(text, a, b):
            spans.append((pos, match.start()))
            pos = match.end()
        spans.append((pos, b))
        return trimmed(text, spans)

    return split


_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*\s+")
_OPENERS = "\"'\u201c\u2018(["
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt ft vs etc e.g i.e cf al inc ltd co corp dept est approx "
    "no nos fig figs vol pp ed eds gen col lt sgt capt rev hon jan feb mar apr jun jul aug "
    "sep sept oct nov dec".split()
)


def sentence_starts(text: str, a: int, b: int) -> list[int]:
    """Where sentences start inside ``text[a:b]`` (not counting ``a``).

    A sentence ends at ``.``, ``!``, ``?`` or ``…`` (closing quotes and brackets may follow)
    followed by whitespace and then a capital letter or digit (perhaps after an opening
    quote), unless the word ending in ``.`` is a common abbreviation (:data:`ABBREVIATIONS`,
    "e.g.", "Dr.") or a single letter (an initial: "J. Smith").
    """
    starts = []
    for match in _SENTENCE_END.finditer(text, a, b):
        nxt = match.end()
        if nxt >= b:
            break
        head = text[nxt]
        if head in _OPENERS and nxt + 1 < b:
            head = text[nxt + 1]
        if not (head.isupper() or head.isdigit()):
            continue
        if text[match.start()] == ".":
            w = match.start()
            s = w
            while s > a and not text[s - 1].isspace():
                s -= 1
            word = text[s:w].lstrip(_OPENERS).lower()
            if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        starts.append(nxt)
    return starts


def sentences(text: str, a: int, b: int) -> list[tuple[int, int]]:
    bounds = [a, *sentence_starts(text, a, b), b]
    return trimmed(text, zip(bounds, bounds[1:], strict=False))


paragraphs = between(re.compile(r"\n[ \t]*\n"))
lines = between(re.compile(r"\n"))
words = between(re.compile(r"\s+"))
