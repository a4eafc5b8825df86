"""The platform's one error vocabulary.

Domain code raises these; ``privexbot.interceptors.errors`` is the one place that maps
them to a gRPC status with ``google.rpc.ErrorInfo`` (domain ``privexbot.io``) and, where
input was wrong, ``google.rpc.BadRequest`` field violations. Nothing here imports grpc.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

ERROR_DOMAIN = "privexbot.io"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


@dataclass
class DomainError(Exception):
    """Base class. ``reason`` is an UPPER_SNAKE constant clients can switch on."""

    reason: str
    message: str
    metadata: dict[str, str] = field(default_factory=dict)

    code = "UNKNOWN"  # the gRPC status code name; each subclass sets its own

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        # Rebuilt from its fields (Exception's default passes only the message): an error
        # raised in a sign-in worker process arrives whole (identity/sign_in_process.py).
        return type(self), tuple(getattr(self, f.name) for f in fields(self))


@dataclass
class InvalidArgument(DomainError):
    violations: list[FieldViolation] = field(default_factory=list)
    code = "INVALID_ARGUMENT"

    @classmethod
    def field(cls, name: str, description: str, reason: str = "INVALID_FIELD") -> InvalidArgument:
        return cls(reason, f"{name}: {description}", violations=[FieldViolation(name, description)])


class NotFound(DomainError):
    code = "NOT_FOUND"


class AlreadyExists(DomainError):
    code = "ALREADY_EXISTS"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class PermissionDenied(DomainError):
    code = "PERMISSION_DENIED"


class FailedPrecondition(DomainError):
    code = "FAILED_PRECONDITION"


class Aborted(DomainError):
    code = "ABORTED"


@dataclass
class ResourceExhausted(DomainError):
    retry_after_seconds: float = 0.0
    code = "RESOURCE_EXHAUSTED"


class Unavailable(DomainError):
    code = "UNAVAILABLE"


class Unimplemented(DomainError):
    code = "UNIMPLEMENTED"


class DeadlineExceeded(DomainError):
    code = "DEADLINE_EXCEEDED"


class Internal(DomainError):
    """Only the errors interceptor raises this, for failures it must not describe."""

    code = "INTERNAL"


def not_found(name: str) -> NotFound:
    """The one answer for a missing resource and for a resource in another tenant."""
    return NotFound("RESOURCE_NOT_FOUND", f"{name} not found", {"resource": name})
