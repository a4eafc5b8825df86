"""What a chat streams to its caller, in order: ``SessionStarted``, the reply's ``Delta``s,
``Cited``, ``Usage``, ``Attested``, then ``Done`` once the reply is stored. Bots' own
events: the exchange turns the inference gateway's into these."""

from __future__ import annotations

from dataclasses import dataclass

from privexbot.inference.attestation import Verdict


@dataclass(frozen=True)
class SessionStarted:
    session: str


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Cited:
    citations: list[dict]


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Attested:
    verdict: Verdict


@dataclass(frozen=True)
class Done:
    finish_reason: str
    message: str  # the stored assistant message; empty for draft test chats
    incomplete: bool


Event = SessionStarted | Delta | Cited | Usage | Attested | Done
