"""Version stamps for cached views of who belongs where.

A stamp is a random value in the ephemeral store, replaced whenever what it covers changes:
``user:{id}`` (the user's identities and memberships) and ``org:{id}`` (the organization's
name, workspaces and custom roles). A cached view records the stamps it was built with and is valid while
they are unchanged, so every worker (sharing Redis) drops it on the next read.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass

from privexbot.store.ephemeral import EphemeralStore

# Longer than any cached view lives, so a stamp never expires back to a value a view saw.
STAMP_TTL_SECONDS = 7 * 24 * 3600


class Stamps:
    def __init__(self, store: EphemeralStore) -> None:
        self._store = store

    async def _touch(self, kind: str, ids) -> None:
        for id_ in ids:
            await self._store.set(f"stamp:{kind}:{id_}", secrets.token_hex(8), STAMP_TTL_SECONDS)

    async def touch_users(self, *user_ids: str) -> None:
        await self._touch("user", user_ids)

    async def touch_organizations(self, *org_ids: str) -> None:
        await self._touch("org", org_ids)

    @staticmethod
    def keys(user_id: str, org_ids: tuple[str, ...]) -> list[str]:
        """Where ``read`` finds the stamps (for a caller reading them with other keys)."""
        return [f"stamp:user:{user_id}", *(f"stamp:org:{o}" for o in org_ids)]

    async def read(self, user_id: str, org_ids: tuple[str, ...]) -> tuple[str | None, ...]:
        return tuple(await self._store.get_many(self.keys(user_id, org_ids)))

    async def ensure(
        self, user_id: str, org_ids: tuple[str, ...], read: tuple[str | None, ...] = ()
    ) -> tuple[str, ...]:
        """``read`` (unless the stamps were ``read`` already), with any missing stamp first
        made (a fresh random value), so a view is never cached under "no stamp": once the
        store loses a stamp (a restart, eviction), views built before would otherwise match
        it again."""
        stamps = read or await self.read(user_id, org_ids)
        if None not in stamps:
            return stamps
        for key, stamp in zip(self.keys(user_id, org_ids), stamps, strict=True):
            if stamp is None:
                await self._store.set(key, secrets.token_hex(8), STAMP_TTL_SECONDS, only_new=True)
        return await self.read(user_id, org_ids)

    @contextlib.asynccontextmanager
    async def transaction(self, sessions, organization_id: str | None = None):
        """A write transaction whose ``changed`` stamps (with ``organization_id``'s, when
        given) are replaced once it has committed (replacing them earlier would let a reader
        cache the old rows under the new stamp)."""
        changed = Changed(set(), {organization_id} - {None})
        async with sessions() as session, session.begin():
            yield session, changed
        await self.touch_users(*changed.users)
        await self.touch_organizations(*changed.organizations)


@dataclass(frozen=True)
class Changed:
    users: set[str]
    organizations: set[str]
