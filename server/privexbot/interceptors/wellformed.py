"""Requests the server can read at all: a decodable message within the size limit, a client
stream with a first message, credentials and metadata of sane length.

Request bytes are parsed by ``decoder`` (installed as each handler's deserializer), which
never raises: a body that does not decode or is over the limit becomes a ``Malformed``
value, refused here as INVALID_ARGUMENT (one log line, no traceback) before any check reads
the request. Over-long credentials answer UNAUTHENTICATED, other over-long metadata
INVALID_ARGUMENT; the transport's own limits are set well above these (``app.py``), so a
caller meets these answers, not RESOURCE_EXHAUSTED.
"""

from __future__ import annotations

from privexbot.interceptors.base import Guard, Interceptor, Malformed, request_message
from privexbot.kernel.calls import current
from privexbot.kernel.errors import InvalidArgument, Unauthenticated

CREDENTIAL_HEADERS = ("authorization", "x-api-key", "x-publishable-key")
MAX_CREDENTIAL_LENGTH = 4096
MAX_METADATA_BYTES = 16 * 1024


def too_large(size: int, limit: int) -> InvalidArgument:
    return InvalidArgument(
        "REQUEST_TOO_LARGE",
        f"the request message is {size} bytes; the limit is {limit}",
        {"limit_bytes": str(limit)},
    )


def decoder(parse, limit: int):
    """A deserializer for ``parse`` (a message class's FromString) that returns a
    ``Malformed`` instead of raising."""

    def decode(raw: bytes):
        if len(raw) > limit:
            return Malformed(too_large(len(raw), limit))
        try:
            return parse(raw)
        except Exception:  # DecodeError, or whatever else a malformed body makes protobuf raise
            return Malformed(
                InvalidArgument("MALFORMED_REQUEST", "the request is not a valid message")
            )

    return decode


class _WellFormed(Guard):
    __slots__ = ("request",)

    def __init__(self, request) -> None:
        self.request = request

    async def __aenter__(self):
        metadata = current().metadata
        for header in CREDENTIAL_HEADERS:
            if len(metadata.get(header, "")) > MAX_CREDENTIAL_LENGTH:
                raise Unauthenticated(
                    "CREDENTIALS_TOO_LONG",
                    f"the {header} header is longer than {MAX_CREDENTIAL_LENGTH} characters",
                )
        size = sum(len(key) + len(value) for key, value in metadata.items())
        if size > MAX_METADATA_BYTES:
            raise InvalidArgument(
                "METADATA_TOO_LARGE",
                f"the request metadata is {size} bytes; the limit is {MAX_METADATA_BYTES}",
                {"limit_bytes": str(MAX_METADATA_BYTES)},
            )
        message = await request_message(self.request)
        if message is None:
            raise InvalidArgument(
                "EMPTY_REQUEST_STREAM", "the request stream ended before its first message"
            )
        if type(message) is Malformed:
            raise message.error
        return self


class WellFormedInterceptor(Interceptor):
    def around(self, spec, request, context) -> Guard:
        return _WellFormed(request)
