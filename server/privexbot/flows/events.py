"""What a run streams, in order: ``RunStarted``; per node ``NodeStarted`` then
``NodeFinished`` (and ``NodeRetry`` between attempts); ``LoopRound*`` around each round;
``Delta`` text and ``Cited`` from answer nodes; then ``Usage`` and ``Attested`` of the
model calls; ``RunFinished`` last. The text, usage and attestation events are the
gateway's own."""

from __future__ import annotations

from dataclasses import dataclass, field

from privexbot.inference.gateway import Attested, Delta, Usage

SUCCEEDED, FAILED, CANCELLED, RUNNING = "succeeded", "failed", "cancelled", "running"


@dataclass(frozen=True)
class RunStarted:
    run: str
    session: str
    version: int


@dataclass(frozen=True)
class NodeStarted:
    node_id: str
    node_type: str
    path: str = ""


@dataclass(frozen=True)
class NodeFinished:
    node_id: str
    node_type: str
    state: str  # succeeded | failed
    output: object  # redacted and truncated
    error: str
    duration_ms: float
    handle: str = ""
    path: str = ""
    attempts: int = 1


@dataclass(frozen=True)
class NodeRetry:
    node_id: str
    node_type: str
    attempt: int
    error: str
    delay_ms: float
    path: str = ""


@dataclass(frozen=True)
class LoopRoundStarted:
    node_id: str
    round: int
    path: str = ""


@dataclass(frozen=True)
class LoopRoundFinished:
    node_id: str
    round: int
    variables: dict = field(default_factory=dict)
    path: str = ""


@dataclass(frozen=True)
class Cited:
    citations: list  # knowledge.search.ScoredCitation


@dataclass(frozen=True)
class RunFinished:
    state: str
    error: str = ""
    output: str = ""


Event = (
    RunStarted
    | NodeStarted
    | NodeFinished
    | NodeRetry
    | LoopRoundStarted
    | LoopRoundFinished
    | Delta
    | Cited
    | Usage
    | Attested
    | RunFinished
)
