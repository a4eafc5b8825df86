"""What the generated services (``_services.py``) are made of: how each RPC is called
(``Rpc``), and the base class whose methods hand their calls to the client."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from google.protobuf.message import Message


class Kind(enum.Enum):
    UNARY = "unary"
    PAGED = "paged"  # unary List RPC: page_token in, next_page_token and items out
    SERVER_STREAM = "server_stream"
    CLIENT_STREAM = "client_stream"


@dataclass(frozen=True)
class Rpc:
    """How the SDK calls one RPC."""

    kind: Kind
    request: type[Message]
    resource: str = ""  # the request field a plain string argument fills: name or parent
    items: str = ""  # PAGED: the response's repeated field
    request_id: bool = False  # the request takes an idempotency key (AIP-155)

    def build(self, request: Any, fields: dict) -> Any:
        """The request: a copy of the message given, or one made of a resource name and
        ``fields``; with an idempotency key, so that a retried create makes one resource."""
        if self.kind is Kind.CLIENT_STREAM:
            if fields:
                raise TypeError("a client stream takes an iterable of requests, not fields")
            return request
        if isinstance(request, self.request):
            if fields:
                raise TypeError("pass a request message or its fields, not both")
            message = self.request()
            message.CopyFrom(request)
        elif request is None or self.resource:
            message = self.request(
                **({self.resource: request} if request is not None else {}), **fields
            )
        else:
            raise TypeError(f"expected a {self.request.__name__} or keyword fields")
        if self.request_id and not message.request_id:
            message.request_id = str(uuid.uuid4())
        return message


class Service:
    """One service of a client; the generated subclasses add a method per RPC. Each takes
    a request message, or a resource name and/or the request's fields as keywords, and
    these call options: ``timeout`` (seconds, instead of the method's default),
    ``metadata`` (more headers) and ``retry`` (a ``Retry``, or False)."""

    stub_class: ClassVar[type]
    rpcs: ClassVar[dict[str, Rpc]]

    def __init__(self, client, channel) -> None:
        self._client, self.stub = client, self.stub_class(channel)

    def _call(self, name: str, request: Any, arguments: dict) -> Any:
        return self._client._invoke(
            getattr(self.stub, name), name, self.rpcs[name], request, arguments
        )
