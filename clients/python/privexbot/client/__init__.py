"""The PrivexBot Python SDK over the generated stubs (``privexbot.v1``).

``PrivexBot`` (blocking) and ``AsyncPrivexBot`` (asyncio): the six services with a
snake_case method per RPC, documented by the protos' comments; credentials as gRPC call
credentials (``AccessToken``, refreshed as it expires, or ``ApiKey``); per-method
deadlines and retries (``policy``); pagers over List RPCs; typed errors (``errors``).
``Client`` is the low-level asyncio client over the raw stubs.
"""

from privexbot.client.aio import AsyncPager, AsyncPrivexBot
from privexbot.client.credentials import AccessToken, ApiKey
from privexbot.client.errors import (
    Aborted,
    AlreadyExists,
    Cancelled,
    DataLoss,
    DeadlineExceeded,
    FailedPrecondition,
    Internal,
    InvalidArgument,
    NotFound,
    OutOfRange,
    PermissionDenied,
    PrivexBotError,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
    Unimplemented,
    Unknown,
    error_details,
)
from privexbot.client.policy import Retry
from privexbot.client.stubs import Client
from privexbot.client.sync import Pager, PrivexBot

__all__ = [
    "Aborted",
    "AccessToken",
    "AlreadyExists",
    "ApiKey",
    "AsyncPager",
    "AsyncPrivexBot",
    "Cancelled",
    "Client",
    "DataLoss",
    "DeadlineExceeded",
    "FailedPrecondition",
    "Internal",
    "InvalidArgument",
    "NotFound",
    "OutOfRange",
    "Pager",
    "PermissionDenied",
    "PrivexBot",
    "PrivexBotError",
    "ResourceExhausted",
    "Retry",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "Unknown",
    "error_details",
]
