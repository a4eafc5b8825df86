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


def _status(name: str, code: str, doc: str) -> type[DomainError]:
    """An error whose gRPC status is ``code`` and that carries nothing beyond the base's."""
    return type(name, (DomainError,), {"code": code, "__doc__": doc})


NotFound = _status("NotFound", "NOT_FOUND", "Missing, or in a tenant the caller cannot see.")
AlreadyExists = _status("AlreadyExists", "ALREADY_EXISTS", "The resource exists already.")
Unauthenticated = _status("Unauthenticated", "UNAUTHENTICATED", "No valid credentials.")
PermissionDenied = _status("PermissionDenied", "PERMISSION_DENIED", "Seen, but not allowed.")
FailedPrecondition = _status(
    "FailedPrecondition", "FAILED_PRECONDITION", "The resource's state refuses the call."
)
Aborted = _status("Aborted", "ABORTED", "A concurrent change won (a stale etag).")
Unimplemented = _status("Unimplemented", "UNIMPLEMENTED", "In the contract, not served yet.")
DeadlineExceeded = _status("DeadlineExceeded", "DEADLINE_EXCEEDED", "Ran out of time.")
# Only the errors interceptor raises this, for failures it must not describe.
Internal = _status("Internal", "INTERNAL", "A failure the caller is told nothing about.")


@dataclass
class ResourceExhausted(DomainError):
    retry_after_seconds: float = 0.0  # sent as RetryInfo
    code = "RESOURCE_EXHAUSTED"


@dataclass
class Unavailable(DomainError):
    """A dependency is down; retrying may work."""

    retry_after_seconds: float = 0.0  # sent as RetryInfo
    code = "UNAVAILABLE"


def not_found(name: str) -> NotFound:
    """The one answer for a missing resource and for a resource in another tenant."""
    return NotFound("RESOURCE_NOT_FOUND", f"{name} not found", {"resource": name})
