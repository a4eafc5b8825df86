"""Registers the six services on one server; RPCs a servicer lacks answer UNIMPLEMENTED."""

from __future__ import annotations

import grpc

from privexbot.kernel import contract
from privexbot.kernel.errors import Unimplemented


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


class _Registration:
    """Stands in for the server while generated code registers a servicer, so the handlers
    can go through the interceptor chain before they reach the real server."""

    def __init__(self) -> None:
        self.handlers: dict[str, dict[str, grpc.RpcMethodHandler]] = {}

    def add_generic_rpc_handlers(self, _handlers) -> None:
        pass  # the same handlers also arrive below, by service

    def add_registered_method_handlers(self, service: str, handlers) -> None:
        self.handlers[service] = handlers


def add_service(server: grpc.aio.Server, module: str, servicer, chain) -> None:
    """Register ``servicer`` (generated module ``module``) with every handler in ``chain``."""
    registration = _Registration()
    for service in contract.pb2(module).DESCRIPTOR.services_by_name.values():
        getattr(contract.pb2_grpc(module), f"add_{service.name}Servicer_to_server")(
            servicer, registration
        )
    for service, handlers in registration.handlers.items():
        chain.register(server, service, handlers)
