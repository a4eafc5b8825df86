"""Writes envoy/openapi.json: the REST API that Envoy transcodes, as an OpenAPI 3.1 document.

Read from the descriptor set (``scripts/contract.py``): every ``google.api.http`` binding of
every RPC (additional bindings too) is an operation; request and response bodies follow the
proto3 JSON mapping as Envoy prints it (camelCase names, 64-bit integers and timestamps as
strings, enums by name); errors are the ``google.rpc.Status`` Envoy writes, with its
``ErrorInfo``, ``BadRequest`` and ``RetryInfo`` details. Resource names in paths are spelled
out segment by segment (``{parent=organizations/*/workspaces/*}`` becomes
``organizations/{organization}/workspaces/{workspace}``), so a generic client or validator
can match a URL. Run by ``make proto``; ``make proto-check`` fails on drift.
"""

from __future__ import annotations

import json
import re
import sys

from contract import ROOT, Contract, Field, Message, Method, load, output_only

OUT = ROOT / "envoy" / "openapi.json"
SCHEMAS = "#/components/schemas/"
STATUS = "google.rpc.Status"
# Error details Envoy renders inside a Status (packed Any: an "@type" beside the fields).
DETAILS = ("google.rpc.ErrorInfo", "google.rpc.BadRequest", "google.rpc.RetryInfo")

