"""Writes clients/python/privexbot/client/_services.py: a class per service of the contract
with a snake_case method per RPC, documented by the protos' comments (the descriptor set,
``scripts/contract.py``), and how the SDK calls each one (``privexbot.client._rpc.Rpc``):
its kind (a List RPC with page tokens is paged), the resource field a plain string fills
(``name`` or ``parent``), the repeated field a pager yields, whether it takes an
idempotency key. Run by ``make proto``; ``make proto-check`` fails on drift.
"""

from __future__ import annotations

import re
import sys

from contract import PACKAGE, ROOT, Contract, Field, Message, Method, Service, load

OUT = ROOT / "clients" / "python" / "privexbot" / "client" / "_services.py"
PYTHON_TYPES = {
    Field.TYPE_DOUBLE: "float",
    Field.TYPE_FLOAT: "float",
    Field.TYPE_BOOL: "bool",
    Field.TYPE_STRING: "str",
    Field.TYPE_BYTES: "bytes",
}
HEADER = '''"""The services of privexbot.v1 as Python methods, documented by the protos' comments.

Generated from protos/ by scripts/python_sdk.py (make proto); do not edit.
"""

from __future__ import annotations

from privexbot.client._rpc import Kind, Rpc, Service
'''


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def short(full_name: str) -> str:
    """A type's name as the SDK's user sees it: KnowledgeBase, Invitation.WorkspaceGrant."""
    return full_name.removeprefix(PACKAGE + ".").removeprefix("google.protobuf.")


def indent(text: str, prefix: str) -> str:
    return "\n".join((prefix + line).rstrip() for line in text.split("\n"))


class Generator:
    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.modules: set[str] = set()

    def type_name(self, field: Field) -> str:
        if field.type in (Field.TYPE_MESSAGE, Field.TYPE_ENUM):
            target = self.contract.messages.get(field.type_name.lstrip("."))
            if target is not None and target.is_map_entry:
                key, value = target.field("key"), target.field("value")
                return f"dict[{self.type_name(key)}, {self.type_name(value)}]"
            name = short(field.type_name.lstrip("."))
        else:
            name = PYTHON_TYPES.get(field.type, "int")
        return f"list[{name}]" if field.label == Field.LABEL_REPEATED else name

    def kind(self, method: Method, request: Message, response: Message) -> tuple[str, str]:
        """The call kind and, for a paged List, the repeated field of its items."""
        if method.proto.client_streaming:
            return "CLIENT_STREAM", ""
        if method.proto.server_streaming:
            return "SERVER_STREAM", ""
        repeated = [
            f
            for f in response.proto.field
            if f.label == Field.LABEL_REPEATED and f.type == Field.TYPE_MESSAGE
        ]
        if request.field("page_token") and response.field("next_page_token") and len(repeated) == 1:
            return "PAGED", repeated[0].name
        return "UNARY", ""

    def rpc(self, method: Method) -> tuple[str, str]:
        """The ``Rpc(...)`` of a method, and its docstring."""
        request = self.contract.messages[method.input]
        response = self.contract.messages[method.output]
        kind, items = self.kind(method, request, response)
        self.modules.add(request.module.rpartition(".")[2])
        arguments = [f"Kind.{kind}", f"{request.module.rpartition('.')[2]}.{request.proto.name}"]
        resource = next((n for n in ("name", "parent") if request.field(n)), "")
        if kind == "CLIENT_STREAM":
            resource = ""
        if resource:
            arguments.append(f'resource="{resource}"')
        if items:
            arguments.append(f'items="{items}"')
        request_id = request.field("request_id") is not None and kind != "CLIENT_STREAM"
        if request_id:
            arguments.append("request_id=True")
        doc = self.docstring(method, request, kind, items, resource)
        return f"Rpc({', '.join(arguments)})", doc

    def docstring(
        self, method: Method, request: Message, kind: str, items: str, resource: str
    ) -> str:
        output = short(method.output)
        lines = [method.comment or f"Calls {method.service}.{method.name}.", "", "Args:"]
        if kind == "CLIENT_STREAM":
            lines.append(
                f"    request: an iterable of {short(method.input)} (async: or an async iterable)."
            )
        else:
            named = f", or its ``{resource}``" if resource else ""
            lines.append(f"    request: a {short(method.input)}{named}; or give its fields:")
            for field in request.proto.field:
                about = request.field_comments[field.name]
                if field.name == "request_id":
                    about = (about + "\n" if about else "") + "Set to a random UUID when empty."
                entry = f"    {field.name} ({self.type_name(field)})"
                lines.append(entry + (": " + indent(about, "        ").lstrip() if about else ""))
        lines += ["", "Returns:"]
        if kind == "PAGED":
            item = short(self.contract.messages[method.output].field(items).type_name.lstrip("."))
            lines.append(
                f"    A pager: iterating it yields every {item}, fetching pages as needed;"
                f" ``pages()`` yields each {output}."
            )
        elif kind == "SERVER_STREAM":
            lines.append(
                f"    An iterator of {output}, each as it arrives (async: an async iterator)."
            )
        else:
            lines.append(f"    {output}")
        return "\n".join(lines).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')

    def service(self, service: Service) -> str:
        module = self.contract.messages[service.methods[0].input].module.rpartition(".")[2]
        self.modules.add(module + "_grpc")
        rpcs, methods = [], []
        for method in service.methods:
            spec, doc = self.rpc(method)
            rpcs.append(f'        "{method.name}": {spec},')
            methods.append(
                f"    def {snake(method.name)}(self, request=None, /, **arguments):\n"
                f'        """{indent(doc, "        ").lstrip()}\n        """\n'
                f'        return self._call("{method.name}", request, arguments)\n'
            )
        return (
            f"class {service.name}(Service):\n"
            f'    """{indent(service.comment, "    ").lstrip()}"""\n\n'
            f"    stub_class = {module}_grpc.{service.name}Stub\n"
            "    rpcs = {\n" + "\n".join(rpcs) + "\n    }\n\n" + "\n".join(methods)
        )

    def module(self) -> str:
        classes = [self.service(service) for service in self.contract.services]
        imports = "".join(f"    {module},\n" for module in sorted(self.modules))
        return HEADER + f"from privexbot.v1 import (\n{imports})\n\n\n" + "\n\n".join(classes)


def main() -> None:
    OUT.write_text(Generator(load()).module())
    print(f"generated: {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
