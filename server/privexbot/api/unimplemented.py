"""Services whose domain arrives with later issues: every RPC answers UNIMPLEMENTED
(``privexbot.api.registry.complete`` fills them in) with ErrorInfo NOT_IMPLEMENTED_YET.
None is left: FlowService is served by ``api/flow.py``."""

from __future__ import annotations
