"""The contract as the server sees it: every RPC of privexbot.v1 with its access declaration.

Built once from the generated descriptors; interceptors look methods up by their path
(``/privexbot.v1.AuthService/GetCurrentUser``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from google.api import annotations_pb2
from google.protobuf.descriptor import Descriptor, MethodDescriptor

from privexbot.kernel import resources
from privexbot.kernel.errors import InvalidArgument
from privexbot.kernel.resources import Scope
from privexbot.v1 import options_pb2

PACKAGE = "privexbot.v1"
# One generated module per service file; the order is the order services are served in.
SERVICE_MODULES = ("auth", "tenant", "bot", "flow", "knowledge", "inference")


@dataclass(frozen=True)
class MethodSpec:
    path: str
    service: str
    name: str
    access: options_pb2.Access
    input: Descriptor
    client_streaming: bool
    server_streaming: bool
    # The resource patterns the scope field may hold, as the RPC's HTTP bindings name them
    # (e.g. resources.WORKSPACE); empty when no binding names the field.
    scope_patterns: tuple[resources.Pattern, ...] = ()
    scope_templates: tuple[str, ...] = ()
    # (field path, permission) for fields whose ``(rules).permission`` the caller also needs
    # when the request sets them, e.g. (("organization.billing_email", "organization.billing"),)
    field_permissions: tuple[tuple[str, str], ...] = ()

    def scope_of(self, name: str) -> Scope:
        """The tenant scope of the request's scope field; a name that is not the resource
        this RPC takes (a workspace where a chatbot is expected) is INVALID_ARGUMENT."""
        field = self.access.scope_field
        scope = resources.scope_of(name, field=field)
        if self.scope_patterns and not any(p.matches(name) for p in self.scope_patterns):
            raise InvalidArgument.field(
                field,
                "must be a resource name like "
                + " or ".join(p.wildcard.replace("*", "{id}") for p in self.scope_patterns),
            )
        return scope

    def permissions_for_fields(self, request) -> list[str]:
        """The field-level permissions ``request`` needs: for an update, fields its mask
        names; otherwise fields it sets."""
        needed = []
        for path, permission in self.field_permissions:
            field = path.rpartition(".")[2]
            if "update_mask" in self.input.fields_by_name:
                if field in request.update_mask.paths:
                    needed.append(permission)
            elif field_value(request, path):
                needed.append(permission)
        return needed

    @property
    def declared(self) -> bool:
        """Whether the RPC says who may call it (the server refuses to start otherwise)."""
        a = self.access
        return a.public or a.user_only or bool(a.permission and a.scope_field)


def pb2(module: str):
    return importlib.import_module(f"privexbot.v1.{module}_pb2")


def pb2_grpc(module: str):
    return importlib.import_module(f"privexbot.v1.{module}_pb2_grpc")


def http_scope_templates(options, field: str) -> tuple[str, ...]:
    """The templates the RPC's HTTP bindings give ``field``, e.g. ("organizations/*",)."""
    rule = options.Extensions[annotations_pb2.http]
    templates = []
    for binding in (rule, *rule.additional_bindings):
        kind = binding.WhichOneof("pattern")
        path = getattr(binding, kind) if kind and kind != "custom" else ""
        start = "{" + field + "="
        if field and start in path:
            templates.append(path.split(start, 1)[1].split("}", 1)[0])
    return tuple(templates)


def _scope_patterns(templates: tuple[str, ...]) -> tuple[resources.Pattern, ...]:
    by_wildcard = {p.wildcard: p for p in resources.patterns()}
    # A template that is no resource's pattern is left out here and reported by problems().
    return tuple(by_wildcard[t] for t in templates if t in by_wildcard)


def _field_permissions(message: Descriptor, prefix: str = "", depth: int = 2):
    """(path, permission) of every field with ``(rules).permission`` in ``message`` and the
    messages it holds directly (a create's or update's resource)."""
    for field in message.fields:
        options = field.GetOptions()
        if options.HasExtension(options_pb2.rules):
            permission = options.Extensions[options_pb2.rules].permission
            if permission:
                yield prefix + field.name, permission
        if (
            field.message_type is not None
            and depth > 1
            and not field.message_type.GetOptions().map_entry
        ):
            yield from _field_permissions(field.message_type, f"{prefix}{field.name}.", depth - 1)


def _spec(service: str, method: MethodDescriptor) -> MethodSpec:
    options = method.GetOptions()
    access = options.Extensions[options_pb2.access]
    templates = http_scope_templates(options, access.scope_field)
    return MethodSpec(
        path=f"/{PACKAGE}.{service}/{method.name}",
        service=f"{PACKAGE}.{service}",
        name=method.name,
        access=access,
        input=method.input_type,
        client_streaming=method.client_streaming,
        server_streaming=method.server_streaming,
        scope_patterns=_scope_patterns(templates),
        scope_templates=templates,
        field_permissions=tuple(_field_permissions(method.input_type)),
    )


@cache
def methods() -> dict[str, MethodSpec]:
    specs = {}
    for module in SERVICE_MODULES:
        for service in pb2(module).DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                spec = _spec(service.name, method)
                specs[spec.path] = spec
    return specs


@cache
def service_names() -> tuple[str, ...]:
    return tuple(
        service.full_name
        for module in SERVICE_MODULES
        for service in pb2(module).DESCRIPTOR.services_by_name.values()
    )


def problems() -> list[str]:
    """Contract defects the server refuses to start with: RPCs that do not declare access
    or declare a scope field that is not a string field of their request."""
    found = []
    for spec in methods().values():
        if not spec.declared:
            found.append(f"{spec.path}: no (privexbot.v1.access) declaration")
            continue
        if len(spec.scope_patterns) != len(spec.scope_templates):
            found.append(f"{spec.path}: an HTTP path names a resource the protos do not declare")
        if spec.access.scope_field:
            descriptor = spec.input
            for part in spec.access.scope_field.split("."):
                field = descriptor.fields_by_name.get(part) if descriptor else None
                if field is None:
                    found.append(
                        f"{spec.path}: scope_field {spec.access.scope_field} is not a field"
                    )
                    break
                descriptor = field.message_type
            else:
                if field.type != field.TYPE_STRING:
                    found.append(
                        f"{spec.path}: scope_field {spec.access.scope_field} is not a string"
                    )
    return found


def field_value(message, path: str):
    """The value at a dotted field path, e.g. ``chatbot.name`` (empty string when unset)."""
    for part in path.split("."):
        message = getattr(message, part)
    return message
