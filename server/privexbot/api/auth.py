"""AuthService: unpack the request, call ``identity``, pack the response."""

from __future__ import annotations

from google.protobuf import empty_pb2

from privexbot.api import standard
from privexbot.api.convert import (
    ORGANIZATION_ROLES,
    WORKSPACE_ROLES,
    from_timestamp,
    pack,
    timestamp,
)
from privexbot.identity import api_keys, current_user
from privexbot.identity.sessions import Grant
from privexbot.identity.users import IdentityView, UserView
from privexbot.identity.wallets import Chain
from privexbot.kernel import resources
from privexbot.kernel.caches import Recent
from privexbot.kernel.calls import current
from privexbot.kernel.ids import API_KEY_SCHEME
from privexbot.v1 import auth_pb2, auth_pb2_grpc, common_pb2

CHAINS = {
    common_pb2.WALLET_CHAIN_EVM: Chain.EVM,
    common_pb2.WALLET_CHAIN_SOLANA: Chain.SOLANA,
    common_pb2.WALLET_CHAIN_COSMOS: Chain.COSMOS,
}


def _context(organization_id: str | None, workspace_id: str | None) -> dict[str, str]:
    """The organization and workspace names a session is in ("" for none)."""
    return {
        "organization": resources.ORGANIZATION.name(organization_id) if organization_id else "",
        "workspace": resources.WORKSPACE.name(organization_id, workspace_id)
        if workspace_id
        else "",
    }


def user_message(user: UserView) -> auth_pb2.User:
    return pack(auth_pb2.User, user)


def identity_message(identity: IdentityView) -> auth_pb2.Identity:
    return pack(auth_pb2.Identity, identity)


def session_message(grant: Grant) -> auth_pb2.AuthSession:
    return auth_pb2.AuthSession(
        user=user_message(grant.user),
        access_token=grant.access_token,
        access_token_expire_time=timestamp(grant.access_expires_at),
        refresh_token=grant.refresh_token,
        refresh_token_expire_time=timestamp(grant.refresh_expires_at),
        new_user=grant.new_user,
        **_context(grant.organization_id, grant.workspace_id),
    )


def api_key_message(key: api_keys.ApiKeyView) -> auth_pb2.ApiKey:
    return pack(
        auth_pb2.ApiKey,
        key,
        key_prefix=f"{API_KEY_SCHEME}_{key.prefix}",
        creator=resources.USER.name(key.creator_id) if key.creator_id else "",
    )


def current_user_message(me: current_user.CurrentUser, principal) -> auth_pb2.CurrentUser:
    return auth_pb2.CurrentUser(
        user=user_message(me.user),
        identities=[identity_message(i) for i in me.identities],
        memberships=[
            auth_pb2.OrganizationMembership(
                organization=resources.ORGANIZATION.name(m.organization_id),
                organization_display_name=m.organization_display_name,
                role=ORGANIZATION_ROLES.number(m.role),
                workspaces=[
                    auth_pb2.WorkspaceMembership(
                        workspace=resources.WORKSPACE.name(m.organization_id, ws_id),
                        workspace_display_name=display_name,
                        role=WORKSPACE_ROLES.number(role),
                        custom_role=custom_role_id
                        and resources.ROLE.name(m.organization_id, custom_role_id),
                    )
                    for ws_id, display_name, role, custom_role_id in m.workspaces
                ],
            )
            for m in me.memberships
        ],
        **_context(principal.organization_id, principal.workspace_id),
    )


