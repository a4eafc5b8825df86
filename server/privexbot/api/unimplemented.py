"""Services whose domain arrives with later issues: every RPC answers UNIMPLEMENTED
(``privexbot.api.registry.complete`` fills them in) with ErrorInfo NOT_IMPLEMENTED_YET."""

from __future__ import annotations

from privexbot.v1 import flow_pb2_grpc


class _Unimplemented:
    def __init__(self, platform) -> None:
        self.platform = platform


class FlowApi(_Unimplemented, flow_pb2_grpc.FlowServiceServicer):
    pass
