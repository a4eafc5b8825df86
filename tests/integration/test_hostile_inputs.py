"""Input a fuzzer or an attacker sends, over the real server: each answered as bad input with
the field named, before any SQL, and without echoing or logging what was sent."""

from __future__ import annotations

import logging
import unicodedata

import grpc
import pytest
from google.protobuf import field_mask_pb2
from helpers import PASSWORD, join, raises, sign_up, unique_email
from sqlalchemy import select

from privexbot.kernel.ids import new_id
from privexbot.store.models import ApiKey
from privexbot.v1 import auth_pb2, common_pb2, knowledge_pb2, tenant_pb2

ADMIN = common_pb2.ORGANIZATION_ROLE_ADMIN


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=paths)


# ---- emails --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "character", ["\u0000", "\u0007", "\u001b", "\u202e", "\u200b", " "], ids=repr
)
async def test_emails_with_control_format_or_space_characters_are_refused(client, character):
    email = f"x{character}y@example.test"
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"email"}):
        await client.auth.SignUpWithEmail(
            auth_pb2.SignUpWithEmailRequest(email=email, password=PASSWORD)
        )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"email"}):
        await client.auth.LogInWithEmail(auth_pb2.LogInWithEmailRequest(email=email, password="p"))


async def test_emails_are_normalised_before_they_are_compared(client_factory):
    local = "re\u0301ne-" + new_id()[-8:]  # "é" written as e + combining accent (NFD)
    given = f"  {local.upper()}@BÜCHER.Example "
    first = client_factory()
    session = await first.auth.SignUpWithEmail(
        auth_pb2.SignUpWithEmailRequest(email=given, password=PASSWORD)
    )
    stored = unicodedata.normalize("NFC", local).lower() + "@xn--bcher-kva.example"
    assert session.user.email == stored
    # The same address written another way is the same account.
    again = unicodedata.normalize("NFC", local) + "@bücher.example"
    async with raises(grpc.StatusCode.ALREADY_EXISTS, "EMAIL_TAKEN"):
        await client_factory().auth.SignUpWithEmail(
            auth_pb2.SignUpWithEmailRequest(email=again, password=PASSWORD)
        )
    logged_in = await client_factory().auth.LogInWithEmail(
        auth_pb2.LogInWithEmailRequest(email=again, password=PASSWORD)
    )
    assert logged_in.user.name == session.user.name


async def test_every_email_the_contract_takes_is_checked(client):
    user = await sign_up(client)
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"organization.billing_email"}
    ):
        await client.tenant.CreateOrganization(
            tenant_pb2.CreateOrganizationRequest(
                organization=tenant_pb2.Organization(display_name="O", billing_email="not an email")
            )
        )
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"organization.billing_email"}
    ):
        await client.tenant.UpdateOrganization(
            tenant_pb2.UpdateOrganizationRequest(
                organization=tenant_pb2.Organization(
                    name=user.organization, billing_email="not an email"
                ),
                update_mask=mask("billing_email"),
            )
        )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"invitation.email"}):
        await client.tenant.CreateInvitation(
            tenant_pb2.CreateInvitationRequest(
                parent=user.organization,
                invitation=tenant_pb2.Invitation(
                    email="a\u202e@example.com", role=common_pb2.ORGANIZATION_ROLE_MEMBER
                ),
            )
        )
    org = await client.tenant.UpdateOrganization(
        tenant_pb2.UpdateOrganizationRequest(
            organization=tenant_pb2.Organization(
                name=user.organization, billing_email=" Billing@Example.COM "
            ),
            update_mask=mask("billing_email"),
        )
    )
    assert org.billing_email == "billing@example.com"


async def test_only_owners_change_billing_fields(client_factory):
    owner, admin = client_factory(), client_factory()
    user = await sign_up(owner)
    await join(owner, admin, user.organization, ADMIN)
    change = tenant_pb2.UpdateOrganizationRequest(
        organization=tenant_pb2.Organization(
            name=user.organization, billing_email=unique_email("billing")
        ),
        update_mask=mask("billing_email"),
    )
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED") as denied:
        await admin.tenant.UpdateOrganization(change)
    assert denied.details.metadata == {"permission": "organization.billing"}
    await owner.tenant.UpdateOrganization(change)
    # Admins still edit the rest.
    renamed = await admin.tenant.UpdateOrganization(
        tenant_pb2.UpdateOrganizationRequest(
            organization=tenant_pb2.Organization(name=user.organization, display_name="New"),
            update_mask=mask("display_name"),
        )
    )
    assert renamed.display_name == "New"


