"""The current call: what the interceptors learned about an RPC, readable by domain code.

A ``contextvars`` value set by the logging interceptor for the task serving the RPC; it
holds no grpc objects, so domain code can read it (audit: who and from where).
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

from privexbot.kernel import contract
from privexbot.kernel.permissions import NO_GRANT, Grant
from privexbot.kernel.principal import ANONYMOUS, Principal
from privexbot.kernel.resources import Scope


@dataclass
class Call:
    """What the interceptors learned about the current RPC, for handlers and each other."""

    method: contract.MethodSpec
    request_id: str
    client_ip: str = ""
    principal: Principal = ANONYMOUS
    scope: Scope | None = None
    # What the caller holds in ``scope`` (tenancy.access.Grant), set by authorization.
    grant: Grant = NO_GRANT
    metadata: dict[str, str] = field(default_factory=dict)
    # The authorization decision: public, allowed, denied, hidden (NOT_FOUND: outside the
    # caller's tenant) or unauthenticated. Logged with the call.
    authz: str = ""
    # Version stamps (user's, scope organization's) read with the credentials, or ().
    stamps: tuple = ()
    # The status code the call ended with, as the errors interceptor decided it.
    code: str = "OK"


_current: contextvars.ContextVar[Call] = contextvars.ContextVar("privexbot_call")


def current() -> Call:
    return _current.get()


def begin(call: Call) -> contextvars.Token:
    return _current.set(call)


def end(token: contextvars.Token) -> bool:
    """Restore what ``begin`` replaced; False when not in the context it began in: a
    response stream grpc dropped mid-send (client gone) is closed later by another task."""
    try:
        _current.reset(token)
    except ValueError:
        return False
    return True
