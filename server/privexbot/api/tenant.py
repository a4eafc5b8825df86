"""TenantService: unpack the request, call ``tenancy``, pack the response."""

from __future__ import annotations

from privexbot import names
from privexbot.api.convert import timestamp
from privexbot.calls import current
from privexbot.errors import InvalidArgument
from privexbot.v1 import tenant_pb2, tenant_pb2_grpc


class TenantApi(tenant_pb2_grpc.TenantServiceServicer):
    def __init__(self, platform) -> None:
        self.accounts = platform.accounts

    async def SwitchContext(self, request, context):
        org_id = names.parse(request.organization, "organizations/*", "organization")[0]
        ws_id = None
        if request.workspace:
            ws_org, ws_id = names.parse(
                request.workspace, "organizations/*/workspaces/*", "workspace"
            )
            if ws_org != org_id:
                raise InvalidArgument.field("workspace", "must be inside the organization")
        token, expires, org_id, ws_id = await self.accounts.switch_context(
            current().principal, org_id, ws_id
        )
        return tenant_pb2.SwitchContextResponse(
            access_token=token,
            access_token_expire_time=timestamp(expires),
            organization=names.organization(org_id),
            workspace=names.workspace(org_id, ws_id),
        )
