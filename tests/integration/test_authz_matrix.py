"""The authorization matrix: every RPC × every kind of caller, expectations in one table.

Roles: O/A/M — organization owner, admin, member (in no workspace); WA/WE/WV — members
who are workspace admin/editor/viewer; K — an API key on the workspace holding
``KEY_PERMISSIONS``; P — the publishable key of a chatbot in the workspace (it may call Chat
and SubmitFeedback of that chatbot only; the table's names point at another, missing
chatbot, so there it meets NOT_FOUND); N — anonymous. For each RPC the table lists who is allowed and (after
``|``) who gets NOT_FOUND because the workspace is invisible to them; everyone else is
refused: anonymous with UNAUTHENTICATED, the rest with PERMISSION_DENIED.

Each cell is a real call to the real server. The decision is read from the server's
structured log line for that call (its ``authz`` field) and checked against the status
code. Requests carry only what scopes them (plus an invalid etag where a delete would
otherwise run), so cells cannot disturb each other.
"""

from __future__ import annotations

import grpc
import pytest
from google.api import annotations_pb2
from google.protobuf import message_factory
from helpers import authz_decision, join, sign_up

from privexbot.kernel import contract
from privexbot.v1 import auth_pb2, bot_pb2, common_pb2

ROLES = ("O", "A", "M", "WA", "WE", "WV", "K", "P", "N")
KEY_PERMISSIONS = [
    "workspace.read",
    "chatbot.read",
    "chatbot.chat",
    "knowledge.read",
    "apikey.read",
    "inference.use",
]