class AuthApi(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, platform) -> None:
        self.email, self.wallets = platform.email_sign_in, platform.wallet_sign_in
        self.email_links = platform.email_links
        self.sessions, self.current_users = platform.sign_in_sessions, platform.current_users
        self.api_keys = platform.api_keys
        self.accounts = platform.accounts
        # GetCurrentUser: user id -> (view, organization, workspace, the message built from them)
        self._current_user_messages = Recent("current_user_messages", current_user.CACHE_SIZE)

    async def SignUpWithEmail(self, request, context):
        grant = await self.email.sign_up(request.email, request.password, request.display_name)
        return session_message(grant)

    async def LogInWithEmail(self, request, context):
        return session_message(await self.email.log_in(request.email, request.password))

    async def ChangePassword(self, request, context):
        grant = await self.email.change_password(
            current().principal, request.current_password, request.new_password
        )
        return session_message(grant)

    async def SendEmailVerification(self, request, context):
        await self.email_links.send_verification(current().principal)
        return empty_pb2.Empty()

    async def VerifyEmail(self, request, context):
        return user_message(await self.email_links.verify(request.token))

    async def RequestPasswordReset(self, request, context):
        await self.email_links.request_reset(request.email)
        return empty_pb2.Empty()

    async def ResetPassword(self, request, context):
        await self.email_links.reset_password(request.token, request.new_password)
        return empty_pb2.Empty()

    async def CreateWalletChallenge(self, request, context):
        params, message = await self.wallets.create_challenge(
            CHAINS[request.chain], request.address, request.chain_id
        )
        return auth_pb2.WalletChallenge(
            chain=request.chain,
            address=params.address,
            message=message,
            nonce=params.nonce,
            expire_time=timestamp(params.expiration_time),
        )

    async def VerifyWalletSignature(self, request, context):
        grant = await self.wallets.verify(
            CHAINS[request.chain], request.message, request.signature, request.public_key
        )
        return session_message(grant)

    async def LinkWallet(self, request, context):
        identity = await self.wallets.link(
            current().principal,
            CHAINS[request.chain],
            request.message,
            request.signature,
            request.public_key,
        )
        return identity_message(identity)

    async def UnlinkIdentity(self, request, context):
        await self.wallets.unlink(current().principal, request.name)
        return empty_pb2.Empty()

    async def ListSessions(self, request, context):
        return await standard.listed(
            auth_pb2.ListSessionsResponse,
            lambda view: pack(auth_pb2.Session, view),
            self.sessions.list,
            request,
            current().principal,
            request.parent,
        )

    async def RevokeSession(self, request, context):
        await self.sessions.revoke_one(current().principal, request.name)
        return empty_pb2.Empty()

    async def RevokeOtherSessions(self, request, context):
        count = await self.sessions.revoke_others(current().principal, request.parent)
        return auth_pb2.RevokeOtherSessionsResponse(revoked_count=count)

    async def AddEmail(self, request, context):
        await self.email_links.add_email(
            current().principal, request.name, request.email, request.password
        )
        return empty_pb2.Empty()

    async def ChangeEmail(self, request, context):
        await self.email_links.change_email(
            current().principal, request.name, request.new_email, request.password
        )
        return empty_pb2.Empty()

    async def DeleteAccount(self, request, context):
        await self.accounts.delete(current().principal, request.name, request.password)
        return empty_pb2.Empty()

    async def ExportAccountData(self, request, context):
        async for piece in self.accounts.export(current().principal, request.name):
            yield auth_pb2.ExportAccountDataResponse(data=piece)

    async def RefreshToken(self, request, context):
        return session_message(await self.sessions.refresh(request.refresh_token))

    async def LogOut(self, request, context):
        await self.sessions.log_out(request.refresh_token)
        return empty_pb2.Empty()

    async def GetCurrentUser(self, request, context):
        principal = current().principal
        me = await self.current_users.of(principal)
        # The message built for this very view (accounts serves the same object until a stamp
        # it depends on changes) and access-token context: reused, not rebuilt.
        built = self._current_user_messages.get(principal.id)
        if (
            built is not None
            and built[0] is me
            and built[1] == principal.organization_id
            and built[2] == principal.workspace_id
        ):
            return built[3]
        reply = current_user_message(me, principal)
        self._current_user_messages.put(
            principal.id, (me, principal.organization_id, principal.workspace_id, reply)
        )
        return reply

    async def CreateApiKey(self, request, context):
        call = current()
        created, key = await self.api_keys.create(
            call.principal,
            call.scope,
            call.grant.permissions,
            request.api_key.display_name,
            list(request.api_key.permissions),
            from_timestamp(request.api_key, "expire_time"),
            request.request_id,
            request.api_key.requests_per_minute,
            tuple(request.api_key.allowed_cidrs),
        )
        return auth_pb2.CreateApiKeyResponse(api_key=api_key_message(created), key=key)

    ListApiKeys = standard.list_(auth_pb2.ListApiKeysResponse, "api_keys", api_key_message)

    RevokeApiKey = standard.custom("api_keys", "revoke", api_key_message, resources.API_KEY)
