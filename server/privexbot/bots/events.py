"""What a chat streams to its caller, in order: ``SessionStarted``, the reply's ``Delta``s,
``Cited``, ``Usage``, ``Attested``, then ``Done`` once the reply is stored. ``Delta``,
``Usage`` and ``Attested`` are the inference gateway's, relayed as they come; the rest are
the chat's own."""

from __future__ import annotations

from dataclasses import dataclass

from privexbot.inference.gateway import Attested, Delta, Usage


@dataclass(frozen=True)
class SessionStarted:
    session: str


@dataclass(frozen=True)
class Cited:
    citations: list[dict]


@dataclass(frozen=True)
class Done:
    finish_reason: str
    message: str  # the stored assistant message; empty for draft test chats
    incomplete: bool


Event = SessionStarted | Delta | Cited | Usage | Attested | Done
