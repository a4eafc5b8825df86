"""The prompt a chatbot sends: its system prompt, grounding instructions, the retrieved
context (numbered, so the model can refer to sources) and the recent conversation.

The enclave's model has a small context (2,048 tokens), so context and history are
budgeted in characters (about four per token) and the oldest history goes first.
"""

from __future__ import annotations

from dataclasses import dataclass

from privexbot.inference.gateway import Message

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant. Answer concisely."
MAX_CONTEXT_CHARS = 3200
MAX_HISTORY_CHARS = 1600
# A chunk at least this similar to the question counts as knowledge found: strict grounding
# answers only from such chunks, and analytics counts the question as answered from the
# knowledge base. Measured with all-MiniLM-L6-v2 on the shipped handbook: questions it
# answers score 0.32-0.85 against their chunk, unrelated ones at most 0.11. Keyword and
# hybrid scores are relative (the best match scores 1), so there any match counts.
RELEVANT_SCORE = 0.2
# Strict grounding with nothing retrieved: this is the whole reply; the model is not asked.
STRICT_REFUSAL = (
    "I can only answer from this assistant's knowledge base, and it has nothing on that question."
)
INSTRUCTIONS = {
    "strict": (
        "Answer only from the context below. If the context does not contain the answer, "
        "say that you do not know. Never use outside knowledge."
    ),
    "guided": (
        "Base your answer on the context below. If you must add general knowledge, say "
        "that it does not come from the context."
    ),
    "flexible": "Use the context below when it helps answer the question.",
}


@dataclass(frozen=True)
class Source:
    title: str
    text: str


def build(
    config: dict, history: list[Message], question: str, sources: list[Source]
) -> list[Message]:
    system = config["system_prompt"].strip() or DEFAULT_SYSTEM_PROMPT
    if config["knowledge_bases"]:
        system += "\n\n" + INSTRUCTIONS[config["grounding_mode"]]
        system += "\n\nContext:\n" + (_context(sources) or "(nothing relevant was found)")
    return [Message("system", system), *_recent(history), Message("user", question)]


def _context(sources: list[Source]) -> str:
    parts, used = [], 0
    for number, source in enumerate(sources, 1):
        entry = f"[{number}] {source.title}\n{source.text.strip()}"
        if used + len(entry) > MAX_CONTEXT_CHARS:
            entry = entry[: max(0, MAX_CONTEXT_CHARS - used)]
        if not entry:
            break
        parts.append(entry)
        used += len(entry)
    return "\n\n".join(parts)


def _recent(history: list[Message]) -> list[Message]:
    kept, used = [], 0
    for message in reversed(history):
        used += len(message.content)
        if used > MAX_HISTORY_CHARS:
            break
        kept.append(message)
    return kept[::-1]