SCALARS = {
    Field.TYPE_DOUBLE: {"type": "number", "format": "double"},
    Field.TYPE_FLOAT: {"type": "number", "format": "float"},
    Field.TYPE_INT32: {"type": "integer", "format": "int32"},
    Field.TYPE_SINT32: {"type": "integer", "format": "int32"},
    Field.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    Field.TYPE_UINT32: {"type": "integer", "format": "uint32", "minimum": 0},
    Field.TYPE_FIXED32: {"type": "integer", "format": "uint32", "minimum": 0},
    # The proto3 JSON mapping writes 64-bit integers as decimal strings.
    Field.TYPE_INT64: {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    Field.TYPE_SINT64: {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    Field.TYPE_SFIXED64: {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    Field.TYPE_UINT64: {"type": "string", "format": "uint64", "pattern": "^[0-9]+$"},
    Field.TYPE_FIXED64: {"type": "string", "format": "uint64", "pattern": "^[0-9]+$"},
    Field.TYPE_BOOL: {"type": "boolean"},
    Field.TYPE_STRING: {"type": "string"},
    Field.TYPE_BYTES: {"type": "string", "format": "byte", "contentEncoding": "base64"},
}
WELL_KNOWN = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?s$"},
    "google.protobuf.FieldMask": {
        "type": "string",
        "description": "Comma-separated field paths, in camelCase.",
    },
    "google.protobuf.Empty": {"type": "object", "additionalProperties": False},
    "google.protobuf.Value": {"description": "Any JSON value."},
    "google.protobuf.Struct": {"type": "object"},
    # Sent and answered as the raw HTTP body (webhooks), whatever its content type.
    "google.api.HttpBody": {"description": "The raw HTTP body, in any content type."},
}
SECURITY_SCHEMES = {
    "accessToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A user's access token (AuthService sign-in or RefreshToken).",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "A workspace API key: exactly its permissions, workspace calls only.",
    },
    "publishableKey": {
        "type": "apiKey",
        "in": "header",
        "name": "x-publishable-key",
        "description": "A chatbot's publishable key (website widget), for that chatbot only.",
    },
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def singular(collection: str) -> str:
    if collection.endswith("ies"):
        return collection[:-3] + "y"
    return collection.removesuffix("s")


def summary(text: str) -> str:
    first = text.split("\n\n")[0].replace("\n", " ")
    return re.split(r"(?<=\.)\s", first)[0]


class Document:
    """Builds the document: operations as they are added, components as they are reached."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.schemas: dict[str, dict] = {}
        self.paths: dict[str, dict] = {}

    # ---- schemas -----------------------------------------------------------------------

    def ref(self, name: str) -> dict:
        if name in WELL_KNOWN:
            return dict(WELL_KNOWN[name])
        if name not in self.schemas:
            self.schemas[name] = {}  # reserved first: messages may refer to themselves
            self.schemas[name] = self.component(name)
        return {"$ref": SCHEMAS + name}

    def component(self, name: str) -> dict:
        if name in self.contract.enums:
            enum = self.contract.enums[name]
            return described({"type": "string", "enum": enum.values}, enum.comment)
        if name == STATUS:
            return self.status()
        if name not in self.contract.messages or name.startswith("google.protobuf."):
            raise SystemExit(f"openapi.py: no JSON mapping for {name}; add it to WELL_KNOWN")
        message = self.contract.messages[name]
        properties = {
            camel(f.name): self.field(f, message.field_comments[f.name])
            for f in message.proto.field
        }
        schema = {"type": "object", "properties": properties, "additionalProperties": False}
        if name in DETAILS:
            properties["@type"] = {"const": f"type.googleapis.com/{name}"}
            schema["required"] = ["@type"]
        return described(schema, message.comment)

    def field(self, field: Field, comment: str) -> dict:
        if field.type in (Field.TYPE_MESSAGE, Field.TYPE_ENUM):
            message = self.contract.messages.get(field.type_name.lstrip("."))
            if message is not None and message.is_map_entry:
                value = message.field("value")
                schema = {"type": "object", "additionalProperties": self.field(value, "")}
                return described(schema, comment)
            schema = self.ref(field.type_name.lstrip("."))
        else:
            schema = dict(SCALARS[field.type])
        if field.label == Field.LABEL_REPEATED:
            schema = {"type": "array", "items": schema}
        if output_only(field):
            schema["readOnly"] = True
        return described(schema, comment)

    def status(self) -> dict:
        return {
            "type": "object",
            "description": "An error (AIP-193): the gRPC status code, a message for developers"
            " and details saying why (ErrorInfo), which fields were wrong (BadRequest) or when"
            " to retry (RetryInfo).",
            "properties": {
                "code": {"type": "integer", "format": "int32", "description": "A google.rpc.Code."},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"oneOf": [self.ref(d) for d in DETAILS]}},
            },
            "required": ["code", "message"],
            "additionalProperties": False,
        }

    # ---- operations --------------------------------------------------------------------

    def add(self, method: Method) -> None:
        rule = method.http
        for index, binding in enumerate([rule, *rule.additional_bindings]):
            verb = binding.WhichOneof("pattern")
            template = getattr(binding, verb)
            path, parameters, bound = self.path(template, self.contract.messages[method.input])
            operation = {
                "operationId": f"{method.service}_{method.name}" + (f"_{index}" if index else ""),
                "tags": [method.service],
                "summary": summary(method.comment),
                "description": method.comment,
                "security": security(method),
            }
            request = self.contract.messages[method.input]
            if binding.body != "*":
                skip = bound | ({binding.body} if binding.body else set())
                parameters += self.query(request, skip)
            if parameters:
                operation["parameters"] = parameters
            if binding.body:
                operation["requestBody"] = self.body(method, request, binding.body, bound)
            operation["responses"] = {"200": self.response(method, binding), "default": error()}
            operations = self.paths.setdefault(path, {})
            if verb in operations:
                raise SystemExit(f"openapi.py: {verb.upper()} {path} is bound twice")
            operations[verb] = operation

    def path(self, template: str, request: Message) -> tuple[str, list, set[str]]:
        """The OpenAPI path of an http template, its path parameters and the request fields
        the path fills (top-level names)."""
        parameters: list[dict] = []
        bound: set[str] = set()

        def expand(match: re.Match) -> str:
            field_path, pattern = match[1], match[2] or "*"
            bound.add(field_path.split(".")[0])
            segments = pattern.split("/")
            described_as = f"A segment of `{field_path}` ({pattern})."
            for i, segment in enumerate(segments):
                if segment == "*":
                    name = singular(segments[i - 1]) if i else camel(field_path.replace(".", "_"))
                    segments[i] = "{" + name + "}"
                    parameters.append(
                        {
                            "name": name,
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": described_as,
                        }
                    )
            return "/".join(segments)

        path = re.sub(r"\{([\w.]+)(?:=([^}]*))?\}", expand, template)
        if len({p["name"] for p in parameters}) != len(parameters):
            raise SystemExit(f"openapi.py: {template}: two path segments get one name")
        return path, parameters, bound

    def query(self, message: Message, skip: set[str], prefix: str = "") -> list[dict]:
        """Query parameters: the request's fields outside the path and the body, nested
        messages flattened as dotted names (what the transcoder accepts)."""
        parameters = []
        for field in message.proto.field:
            if field.name in skip or output_only(field):
                continue
            name = prefix + camel(field.name)
            nested = self.contract.messages.get(field.type_name.lstrip("."))
            if nested is not None and nested.name not in WELL_KNOWN:
                if field.label != Field.LABEL_REPEATED and not nested.is_map_entry:
                    parameters += self.query(nested, set(), name + ".")
                continue
            parameter = {"name": name, "in": "query", "schema": self.field(field, "")}
            if message.field_comments[field.name]:
                parameter["description"] = message.field_comments[field.name]
            parameters.append(parameter)
        return parameters

    def body(self, method: Method, request: Message, body: str, bound: set[str]) -> dict:
        if body == "*":
            fields = [f for f in request.proto.field if f.name not in bound]
            schema = {
                "type": "object",
                "properties": {
                    camel(f.name): self.field(f, request.field_comments[f.name]) for f in fields
                },
                "additionalProperties": False,
            }
        else:
            schema = self.field(request.field(body), "")
        if method.proto.client_streaming:
            schema = {"type": "array", "items": schema}
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    def response(self, method: Method, binding) -> dict:
        output = self.contract.messages.get(method.output)
        schema = self.ref(method.output)
        if binding.response_body:
            schema = self.field(output.field(binding.response_body), "")
        if not method.proto.server_streaming:
            return {"description": "OK", "content": {"application/json": {"schema": schema}}}
        return {
            "description": "A stream of Server-Sent Events: each `data:` line carries one"
            f" {method.output.rpartition('.')[2]} as JSON. A stream that fails after its"
            " first event ends with grpc-status and grpc-message trailers.",
            "content": {"text/event-stream": {"schema": {"type": "string"}, "x-data": schema}},
        }

    def build(self) -> dict:
        for service in self.contract.services:
            for method in service.methods:
                self.add(method)
        self.ref(STATUS)
        return {
            "openapi": "3.1.0",
            "info": {
                "title": "PrivexBot API",
                "version": "v1",
                "description": "REST/JSON through Envoy, transcoded to the gRPC services of"
                " privexbot.v1. Generated from protos/ by scripts/openapi.py; do not edit.",
            },
            "servers": [{"url": "/"}],
            "tags": [
                {"name": service.name, "description": service.comment}
                for service in self.contract.services
            ],
            "paths": dict(sorted(self.paths.items())),
            "components": {
                "schemas": dict(sorted(self.schemas.items())),
                "securitySchemes": SECURITY_SCHEMES,
            },
        }


def described(schema: dict, comment: str) -> dict:
    return {**schema, "description": comment} if comment else schema


def security(method: Method) -> list[dict]:
    access = method.access
    if access.public:
        return []
    schemes = ["accessToken"] if access.user_only else ["accessToken", "apiKey"]
    if access.publishable_key:
        schemes.append("publishableKey")
    return [{scheme: []} for scheme in schemes]


def error() -> dict:
    return {
        "description": "An error, with the HTTP status of its gRPC code (e.g. NOT_FOUND 404).",
        "content": {"application/json": {"schema": {"$ref": SCHEMAS + STATUS}}},
    }


def main() -> None:
    document = Document(load()).build()
    OUT.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"generated: {OUT.relative_to(ROOT)} ({len(document['paths'])} paths)", file=sys.stderr)


if __name__ == "__main__":
    main()