# ---- field rules ---------------------------------------------------------------------------


async def test_a_required_field_cannot_be_cleared_by_an_update(client):
    user = await sign_up(client)
    kb = await client.knowledge.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=user.workspace, knowledge_base=knowledge_pb2.KnowledgeBase(display_name="K")
        )
    )
    cases = [
        (
            client.tenant.UpdateOrganization,
            tenant_pb2.UpdateOrganizationRequest(
                organization=tenant_pb2.Organization(name=user.organization),
                update_mask=mask("display_name"),
            ),
            "organization.display_name",
        ),
        (
            client.tenant.UpdateWorkspace,
            tenant_pb2.UpdateWorkspaceRequest(
                workspace=tenant_pb2.Workspace(name=user.workspace),
                update_mask=mask("display_name"),
            ),
            "workspace.display_name",
        ),
        (
            client.knowledge.UpdateKnowledgeBase,
            knowledge_pb2.UpdateKnowledgeBaseRequest(
                knowledge_base=knowledge_pb2.KnowledgeBase(name=kb.name),
                update_mask=mask("display_name"),
            ),
            "knowledge_base.display_name",
        ),
    ]
    for rpc, request, field in cases:
        async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {field}):
            await rpc(request)
    org = await client.tenant.GetOrganization(
        tenant_pb2.GetOrganizationRequest(name=user.organization)
    )
    assert org.display_name


async def test_workspace_display_names_are_unique_in_an_organization(client):
    user = await sign_up(client)

    def create(name: str):
        return client.tenant.CreateWorkspace(
            tenant_pb2.CreateWorkspaceRequest(
                parent=user.organization, workspace=tenant_pb2.Workspace(display_name=name)
            )
        )

    engineering = await create("Engineering")
    for same in ("Engineering", "ENGINEERING", " engineering "):
        async with raises(grpc.StatusCode.ALREADY_EXISTS, "WORKSPACE_NAME_TAKEN") as taken:
            await create(same)
        assert taken.details.metadata == {"workspace": engineering.name}
    sales = await create("Sales")
    async with raises(grpc.StatusCode.ALREADY_EXISTS, "WORKSPACE_NAME_TAKEN"):
        await client.tenant.UpdateWorkspace(
            tenant_pb2.UpdateWorkspaceRequest(
                workspace=tenant_pb2.Workspace(name=sales.name, display_name="engineering"),
                update_mask=mask("display_name"),
            )
        )
    # A workspace keeps its own name in another case; another organization may use it.
    await client.tenant.UpdateWorkspace(
        tenant_pb2.UpdateWorkspaceRequest(
            workspace=tenant_pb2.Workspace(name=sales.name, display_name="SALES"),
            update_mask=mask("display_name"),
        )
    )
    other = await client.tenant.CreateOrganization(
        tenant_pb2.CreateOrganizationRequest(
            organization=tenant_pb2.Organization(display_name="Other")
        )
    )
    await client.tenant.CreateWorkspace(
        tenant_pb2.CreateWorkspaceRequest(
            parent=other.name, workspace=tenant_pb2.Workspace(display_name="Engineering")
        )
    )


async def test_nul_characters_are_refused_before_any_sql(client):
    user = await sign_up(client)
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"workspace.display_name"}
    ) as refused:
        await client.tenant.CreateWorkspace(
            tenant_pb2.CreateWorkspaceRequest(
                parent=user.organization, workspace=tenant_pb2.Workspace(display_name="a\x00b")
            )
        )
    assert refused.details.field_violations == {
        "workspace.display_name": "contains a NUL character"
    }
    # Unauthenticated, and in a field without rules of its own (a map value).
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"email"}):
        await client.auth.LogInWithEmail(
            auth_pb2.LogInWithEmailRequest(email="x\x00y@example.test", password="p")
        )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"):
        await client.tenant.CreateOrganization(
            tenant_pb2.CreateOrganizationRequest(
                organization=tenant_pb2.Organization(display_name="O", settings={"k": "v\x00"})
            )
        )


async def test_an_over_long_map_key_is_not_echoed(client):
    await sign_up(client)
    key = "k" * 10_000
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT") as refused:
        await client.tenant.CreateOrganization(
            tenant_pb2.CreateOrganizationRequest(
                organization=tenant_pb2.Organization(display_name="O", settings={key: "v"})
            )
        )
    assert len(refused.details.message) < 300
    assert all(len(field) < 100 for field in refused.details.field_violations)