EVERYONE = "O A M WA WE WV K P N"
USERS = "O A M WA WE WV"
MATRIX = {
    # AuthService
    "SignUpWithEmail": EVERYONE,
    "LogInWithEmail": EVERYONE,
    "ChangePassword": USERS,
    "SendEmailVerification": USERS,
    "VerifyEmail": EVERYONE,
    "RequestPasswordReset": EVERYONE,
    "ResetPassword": EVERYONE,
    "CreateWalletChallenge": EVERYONE,
    "VerifyWalletSignature": EVERYONE,
    "LinkWallet": USERS,
    "UnlinkIdentity": USERS,
    "ListSessions": USERS,
    "RevokeSession": USERS,
    "RevokeOtherSessions": USERS,
    "AddEmail": USERS,
    "ChangeEmail": USERS,
    "DeleteAccount": USERS,
    "ExportAccountData": USERS,
    "RefreshToken": EVERYONE,
    "LogOut": EVERYONE,
    "GetCurrentUser": USERS,
    "CreateApiKey": "O A WA | M",
    "ListApiKeys": "O A WA K | M",
    "RevokeApiKey": "O A WA | M",
    # TenantService
    "CreateOrganization": USERS,
    "GetOrganization": USERS,
    "ListOrganizations": USERS,
    "UpdateOrganization": "O A",
    "DeleteOrganization": "O",
    "ChangePlan": "O",
    "CreateWorkspace": "O A",
    "GetWorkspace": "O A WA WE WV K | M",
    "ListWorkspaces": USERS,
    "UpdateWorkspace": "O A WA | M",
    "DeleteWorkspace": "O A WA | M",
    "ListOrganizationMembers": USERS,
    "UpdateOrganizationMember": "O A",
    "RemoveOrganizationMember": USERS,
    "ListWorkspaceMembers": "O A WA WE WV K | M",
    "AddWorkspaceMember": "O A WA | M",
    "UpdateWorkspaceMember": "O A WA | M",
    "RemoveWorkspaceMember": "O A WA | M",
    "CreateRole": "O A",
    "GetRole": USERS,
    "ListRoles": USERS,
    "UpdateRole": "O A",
    "DeleteRole": "O A",
    "CreateInvitation": "O A",
    "ListInvitations": "O A",
    "AcceptInvitation": USERS,
    "RevokeInvitation": "O A",
    "SwitchContext": USERS,
    "ListMyAuditEvents": USERS,
    "ListAuditEvents": "O A",
    "GetUsage": "O A",
    "GetTokenUsage": "O A",
    # BotService
    "CreateChatbotDraft": "O A WA WE | M",
    "GetChatbotDraft": "O A WA WE | M",
    "UpdateChatbotDraft": "O A WA WE | M",
    "FinalizeChatbotDraft": "O A WA WE | M",
    "TestChatbotDraft": "O A WA WE | M",
    "GetChatbot": "O A WA WE WV K | M",
    "ListChatbots": "O A WA WE WV K | M",
    "UpdateChatbot": "O A WA WE | M",
    "DeleteChatbot": "O A WA | M",
    "PublishChatbot": "O A WA WE | M",
    "RollbackChatbot": "O A WA WE | M",
    "ListChatbotVersions": "O A WA WE WV K | M",
    "RotatePublishableKey": "O A WA WE | M",
    "Chat": "O A WA WE WV K | M P",
    "GetChatbotWidget": "O A WA WE WV K | M P",
    "ListLeads": "O A WA WE WV K | M",
    "ExportLeads": "O A WA WE WV K | M",
    "GetLeadStats": "O A WA WE WV K | M",
    "GetLead": "O A WA WE WV K | M",
    "UpdateLead": "O A WA WE | M",
    "DeleteLead": "O A WA WE | M",
    "ListChatSessions": "O A WA WE WV K | M",
    "GetChatSession": "O A WA WE WV K | M",
    "SubmitFeedback": "O A WA WE WV K | M P",
    "GetChatbotAnalytics": "O A WA WE | M",
    "CreateChannel": "O A WA WE | M",
    "GetChannel": "O A WA WE WV K | M",
    "ListChannels": "O A WA WE WV K | M",
    "UpdateChannel": "O A WA WE | M",
    "DeleteChannel": "O A WA WE | M",
    "ReceiveChannelWebhook": EVERYONE,
    # FlowService
    "CreateChatflowDraft": "O A WA WE | M",
    "GetChatflowDraft": "O A WA WE | M",
    "UpdateChatflowDraft": "O A WA WE | M",
    "FinalizeChatflowDraft": "O A WA WE | M",
    "GetChatflow": "O A WA WE WV | M",
    "ListChatflows": "O A WA WE WV | M",
    "UpdateChatflow": "O A WA WE | M",
    "DeleteChatflow": "O A WA | M",
    "ValidateChatflow": "O A WA WE WV | M",
    "ExecuteChatflow": "O A WA WE WV | M P",
    "ListChatflowRuns": "O A WA WE WV | M",
    "GetChatflowRun": "O A WA WE WV | M",
    "PublishChatflow": "O A WA WE | M",
    "ListChatflowVersions": "O A WA WE WV | M",
    "RollbackChatflow": "O A WA WE | M",
    "RotateChatflowPublishableKey": "O A WA WE | M",
    "ListChatflowSessions": "O A WA WE WV | M",
    "GetChatflowSession": "O A WA WE WV | M",
    "SubmitChatflowFeedback": "O A WA WE WV | M P",
    "GetChatflowAnalytics": "O A WA WE | M",
    "CreateChatflowSecret": "O A WA WE | M",
    "ListChatflowSecrets": "O A WA WE WV | M",
    "DeleteChatflowSecret": "O A WA WE | M",
    # KnowledgeService
    "CreateKnowledgeBase": "O A WA WE | M",
    "GetKnowledgeBase": "O A WA WE WV K | M",
    "ListKnowledgeBases": "O A WA WE WV K | M",
    "UpdateKnowledgeBase": "O A WA WE | M",
    "DeleteKnowledgeBase": "O A WA | M",
    "UploadDocument": "O A WA WE | M",
    "UploadDocuments": "O A WA WE | M",
    "CreateDocument": "O A WA WE | M",
    "StartUpload": "O A WA WE | M",
    "GetUpload": "O A WA WE | M",
    "AppendUpload": "O A WA WE | M",
    "FinishUpload": "O A WA WE | M",
    "DeleteUpload": "O A WA WE | M",
    "GetDocument": "O A WA WE WV K | M",
    "ListDocuments": "O A WA WE WV K | M",
    "ListChunks": "O A WA WE WV K | M",
    "UpdateDocument": "O A WA WE | M",
    "DeleteDocument": "O A WA WE | M",
    "CancelIngestion": "O A WA WE | M",
    "ReindexDocument": "O A WA WE | M",
    "WatchIngestion": "O A WA WE WV K | M",
    "SearchKnowledgeBase": "O A WA WE WV K | M",
    "PreviewChunking": "O A WA WE WV K | M",
    "CreateWebsiteSource": "O A WA WE | M",
    "GetWebsiteSource": "O A WA WE WV K | M",
    "ListWebsiteSources": "O A WA WE WV K | M",
    "WatchWebsiteSource": "O A WA WE WV K | M",
    "SyncWebsiteSource": "O A WA WE | M",
    "DeleteWebsiteSource": "O A WA WE | M",
    # InferenceService
    "ListModels": "O A WA WE WV K | M",
    "StreamChatCompletion": "O A WA WE WV K | M",
    "GetAttestation": EVERYONE,
}


def expectation(rpc: str, role: str) -> str:
    allowed, _, hidden = MATRIX[rpc].partition("|")
    if role in allowed.split():
        return "allowed"
    if role in hidden.split():
        return "hidden"
    return "unauthenticated" if role == "N" else "denied"


CODES = {
    "hidden": grpc.StatusCode.NOT_FOUND,
    "unauthenticated": grpc.StatusCode.UNAUTHENTICATED,
    "denied": grpc.StatusCode.PERMISSION_DENIED,
}
# Scope fields whose resource pattern is not in the HTTP path (client-streaming upload).
PATTERNS = {"metadata.parent": "organizations/*/workspaces/*/knowledgeBases/*"}


