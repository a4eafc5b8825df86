"""Registers the six services on one server; RPCs a servicer lacks answer UNIMPLEMENTED."""

from __future__ import annotations

import grpc

from privexbot import contract
from privexbot.errors import Unimplemented


def _unimplemented(method: str, server_streaming: bool):
    error = Unimplemented(
        "NOT_IMPLEMENTED_YET", f"{method} is part of the contract but not implemented yet"
    )

    async def unary(self, request, context):
        raise error

    async def streaming(self, request, context):
        raise error
        yield  # makes this an async generator, as server-streaming handlers are

    return streaming if server_streaming else unary


def complete(servicer_class: type, module: str) -> type:
    """``servicer_class`` with every RPC it does not implement answering UNIMPLEMENTED."""
    grpc_module = contract.pb2_grpc(module)
    overrides = {}
    for service in contract.pb2(module).DESCRIPTOR.services_by_name.values():
        base = getattr(grpc_module, f"{service.name}Servicer")
        for method in service.methods:
            if getattr(servicer_class, method.name, None) is getattr(base, method.name):
                overrides[method.name] = _unimplemented(
                    f"{service.name}.{method.name}", method.server_streaming
                )
    return (
        type(servicer_class.__name__, (servicer_class,), overrides) if overrides else servicer_class
    )


def add_service(server: grpc.aio.Server, module: str, servicer) -> None:
    for service in contract.pb2(module).DESCRIPTOR.services_by_name.values():
        getattr(contract.pb2_grpc(module), f"add_{service.name}Servicer_to_server")(
            servicer, server
        )