# ---- API keys ------------------------------------------------------------------------------


async def test_a_workspace_api_key_holds_workspace_permissions_only(client_factory, stack):
    owner = client_factory()
    user = await sign_up(owner)
    for permission in ("organization.update", "member.invite", "workspace.create"):
        async with raises(
            grpc.StatusCode.INVALID_ARGUMENT,
            "ORGANIZATION_PERMISSION_ON_KEY",
            {"api_key.permissions"},
        ):
            await owner.auth.CreateApiKey(
                auth_pb2.CreateApiKeyRequest(
                    parent=user.workspace,
                    api_key=auth_pb2.ApiKey(display_name="k", permissions=[permission]),
                )
            )
    created = await owner.auth.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(
            parent=user.workspace,
            api_key=auth_pb2.ApiKey(display_name="k", permissions=["workspace.read"]),
        )
    )
    # A key made before the rule, holding organization permissions, acts in its workspace only.
    async with stack.running.platform.sessions() as session, session.begin():
        row = await session.scalar(select(ApiKey).where(ApiKey.prefix == created.key.split("_")[1]))
        row.permissions = ["workspace.read", "member.read", "organization.update"]
    key = client_factory(api_key=created.key)
    listed = await key.tenant.ListWorkspaceMembers(
        tenant_pb2.ListWorkspaceMembersRequest(parent=user.workspace)
    )
    assert len(listed.members) == 1
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "API_KEY_WORKSPACE_ONLY"):
        await key.tenant.ListOrganizationMembers(
            tenant_pb2.ListOrganizationMembersRequest(parent=user.organization)
        )
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "API_KEY_WORKSPACE_ONLY"):
        await key.tenant.UpdateOrganization(
            tenant_pb2.UpdateOrganizationRequest(
                organization=tenant_pb2.Organization(name=user.organization, display_name="Mine"),
                update_mask=mask("display_name"),
            )
        )


# ---- what the transport carries ------------------------------------------------------------


async def test_over_long_metadata_is_unauthenticated_for_credentials_else_bad_input(
    client_factory,
):
    key = client_factory(api_key="pxb_" + "a" * 10_000)
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_TOO_LONG"):
        await key.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())
    token = client_factory(access_token="e" * 10_000)
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_TOO_LONG"):
        await token.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())
    bulky = client_factory()
    bulky.extra_metadata += (("x-notes", "n" * 20_000),)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "METADATA_TOO_LARGE") as refused:
        await bulky.auth.LogInWithEmail(
            auth_pb2.LogInWithEmailRequest(email=unique_email(), password=PASSWORD)
        )
    assert refused.details.metadata == {"limit_bytes": str(16 * 1024)}


async def test_a_body_that_does_not_decode_is_bad_input_logged_in_one_line(stack, caplog):
    async with grpc.aio.insecure_channel(stack.target) as channel:
        for method in (
            "/privexbot.v1.AuthService/LogInWithEmail",
            "/privexbot.v1.TenantService/GetWorkspace",
        ):
            call = channel.unary_unary(method)
            with caplog.at_level(logging.INFO):
                with pytest.raises(grpc.aio.AioRpcError) as info:
                    await call(bytes.fromhex("0affffffff0f"))
            assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "not a valid message" in info.value.details()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_client_stream_without_messages_is_bad_input(client):
    await sign_up(client)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "EMPTY_REQUEST_STREAM"):
        await client.knowledge.UploadDocument(iter([]))


async def test_a_message_over_the_limit_is_bad_input_with_the_limit(client, stack):
    user = await sign_up(client)
    limit = stack.settings.max_message_bytes
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_TOO_LARGE") as refused:
        await client.knowledge.CreateDocument(
            knowledge_pb2.CreateDocumentRequest(
                parent=f"{user.workspace}/knowledgeBases/x",
                document=knowledge_pb2.Document(display_name="big.txt"),
                text="a" * (limit + 1000),
            )
        )
    assert refused.details.metadata == {"limit_bytes": str(limit)}


async def test_a_whitespace_only_document_is_empty(client):
    user = await sign_up(client)
    kb = await client.knowledge.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=user.workspace, knowledge_base=knowledge_pb2.KnowledgeBase(display_name="K")
        )
    )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "EMPTY_DOCUMENT", {"content"}):
        await client.knowledge.CreateDocument(
            knowledge_pb2.CreateDocumentRequest(
                parent=kb.name,
                document=knowledge_pb2.Document(display_name="blank.txt"),
                text=" \n\t \n",
            )
        )
