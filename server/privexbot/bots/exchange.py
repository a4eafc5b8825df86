"""One grounded exchange: retrieve from the chatbot's knowledge bases, build the prompt,
stream the reply from the inference gateway (the enclave), and store it.

In order: retrieval, the upstream stream is opened (a failure so far is a clean status and
leaves nothing stored), the question is stored and ``SessionStarted`` sent, then the
reply's deltas, then citations, usage and the attestation verdict, then ``Done`` once the
reply is stored. A cancelled or failed generation still stores what was produced, marked
incomplete (the store runs shielded, so a second cancel cannot stop it). Where the two
messages are stored is the caller's: chatbot sessions in SQL, draft test chats in the
ephemeral store.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from privexbot.bots import config as bot_config
from privexbot.bots import events, prompt
from privexbot.inference import gateway
from privexbot.inference.attestation import Verdict
from privexbot.kernel import tasks
from privexbot.kernel.resources import Scope
from privexbot.knowledge.search import ScoredCitation


@dataclass
class Reply:
    """What one exchange produced so far; stored whole or in part."""

    retrieval: dict | None = None
    citations: list[ScoredCitation] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    usage: gateway.Usage | None = None
    verdict: Verdict | None = None
    finish: str = "error"
    complete: bool = False

    @property
    def text(self) -> str:
        return "".join(self.parts)


@dataclass(frozen=True)
class Turn:
    """One question to answer in a chatbot's scope and configuration, after ``history``;
    ``retrieval``: the knowledge search for it, already under way."""

    scope: Scope
    config: dict
    history: list[gateway.Message]
    question: str
    retrieval: Awaitable[list | None]
    source: str  # the chatbot's (or draft's) name, which its tokens are counted for


class _Ready:
    """Marks the point where retrieval is done and the upstream stream is open."""


class Exchange:
    def __init__(self, knowledge, inference) -> None:
        """``knowledge``: retrieves (``Knowledge.retrieve``); ``inference``: the gateway."""
        self._knowledge, self._inference = knowledge, inference

    async def retrieve(
        self, scope: Scope, config: dict, question: str, embedding=None
    ) -> list | None:
        """What the chatbot's knowledge bases hold on ``question``; None without any.
        ``embedding``: the question's, already under way."""
        if not config["knowledge_bases"]:
            return None
        return await self._knowledge.retrieve(
            scope, config["knowledge_bases"], question, config["retrieval"], embedding
        )

    async def _answer(self, turn: Turn, reply: Reply) -> AsyncIterator:
        config = turn.config
        sources = []
        results = await turn.retrieval
        if results is not None:
            relevant = [r for r in results if r.score >= prompt.RELEVANT_SCORE]
            if config["grounding_mode"] == "strict":  # weak matches are no grounds to answer
                results = relevant
            reply.retrieval = {
                "results": len(results),
                "relevant": len(relevant),
                "best_score": max((r.score for r in results), default=0.0),
            }
            reply.citations = [ScoredCitation(r.citation, r.score) for r in results]
            sources = [prompt.Source(r.citation.document_display_name, r.text) for r in results]
            if not results and config["grounding_mode"] == "strict":
                yield _Ready()
                reply.parts.append(prompt.STRICT_REFUSAL)
                reply.finish = "stop"
                yield gateway.Delta(prompt.STRICT_REFUSAL)
                return
        params = gateway.Params(
            model=config["model"],
            temperature=config["temperature"],
            max_tokens=config["max_tokens"] or bot_config.DEFAULT_MAX_TOKENS,
        )
        messages = prompt.build(config, turn.history, turn.question, sources)
        async for event in self._inference.stream_chat(
            turn.scope, messages, params, source=turn.source
        ):
            match event:
                case gateway.Attested(verdict=verdict):
                    reply.verdict = verdict
                    yield _Ready()
                case gateway.Delta(text=text):
                    reply.parts.append(text)
                    yield event
                case gateway.Usage():
                    reply.usage = event
                case gateway.Finish(reason=reason):
                    reply.finish = reason
                    if reply.citations:
                        yield events.Cited(reply.citations)
                    if reply.usage is not None:
                        yield reply.usage
                    yield gateway.Attested(reply.verdict)

    async def converse(
        self,
        turn: Turn,
        begin: Callable[[Reply], Awaitable[str]],
        finish: Callable[[Reply], Awaitable[str]],
    ) -> AsyncIterator[events.Event]:
        """One exchange; ``begin`` stores the question (returns the session name), ``finish``
        stores the reply, whole or partial (returns the message name)."""
        reply, started = Reply(), False
        try:
            async with contextlib.aclosing(self._answer(turn, reply)) as answer:
                await anext(answer)  # retrieval done, upstream open: nothing stored before
                session = await begin(reply)
                started = True
                yield events.SessionStarted(session)
                async for event in answer:
                    yield event
                reply.complete = True
        except (GeneratorExit, asyncio.CancelledError):
            reply.finish = "cancelled"
            raise
        finally:  # after the upstream is closed (generation stopped), not before
            if started:
                message = await tasks.settled(finish(reply))
        yield events.Done(reply.finish, message, not reply.complete)
