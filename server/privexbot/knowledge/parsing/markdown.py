"""Markdown (CommonMark with tables), read with markdown-it: headings, paragraphs, code,
tables and lists; front matter dropped; inline HTML read as text."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from privexbot.knowledge.parsing.document import Builder, ParsedDocument, corrupt, paragraph_kind
from privexbot.knowledge.parsing.html import html_fragment_text
from privexbot.knowledge.parsing.text import decode_text
from privexbot.knowledge.parsing.types import MARKDOWN

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


def parse_markdown(content: bytes) -> ParsedDocument:
    source = _FRONT_MATTER.sub("", decode_text(content), count=1)
    tokens = _markdown_parser().parse(source)
    if any(t.level >= _MARKDOWN_MAX_NESTING - 1 for t in tokens):
        raise corrupt(
            f"nests blocks (quotes, lists) more than {_MARKDOWN_MAX_NESTING // 2} levels deep"
        )
    builder = Builder()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            builder.heading(int(token.tag[1:]), _md_inline(tokens[i + 1]))
            i += 3
        elif token.type == "paragraph_open":
            text = _md_inline(tokens[i + 1])
            builder.add(text, paragraph_kind(text))
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
            builder.add(html_fragment_text(token.content), "paragraph")
            i += 1
        else:  # blockquote and hr markers: their content is read as it comes
            i += 1
    return builder.build(MARKDOWN)