def scope_pattern(spec: contract.MethodSpec) -> str:
    if spec.access.scope_field in PATTERNS:
        return PATTERNS[spec.access.scope_field]
    method = spec.input.file.pool.FindServiceByName(spec.service).methods_by_name[spec.name]
    rule = method.GetOptions().Extensions[annotations_pb2.http]
    path = getattr(rule, rule.WhichOneof("pattern"))
    return path.split("{" + spec.access.scope_field + "=", 1)[1].split("}", 1)[0]


def request_for(spec: contract.MethodSpec, org_id: str, ws_id: str):
    request = message_factory.GetMessageClass(spec.input)()
    if spec.access.scope_field:
        parts = scope_pattern(spec).split("/")
        ids = {"organizations": org_id, "workspaces": ws_id}
        name = "/".join(
            ids.get(parts[i - 1], "matrix-missing") if part == "*" else part
            for i, part in enumerate(parts)
        )
        *path, last = spec.access.scope_field.split(".")
        target = request
        for part in path:
            target = getattr(target, part)
        setattr(target, last, name)
    if "etag" in spec.input.fields_by_name:
        request.etag = "x" * 200  # over max_len: an allowed delete stops at validation
    return request


async def invoke(channel, spec: contract.MethodSpec, request, metadata):
    serialize, path = (lambda m: m.SerializeToString()), spec.path
    if spec.client_streaming:
        call = channel.stream_unary(path, serialize, bytes)

        async def one():
            yield request

        return await call(one(), metadata=metadata)
    if spec.server_streaming:
        return [
            m
            async for m in channel.unary_stream(path, serialize, bytes)(request, metadata=metadata)
        ]
    return await channel.unary_unary(path, serialize, bytes)(request, metadata=metadata)


@pytest.fixture
async def cast(client_factory):
    owner = client_factory()
    o = await sign_up(owner, "owner")
    clients = {"O": owner}
    for role, org_role, grants in (
        ("A", common_pb2.ORGANIZATION_ROLE_ADMIN, ()),
        ("M", common_pb2.ORGANIZATION_ROLE_MEMBER, ()),
        (
            "WA",
            common_pb2.ORGANIZATION_ROLE_MEMBER,
            [(o.workspace, common_pb2.WORKSPACE_ROLE_ADMIN)],
        ),
        (
            "WE",
            common_pb2.ORGANIZATION_ROLE_MEMBER,
            [(o.workspace, common_pb2.WORKSPACE_ROLE_EDITOR)],
        ),
        (
            "WV",
            common_pb2.ORGANIZATION_ROLE_MEMBER,
            [(o.workspace, common_pb2.WORKSPACE_ROLE_VIEWER)],
        ),
    ):
        clients[role] = client_factory()
        await join(owner, clients[role], o.organization, org_role, grants)
    key = await owner.auth.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(
            parent=o.workspace,
            api_key=auth_pb2.ApiKey(display_name="matrix", permissions=KEY_PERMISSIONS),
        )
    )
    clients["K"] = client_factory(api_key=key.key)
    draft = await owner.bot.CreateChatbotDraft(
        bot_pb2.CreateChatbotDraftRequest(
            parent=o.workspace,
            chatbot_draft=bot_pb2.ChatbotDraft(config=bot_pb2.ChatbotConfig(display_name="P")),
        )
    )
    bot = await owner.bot.FinalizeChatbotDraft(bot_pb2.FinalizeChatbotDraftRequest(name=draft.name))
    widget = await owner.bot.RotatePublishableKey(
        bot_pb2.RotatePublishableKeyRequest(name=bot.name)
    )
    clients["P"] = client_factory(publishable_key=widget.publishable_key)
    clients["N"] = client_factory()
    return o, clients


def test_the_table_covers_every_rpc_in_the_contract():
    assert set(MATRIX) == {spec.name for spec in contract.methods().values()}


async def test_authorization_matrix(cast, stack, rpc_lines):
    user, clients = cast
    org_id, ws_id = user.workspace.split("/")[1], user.workspace.split("/")[3]
    cells = 0
    failures = []
    async with grpc.aio.insecure_channel(stack.target) as channel:
        for spec in contract.methods().values():
            request = request_for(spec, org_id, ws_id)
            for role in ROLES:
                cells += 1
                request_id = f"matrix-{cells}"
                metadata = (*clients[role].metadata(), ("x-request-id", request_id))
                code = grpc.StatusCode.OK
                try:
                    await invoke(channel, spec, request, metadata)
                except grpc.aio.AioRpcError as error:
                    code = error.code()
                decision = await authz_decision(rpc_lines, request_id)
                expected = expectation(spec.name, role)
                ok = (
                    decision in ("allowed", "public")
                    if expected == "allowed"
                    else (decision == expected and code == CODES[expected])
                )
                if not ok:
                    failures.append(
                        f"{spec.name} as {role}: expected {expected}, got {decision} ({code.name})"
                    )
    print(
        f"authorization matrix: {cells} cells over {len(contract.methods())} RPCs × {len(ROLES)} roles"
    )
    assert not failures, "\n".join(failures)
    assert cells == len(MATRIX) * len(ROLES)
