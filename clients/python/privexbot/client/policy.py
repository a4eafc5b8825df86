"""How long a call may take, and when a failed one is tried again.

Deadlines: 30 s for a unary RPC (the server's own default), 600 s for a stream (the
server's longest), or what the client sets per method; retries share the call's deadline.
Retries: UNAVAILABLE and RESOURCE_EXHAUSTED only, after an exponential backoff with full
jitter, never sooner than the server's RetryInfo asks and never past the deadline; a
server stream only before its first event, a client stream never (its requests are spent).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import grpc

from privexbot.client.errors import PrivexBotError

UNARY_TIMEOUT_SECONDS = 30.0
STREAM_TIMEOUT_SECONDS = 600.0


@dataclass(frozen=True)
class Retry:
    """At most ``attempts`` tries; before try n+1, a random wait of up to
    ``initial * multiplier**(n-1)`` seconds (capped at ``maximum``) plus any RetryInfo delay."""

    attempts: int = 5
    initial: float = 0.1
    maximum: float = 5.0
    multiplier: float = 2.0
    codes: frozenset[grpc.StatusCode] = frozenset(
        {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED}
    )

    def delay(self, attempt: int, error: PrivexBotError, remaining: float) -> float | None:
        """Seconds to wait after try ``attempt`` failed with ``error``, or None: give up
        (not a retryable code, no tries left, or the wait would outlast the deadline)."""
        if error.code not in self.codes or attempt >= self.attempts:
            return None
        wait = random.uniform(0, min(self.maximum, self.initial * self.multiplier ** (attempt - 1)))
        wait += error.retry_delay_seconds or 0.0
        return wait if wait < remaining else None


NO_RETRY = Retry(attempts=1)
