"""API keys for backend clients: workspace-scoped, permission-limited, hashed at rest,
optionally limited to some addresses (CIDRs) and to a number of requests a minute, both
checked as the key is authenticated (the interceptor chain's first step).

A key reads ``pxb_<prefix>_<secret>``: the prefix is stored in clear to find the row and to
let people recognise their keys; the secret only as SHA-256 (it is 256 random bits, so a
fast hash is right). RBAC treats a key as a member holding exactly its permissions.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from privexbot.kernel import resources, standard
from privexbot.kernel.calls import current
from privexbot.kernel.errors import InvalidArgument, PermissionDenied, Unauthenticated
from privexbot.kernel.ids import API_KEY_SCHEME, hash_secret, new_key, same_secret, split_key
from privexbot.kernel.permissions import workspace_permissions
from privexbot.kernel.principal import Principal
from privexbot.kernel.ratelimit import Limit, RateLimiter
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import InWorkspace, from_row
from privexbot.store import audit
from privexbot.store.ephemeral import EphemeralStore
from privexbot.store.models import ApiKey

_LAST_USED_RESOLUTION = 300  # write last_used_at at most every 5 minutes per key


def _invalid() -> Unauthenticated:
    return Unauthenticated("API_KEY_INVALID", "the API key is not valid")


class ApiKeys:
    def __init__(self, sessions, store: EphemeralStore, ensure_verified=None) -> None:
        """``ensure_verified(user_id)``: refuses creators without a verified email (None:
        anyone may create)."""
        self._sessions, self._store = sessions, store
        self._limits = RateLimiter(store)
        self._ensure_verified = ensure_verified

    async def authenticate(self, key: str) -> Principal:
        prefix, secret = split_key(key, API_KEY_SCHEME)
        if not secret:
            raise _invalid()
        async with self._sessions() as session:
            row = (await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))).scalar()
            if row is None or not same_secret(row.secret_hash, hash_secret(secret)):
                raise _invalid()
            now = datetime.now(UTC)
            if row.revoked_at is not None:
                raise Unauthenticated("API_KEY_REVOKED", "the API key was revoked")
            if row.expires_at is not None and row.expires_at <= now:
                raise Unauthenticated("API_KEY_EXPIRED", "the API key expired")
            client_ip = current().client_ip
            if row.allowed_cidrs and not _allowed(client_ip, row.allowed_cidrs):
                raise PermissionDenied(
                    "API_KEY_IP_NOT_ALLOWED",
                    "this API key cannot be used from this address",
                    {"client_ip": client_ip},
                )
            if row.requests_per_minute:
                limit = Limit("apikey-rpm", row.requests_per_minute, 60)
                await self._limits.hit(limit, row.id)
            if await self._store.set(
                f"apikey-used:{row.id}", "1", _LAST_USED_RESOLUTION, only_new=True
            ):
                row.last_used_at, row.last_used_ip = now, client_ip
                await session.commit()
        return Principal(
            "api_key",
            row.id,
            organization_id=row.organization_id,
            workspace_id=row.workspace_id,
            permissions=frozenset(row.permissions),
        )

    async def create(
        self,
        creator: Principal,
        scope: Scope,
        granted: frozenset[str],
        display_name: str,
        permissions: list[str],
        expires_at: datetime | None,
        request_id: str,
        requests_per_minute: int = 0,
        allowed_cidrs: tuple[str, ...] = (),
    ) -> tuple[ApiKeyView, str]:
        """The new key and its secret (shown once). ``granted``: the creator's permissions."""
        cidrs = _networks(allowed_cidrs)
        if self._ensure_verified is not None:
            await self._ensure_verified(creator.id)
        workspace_permissions(
            permissions, "api_key.permissions", "an API key", "ORGANIZATION_PERMISSION_ON_KEY"
        )
        beyond = sorted(set(permissions) - granted)
        if beyond:
            raise InvalidArgument.field(
                "api_key.permissions",
                f"you cannot grant what you lack: {', '.join(beyond)}",
                "PERMISSION_ESCALATION",
            )
        if expires_at is not None and expires_at <= datetime.now(UTC):
            raise InvalidArgument.field("api_key.expire_time", "must be in the future")
        key, prefix, secret_hash = new_key(API_KEY_SCHEME)
        async with self._sessions() as session, session.begin():

            async def make() -> ApiKey:
                return ApiKey(
                    **scope.columns,
                    display_name=display_name,
                    prefix=prefix,
                    secret_hash=secret_hash,
                    permissions=sorted(set(permissions)),
                    creator_id=creator.id,
                    expires_at=expires_at,
                    requests_per_minute=requests_per_minute,
                    allowed_cidrs=cidrs,
                )

            row = await API_KEYS.create(
                session,
                request_id,
                (
                    resources.workspace_of(scope),
                    display_name,
                    sorted(set(permissions)),
                    expires_at,
                    requests_per_minute,
                    cidrs,
                ),
                make,
                details=lambda r: {"permissions": ",".join(r.permissions)},
            )
        # A replay gets the key without its secret: only the secret's hash was kept.
        shown = key if row.prefix == prefix else ""
        return _view(row), shown

    async def list(self, scope: Scope, size: int, token: str) -> tuple[list[ApiKeyView], str]:
        async with self._sessions() as session:
            rows, next_token = await standard.workspace_page(session, ApiKey, scope, size, token)
        return [_view(r) for r in rows], next_token

    async def revoke(self, scope: Scope, key_id: str) -> ApiKeyView:
        async with self._sessions() as session, session.begin():
            row = await _get(session, scope, key_id)
            if row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)
                audit.record(
                    session,
                    "apikey.revoke",
                    organization_id=row.organization_id,
                    resource=resources.API_KEY.name_of(row),
                )
        return _view(row)


@dataclass(frozen=True)
class ApiKeyView(InWorkspace, pattern=resources.API_KEY):
    display_name: str
    prefix: str
    permissions: list[str]
    creator_id: str
    expires_at: datetime | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    last_used_ip: str
    requests_per_minute: int
    allowed_cidrs: list[str]


def _view(row: ApiKey) -> ApiKeyView:
    return from_row(
        ApiKeyView,
        row,
        permissions=list(row.permissions),
        creator_id=row.creator_id or "",
        allowed_cidrs=list(row.allowed_cidrs or ()),
    )


def _networks(cidrs) -> list[str]:
    """The CIDRs in canonical form (host bits cleared); a malformed one is INVALID_ARGUMENT."""
    found = []
    for i, cidr in enumerate(cidrs):
        try:
            found.append(str(ipaddress.ip_network(cidr.strip(), strict=False)))
        except ValueError:
            raise InvalidArgument.field(
                f"api_key.allowed_cidrs[{i}]", "is not an IP address or CIDR"
            ) from None
    return sorted(set(found))


def _allowed(client_ip: str, cidrs: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:  # no address known: not provably inside
        return False
    return any(address in ipaddress.ip_network(cidr) for cidr in cidrs)


API_KEYS = standard.Methods(ApiKey, resources.API_KEY, "apikey")


async def _get(session, scope: Scope, key_id: str) -> ApiKey:
    return await API_KEYS.get(session, scope, key_id)
