"""A reply shaped for a platform: its markdown flavour, citations as it can show them,
and split into messages no longer than its limit (at a paragraph, line or word boundary
when there is one)."""

from __future__ import annotations

import re
from collections.abc import Sequence

# Characters per message: Telegram sendMessage and WhatsApp text bodies 4,096; Discord
# message content 2,000; Slack accepts 40,000 but advises 4,000 for a readable message.
LIMITS = {"telegram": 4096, "discord": 2000, "slack": 4000, "whatsapp": 4096}

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")


def _flavour(platform: str, text: str) -> str:
    if platform == "discord":  # Discord renders CommonMark-like markdown as written
        return text
    if platform == "slack":  # mrkdwn: escape &<>, *bold*, <url|text>
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return _LINK.sub(r"<\2|\1>", _BOLD.sub(r"*\1*", text))
    bold = r"*\1*" if platform == "whatsapp" else r"\1"  # Telegram is sent as plain text
    return _LINK.sub(r"\1 (\2)", _BOLD.sub(bold, text))


def split(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at the last paragraph break, line break
    or space before the limit, else at the limit."""
    pieces = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0) or window.rfind(" ")
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text.strip():
        pieces.append(text)
    return pieces


def compose(platform: str, text: str, sources: Sequence[tuple[str, str]] = ()) -> list[str]:
    """The messages to send for ``text`` with its cited ``sources`` (title, url or '')."""
    if sources:
        lines = [
            f"[{i}] [{title}]({url})" if url else f"[{i}] {title}"
            for i, (title, url) in enumerate(sources, 1)
        ]
        text = text.rstrip() + "\n\nSources:\n" + "\n".join(lines)
    return split(_flavour(platform, text), LIMITS[platform])
