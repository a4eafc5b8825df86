"""Chunking: every strategy on the handbook corpus and on generated documents.

The invariants (checked for every chunking here, and by Hypothesis on random documents):
chunks are exact spans of the document text, in order, covering all of it; within the size
(a code block or table up to 1.5 × size excepted); overlaps within chunk_overlap; code
blocks and tables up to 1.5 × size never cut; deterministic.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privexbot.kernel.errors import InvalidArgument
from privexbot.knowledge.chunking import (
    ATOMIC_FACTOR,
    NONE_MAX_CHARS,
    Chunk,
    ChunkingConfig,
    Strategy,
    chunk,
    count_tokens,
)
from privexbot.knowledge.parsing import (
    DOCX,
    HTML,
    MARKDOWN,
    PDF,
    TEXT,
    ParsedDocument,
    Section,
    parse,
)
from privexbot.knowledge.spans import sentence_starts

DATA = Path(__file__).resolve().parents[1] / "data" / "knowledge"
FORMATS = {"md": MARKDOWN, "html": HTML, "txt": TEXT, "pdf": PDF, "docx": DOCX}
FACTS = [
    "The office wifi password rotates every 90 days.",
    "Expense reports are due on the 5th business day of each month.",
    "Production deploys are frozen on Fridays after 14:00.",
    "Everyone gets 28 days of paid leave per year, plus public holidays.",
    "Report phishing emails to security@northwind.example within one hour.",
]


def handbook(ext: str) -> ParsedDocument:
    return parse((DATA / f"handbook.{ext}").read_bytes(), FORMATS[ext])


def document(*parts: tuple[str, str], headings: bool = True) -> ParsedDocument:
    """A ParsedDocument from (kind, text) parts, as a parser would build it."""
    sections, offset, path = [], 0, ()
    for kind, text in parts:
        start = offset + (2 if sections else 0)
        if kind == "heading" and headings:
            path = (text,)
        sections.append(Section(text, start, None, path, kind))
        offset = start + len(text)
    return ParsedDocument("\n\n".join(t for _, t in parts), tuple(sections), MARKDOWN, None)


def markdown(text: str) -> ParsedDocument:
    return parse(text.encode(), MARKDOWN)


def flat(text: str) -> str:
    return " ".join(text.split())


def measure(config: ChunkingConfig, text: str) -> int:
    return count_tokens(text) if config.strategy is Strategy.TOKEN else len(text)


def atomic_sections(doc: ParsedDocument, config: ChunkingConfig) -> list[Section]:
    if config.strategy is Strategy.NONE:
        return []
    limit = ATOMIC_FACTOR * config.chunk_size
    return [
        s for s in doc.sections if s.kind in ("code", "table") and measure(config, s.text) <= limit
    ]


def check(doc: ParsedDocument, config: ChunkingConfig, chunks: list[Chunk]) -> None:
    """Every invariant of a chunking."""
    text = doc.text
    assert chunks, "a document with text has chunks"
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert c.text == text[c.start : c.end]
        assert c.text and c.text == c.text.strip()
    # In order, and together they cover the whole text: only whitespace between them.
    assert not text[: chunks[0].start].strip() and not text[chunks[-1].end :].strip()
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.start < after.start and before.end < after.end
        if after.start >= before.end:
            assert not text[before.end : after.start].strip()
        else:  # an overlap: at most chunk_overlap
            assert measure(config, text[after.start : before.end]) <= config.chunk_overlap
    # Sizes: within chunk_size, or a whole code block / table up to 1.5 × chunk_size.
    atomic = atomic_sections(doc, config)
    whole = {(s.start, s.end) for s in atomic}
    for c in chunks:
        if config.strategy is Strategy.NONE:
            assert len(c.text) <= max(NONE_MAX_CHARS, config.chunk_size)
        elif measure(config, c.text) > config.chunk_size:
            assert (c.start, c.end) in whole, c
    # Code blocks and tables up to 1.5 × size are never cut: inside one chunk, and no chunk
    # starts or ends inside one.
    for s in atomic:
        assert any(c.start <= s.start and s.end <= c.end for c in chunks), s
        for c in chunks:
            assert not s.start < c.start < s.end and not s.start < c.end < s.end, (s, c)
    # Positions for citations: the page where the chunk starts; a heading path it is under.
    for c in chunks:
        at = max(i for i, s in enumerate(doc.sections) if s.start <= c.start)
        assert c.page == doc.sections[at].page
        assert c.heading_path in {s.heading_path for s in doc.sections if s.start < c.end}
    assert chunk(doc, config) == chunks  # deterministic


# --- config -----------------------------------------------------------------------------


def test_defaults_are_recursive_1000_with_200_overlap():
    assert ChunkingConfig() == ChunkingConfig(Strategy.RECURSIVE, 1000, 200)


def test_strategy_accepts_its_string_value():
    assert ChunkingConfig("sentence").strategy is Strategy.SENTENCE


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"chunk_size": 99}, {"chunking.chunk_size"}),
        ({"chunk_size": 8001}, {"chunking.chunk_size"}),
        ({"chunk_size": 500.0}, {"chunking.chunk_size"}),
        ({"chunk_size": True}, {"chunking.chunk_size"}),
        ({"chunk_overlap": -1}, {"chunking.chunk_overlap"}),
        ({"chunk_size": 1000, "chunk_overlap": 500}, {"chunking.chunk_overlap"}),
        ({"chunk_size": 100, "chunk_overlap": 50}, {"chunking.chunk_overlap"}),
        ({"strategy": "semantic"}, {"chunking.strategy"}),
        (
            {"strategy": "x", "chunk_size": 10, "chunk_overlap": -5},
            {"chunking.strategy", "chunking.chunk_size", "chunking.chunk_overlap"},
        ),
    ],
)
def test_config_is_validated(kwargs, fields):
    with pytest.raises(InvalidArgument) as info:
        ChunkingConfig(**kwargs)
    assert {v.field for v in info.value.violations} == fields


@pytest.mark.parametrize(("size", "overlap"), [(100, 0), (100, 49), (1000, 499), (8000, 3999)])
def test_config_bounds_are_inclusive_where_they_should_be(size, overlap):
    ChunkingConfig(Strategy.TOKEN, size, overlap)


# --- the corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", list(Strategy))
@pytest.mark.parametrize("ext", list(FORMATS))
@pytest.mark.parametrize(("size", "overlap"), [(1000, 200), (150, 40)])
def test_every_strategy_on_every_format_keeps_the_invariants_and_the_facts(
    ext, strategy, size, overlap
):
    doc = handbook(ext)
    config = ChunkingConfig(strategy, size, overlap)
    chunks = chunk(doc, config)
    check(doc, config, chunks)
    if strategy is not Strategy.TOKEN or size >= 150:
        for fact in FACTS:  # each fact is whole in some chunk, to be found by a search
            assert any(fact in flat(c.text) for c in chunks), fact


@pytest.mark.parametrize("ext", ["md", "html", "pdf", "docx"])
def test_heading_chunks_are_cited_under_their_headings(ext):
    chunks = chunk(handbook(ext), ChunkingConfig(Strategy.HEADING))
    title = "Northwind Labs Handbook"
    cited = {c.heading_path: flat(c.text) for c in chunks}
    assert "rotates every 90 days" in cited[(title, "Getting Started", "Office Wifi")]
    assert "5th business day" in cited[(title, "Expenses")]
    assert "Meals | 60 EUR" in cited[(title, "Expenses")] or ext == "pdf"
    assert "make release" in cited[(title, "Engineering", "Deploying")]
    # "Getting Started" has no text of its own: it opens the "Accounts" chunk
    accounts = cited[(title, "Getting Started", "Accounts")]
    assert accounts.startswith("Getting Started Accounts Your laptop")
    assert all(c.text.split("\n")[0] in c.heading_path for c in chunks)  # opens with a heading


def test_pdf_chunks_carry_the_page_they_start_on():
    doc = handbook("pdf")
    chunks = chunk(doc, ChunkingConfig(Strategy.RECURSIVE, 200, 40))
    pages = {fact: next(c.page for c in chunks if fact in flat(c.text)) for fact in FACTS}
    assert pages == dict(zip(FACTS, [1, 2, 2, 3, 3], strict=True))
    assert chunks[0].page == 1 and chunks[-1].page == 3


# --- recursive ----------------------------------------------------------------------------

SENTENCES = [
    f"Sentence number {n} talks about topic {n * 7 % 13} in some detail, like the others."
    for n in range(120)
]
PROSE = "\n\n".join(" ".join(SENTENCES[i : i + 6]) for i in range(0, 120, 6))


def test_recursive_merges_up_to_size_with_overlap_at_sentence_boundaries():
    doc = document(*[("paragraph", p) for p in PROSE.split("\n\n")])
    config = ChunkingConfig()
    chunks = chunk(doc, config)
    check(doc, config, chunks)
    # Pieces are whole paragraphs (~430 characters) where they fit: a chunk is one or two
    # of them plus the overlap, never more than chunk_size.
    assert all(500 <= len(c.text) <= 1000 for c in chunks)
    for before, after in zip(chunks, chunks[1:], strict=False):
        shared = before.end - after.start
        assert 100 <= shared <= 200  # at least half the overlap when boundaries allow it
        assert after.text.startswith("Sentence number")  # a whole sentence


def test_recursive_splits_a_long_line_by_words_and_a_long_word_by_characters():
    words = " ".join(f"word{n}" for n in range(400))
    blob = "x" * 2500
    doc = document(("paragraph", words), ("paragraph", blob))
    config = ChunkingConfig(Strategy.RECURSIVE, 300, 50)
    chunks = chunk(doc, config)
    check(doc, config, chunks)
    word_chunks = [c for c in chunks if c.end <= len(words)]
    assert all(re.fullmatch(r"word\d+( word\d+)*", c.text) for c in word_chunks)
    assert [len(c.text) for c in chunks if c.start >= len(words)] == [300] * 8 + [100]


def test_a_heading_never_ends_a_chunk_when_it_can_open_the_next():
    doc = document(
        ("paragraph", "a" * 150),
        ("heading", "Next part"),
        ("paragraph", "b " * 60),
    )
    config = ChunkingConfig(Strategy.RECURSIVE, 200, 0)
    chunks = chunk(doc, config)
    check(doc, config, chunks)
    assert [c.text[:9] for c in chunks] == ["a" * 9, "Next part"]
    assert chunks[1].heading_path == ("Next part",)


# --- code blocks and tables ---------------------------------------------------------------


def code_block(chars: int) -> str:
    lines = [f"call_{n:04d}(argument)  # step {n}" for n in range(chars // 30 + 1)]
    return "\n".join(lines)[:chars].rstrip()


@pytest.mark.parametrize("strategy", [s for s in Strategy if s is not Strategy.NONE])
def test_a_code_block_up_to_one_and_a_half_times_the_size_is_one_chunk(strategy):
    code = code_block(1400)
    doc = markdown(
        f"# Title\n\n{'Some prose here. ' * 40}\n\n```\n{code}\n```\n\nAfter the code.\n"
    )
    config = ChunkingConfig(strategy, 1000, 200)
    if strategy is Strategy.TOKEN:
        config = ChunkingConfig(strategy, count_tokens(code) - 20, 100)  # ~1.05 × size
    chunks = chunk(doc, config)
    check(doc, config, chunks)
    assert [c.text for c in chunks if "call_0000" in c.text] == [code]


def test_a_code_block_beyond_one_and_a_half_times_is_split_by_lines():
    code = code_block(1600)
    doc = markdown(f"```\n{code}\n```\n")
    config = ChunkingConfig(Strategy.RECURSIVE, 1000, 200)
    chunks = chunk(doc, config)
    check(doc, config, chunks)
    assert len(chunks) == 2 and all(len(c.text) <= 1000 for c in chunks)
    lines = set(code.split("\n"))
    assert all(line in lines for c in chunks for line in c.text.split("\n"))


def test_a_table_is_kept_whole_and_small_blocks_are_merged_whole():
    rows = "\n".join(f"| row {n} | value {n * 3} | note about row {n} |" for n in range(38))
    table_md = "| a | b | c |\n|---|---|---|\n" + rows
    small = code_block(250)
    doc = markdown(
        f"{'Intro sentence goes here. ' * 30}\n\n```\n{small}\n```\n\n{table_md}\n\n"
        f"{'Closing words are written. ' * 30}\n"
    )
    table = next(s for s in doc.sections if s.kind == "table")
    assert 1000 < len(table.text) <= 1500, len(table.text)
    for strategy in (Strategy.RECURSIVE, Strategy.PARAGRAPH, Strategy.SENTENCE, Strategy.HEADING):
        config = ChunkingConfig(strategy, 1000, 300)
        chunks = chunk(doc, config)
        check(doc, config, chunks)
        assert table.text in [c.text for c in chunks]
        assert sum(small in c.text for c in chunks) >= 1


# --- heading, paragraph, sentence, token, none ------------------------------------------------


def test_heading_strategy_is_one_chunk_per_heading_and_splits_big_sections():
    doc = markdown(
        "# Install\n\n## Linux\n\nUse the package.\n\n## macOS\n\n"
        + " ".join(SENTENCES[:40])
        + "\n\n# Use\n\nRun it.\n"
    )
    config = ChunkingConfig(Strategy.HEADING, 1000, 100)
    chunks = chunk(doc, config)
    check(doc, config, chunks)
    assert chunks[0].text == "Install\n\nLinux\n\nUse the package."
    assert chunks[0].heading_path == ("Install", "Linux")
    mac = [c for c in chunks if c.heading_path == ("Install", "macOS")]
    assert len(mac) >= 3 and mac[0].text.startswith("macOS\n\nSentence number 0 ")
    assert chunks[-1].text == "Use\n\nRun it." and chunks[-1].heading_path == ("Use",)


def test_paragraph_strategy_cuts_only_between_paragraphs():
    paragraphs = [" ".join(SENTENCES[i : i + 3]) for i in range(0, 60, 3)]
    doc = document(*[("paragraph", p) for p in paragraphs])
    config = ChunkingConfig(Strategy.PARAGRAPH, 800, 300)
    chunks = chunk(doc, config)
    check(doc, config, chunks)
    starts = {s.start for s in doc.sections}
    ends = {s.end for s in doc.sections}
    assert all(c.start in starts and c.end in ends for c in chunks)
    assert any(b.start < a.end for a, b in zip(chunks, chunks[1:], strict=False))  # overlaps


def test_sentence_strategy_cuts_only_between_sentences():
    text = (
        " ".join(SENTENCES[:30]) + " Dr. Who met J. R. Smith, e.g. at 3.5 p.m. on Jan. 5. The end!"
    )
    doc = document(("paragraph", text))
    config = ChunkingConfig(Strategy.SENTENCE, 300, 100)
    chunks = chunk(doc, config)
    check(doc, config, chunks)
    for c in chunks:
        assert c.text.startswith(("Sentence number", "Dr. Who", "The end")), c.text
        assert c.text.endswith((".", "!"))
    assert any("Dr. Who met J. R. Smith, e.g. at 3.5 p.m. on Jan. 5." in c.text for c in chunks)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        ("Mr. Smith met Dr. Jones. Then left.", ["Mr. Smith met Dr. Jones.", "Then left."]),
        ("See e.g. Figure 3 and i.e. That.", ["See e.g. Figure 3 and i.e. That."]),
        ("J. R. R. Tolkien wrote. Yes.", ["J. R. R. Tolkien wrote.", "Yes."]),
        ("Pi is 3.14 today. ok then. Next", ["Pi is 3.14 today. ok then.", "Next"]),
        ('He said "Stop." "Go!" (Then) 2 more.', ['He said "Stop."', '"Go!"', "(Then) 2 more."]),
        ("Wrapped line.\nNew sentence.", ["Wrapped line.", "New sentence."]),
        ("Ends with etc. And more.", ["Ends with etc. And more."]),
    ],
)
def test_sentence_starts(text, sentences):
    bounds = [0, *sentence_starts(text, 0, len(text)), len(text)]
    assert [text[a:b].strip() for a, b in zip(bounds, bounds[1:], strict=False)] == sentences


def test_token_counts_words_and_punctuation_and_long_words_per_32_characters():
    assert count_tokens("Hello, world! It's 2024.") == 9  # Hello , world ! It ' s 2024 .
    assert count_tokens("x" * 100) == 4
    assert count_tokens("  \n ") == 0


def test_token_strategy_sizes_are_tokens():
    doc = document(*[("paragraph", p) for p in PROSE.split("\n\n")])
    config = ChunkingConfig(Strategy.TOKEN, 120, 30)
    chunks = chunk(doc, config)
    check(doc, config, chunks)
    assert all(count_tokens(c.text) <= 120 for c in chunks)
    assert all(count_tokens(c.text) >= 100 for c in chunks[1:-1])
    assert max(len(c.text) for c in chunks) > 120  # tokens, not characters


def test_none_is_the_whole_document_as_one_chunk():
    doc = handbook("md")
    chunks = chunk(doc, ChunkingConfig(Strategy.NONE))
    assert len(chunks) == 1
    assert (chunks[0].start, chunks[0].end, chunks[0].text) == (0, len(doc.text), doc.text)
    assert chunks[0].heading_path == ("Northwind Labs Handbook",)


def test_none_splits_a_document_above_its_hard_cap_without_overlap():
    doc = document(*[("paragraph", p) for p in (PROSE + "\n\n").split("\n\n") if p] * 4)
    assert len(doc.text) > NONE_MAX_CHARS
    config = ChunkingConfig(Strategy.NONE)
    chunks = chunk(doc, config)
    check(doc, config, chunks)
    assert len(chunks) >= 2 and all(len(c.text) <= NONE_MAX_CHARS for c in chunks)
    assert all(a.end < b.start for a, b in zip(chunks, chunks[1:], strict=False))


# --- property: random documents, every strategy -----------------------------------------

WORDS = st.sampled_from(
    [
        "alpha",
        "Beta",
        "gamma.",
        "Delta!",
        "e.g.",
        "Dr.",
        "x",
        "3.5",
        "(paren)",
        "end?",
        "Why?",
        "ok,",
        "naïve",
        "日本語",
        "q" * 45,
        "--",
        "a.b.c",
        "Zed.",
    ]
)


@st.composite
def prose(draw, max_words: int = 120) -> str:
    words = draw(st.lists(WORDS, min_size=1, max_size=max_words))
    seps = draw(
        st.lists(st.sampled_from([" ", " ", " ", "\n"]), min_size=len(words), max_size=len(words))
    )
    return "".join(w + s for w, s in zip(words, seps, strict=True)).strip()


@st.composite
def sections(draw):
    kind = draw(st.sampled_from(["heading", "paragraph", "paragraph", "code", "table", "list"]))
    if kind == "heading":
        return kind, draw(st.sampled_from(["Intro", "Setup", "Usage Notes", "FAQ"]))
    if kind == "code":
        lines = draw(
            st.lists(
                st.sampled_from(["x = 1", "", "    return f(x)", "y" * 70]), min_size=1, max_size=60
            )
        )
        text = "\n".join(lines).strip()  # parsers strip sections
        return kind, text or "pass"
    if kind == "table":
        rows = draw(st.integers(1, 40))
        return kind, "\n".join(f"cell {n} | value {n * 7} | more" for n in range(rows))
    if kind == "list":
        return kind, "\n".join(f"- {draw(prose(12))}" for _ in range(draw(st.integers(1, 8))))
    return kind, draw(prose())


@st.composite
def configs(draw) -> ChunkingConfig:
    size = draw(st.integers(100, 400))
    overlap = draw(st.integers(0, (size - 1) // 2))
    return ChunkingConfig(draw(st.sampled_from(list(Strategy))), size, overlap)


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(parts=st.lists(sections(), min_size=1, max_size=25), config=configs())
def test_property_invariants_hold_for_random_documents(parts, config):
    doc = document(*parts)
    check(doc, config, chunk(doc, config))
