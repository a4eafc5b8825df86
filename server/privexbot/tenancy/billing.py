"""Plan changes: an organization's owner asks, the billing hook approves, the plan moves.

The hook is a webhook (``BILLING_WEBHOOK_URL``) that answers 2xx to approve a JSON
``{"organization", "from", "to"}``; without one, development approves every change and
production refuses them. A downgrade keeps data: plans.ensure_room refuses new writes
beyond the new limits. ``plan`` is one of plans.PLANS (the contract's enum)."""

from __future__ import annotations

import httpx

from privexbot.kernel import resources
from privexbot.kernel.errors import FailedPrecondition, Unavailable
from privexbot.kernel.resources import Scope
from privexbot.store import audit
from privexbot.tenancy.organizations import get_row


class Billing:
    def __init__(self, sessions, webhook_url: str, approve_without_webhook: bool) -> None:
        self._sessions, self._url = sessions, webhook_url
        self._approve_without_webhook = approve_without_webhook

    async def approve(self, organization: str, old: str, new: str) -> None:
        """Return when the billing hook approves moving ``organization`` from ``old`` to
        ``new``; FAILED_PRECONDITION when it declines, UNAVAILABLE when it cannot answer."""
        if not self._url:
            if self._approve_without_webhook:
                return
            raise FailedPrecondition("BILLING_NOT_CONFIGURED", "plan changes need billing")
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                reply = await client.post(
                    self._url, json={"organization": organization, "from": old, "to": new}
                )
        except httpx.HTTPError:
            raise Unavailable("BILLING_UNAVAILABLE", "billing did not answer; retry") from None
        if reply.status_code // 100 != 2:
            raise FailedPrecondition(
                "PLAN_CHANGE_DECLINED",
                "billing declined the plan change",
                {"status": str(reply.status_code)},
            )

    async def change_plan(self, scope: Scope, plan: str) -> None:
        """Move the organization to ``plan`` (one of plans.PLANS) once approved; the hook is
        asked outside any transaction."""
        async with self._sessions() as session:
            old = (await get_row(session, scope)).plan
        if old == plan:
            return
        name = resources.ORGANIZATION.name(scope.organization_id)
        await self.approve(name, old, plan)
        async with self._sessions() as session, session.begin():
            org = await get_row(session, scope)
            org.plan = plan
            if plan != "free":  # a paid plan ends the trial
                org.trial_ends_at = None
            org.version += 1
            audit.record(
                session,
                "organization.plan.change",
                organization_id=org.id,
                resource=name,
                details={"from": old, "to": plan},
            )
