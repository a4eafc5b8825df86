"""Field rules from the contract, applied to real request messages."""

from __future__ import annotations

import pytest

from privexbot.kernel import validation
from privexbot.kernel.errors import InvalidArgument
from privexbot.v1 import auth_pb2, tenant_pb2


def violated(message) -> dict[str, str]:
    return {v.field: v.description for v in validation.violations(message)}


def test_a_valid_request_passes():
    validation.validate(auth_pb2.LogInWithEmailRequest(email="a@b.io", password="x" * 12))


def test_required_and_lengths_are_reported_together_with_paths():
    request = tenant_pb2.CreateWorkspaceRequest(
        parent="p" * 257, workspace=tenant_pb2.Workspace(description="d" * 1001)
    )
    assert violated(request) == {
        "parent": "is longer than 256 characters",
        "workspace.display_name": "is required",
        "workspace.description": "is longer than 1000 characters",
    }
    with pytest.raises(InvalidArgument) as info:
        validation.validate(request)
    assert [v.field for v in info.value.violations] == list(violated(request))


def test_missing_message_is_required():
    assert violated(tenant_pb2.CreateWorkspaceRequest(parent="organizations/o")) == {
        "workspace": "is required"
    }


def test_numbers_enums_patterns_lists_and_maps():
    assert violated(auth_pb2.ListApiKeysRequest(parent="x", page_size=1001)) == {
        "page_size": "must be at most 1000"
    }
    assert violated(auth_pb2.ListApiKeysRequest(parent="x", page_size=-1)) == {
        "page_size": "must be at least 0"
    }
    request = auth_pb2.CreateWalletChallengeRequest(chain=99, address="a", chain_id="no spaces")
    assert violated(request) == {
        "chain": "has an unknown value 99",
        "chain_id": "must match [A-Za-z0-9._-]*",
    }
    key = auth_pb2.ApiKey(display_name="k", permissions=["p"] * 65)
    assert violated(auth_pb2.CreateApiKeyRequest(parent="x", api_key=key)) == {
        "api_key.permissions": "has more than 64 items"
    }
    key = auth_pb2.ApiKey(display_name="k", permissions=["p" * 65])
    assert violated(auth_pb2.CreateApiKeyRequest(parent="x", api_key=key)) == {
        "api_key.permissions[0]": "is longer than 64 characters"
    }
    org = tenant_pb2.Organization(display_name="o", settings={"k": "v" * 1025})
    assert violated(tenant_pb2.CreateOrganizationRequest(organization=org)) == {
        "organization.settings['k']": "is longer than 1024 characters"
    }


def test_repeated_messages_are_validated_item_by_item():
    grant = tenant_pb2.Invitation.WorkspaceGrant(workspace="")
    invitation = tenant_pb2.Invitation(role=1, workspaces=[grant])
    request = tenant_pb2.CreateInvitationRequest(parent="organizations/o", invitation=invitation)
    assert violated(request) == {
        "invitation.workspaces[0].workspace": "is required",
        "invitation.workspaces[0].role": "is required",
    }


def test_an_update_checks_limits_but_not_required_fields_of_the_resource():
    from google.protobuf import field_mask_pb2

    mask = field_mask_pb2.FieldMask(paths=["description"])
    ok = tenant_pb2.UpdateWorkspaceRequest(
        workspace=tenant_pb2.Workspace(description="d"), update_mask=mask
    )
    assert violated(ok) == {}
    too_long = tenant_pb2.UpdateWorkspaceRequest(
        workspace=tenant_pb2.Workspace(description="d" * 1001), update_mask=mask
    )
    assert violated(too_long) == {"workspace.description": "is longer than 1000 characters"}
    assert violated(tenant_pb2.UpdateWorkspaceRequest()) == {
        "workspace": "is required",
        "update_mask": "is required",
    }


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        ("ok@example.com", ""),
        ("Ünïcode@bücher.example", ""),
        ("x\x00y@example.test", "contains a control, format or space character"),
        ("x\u202ey@example.test", "contains a control, format or space character"),
        ("a b@example.test", "contains a control, format or space character"),
        ("no-at-sign", "is not an email address (name@domain)"),
        ("a@b@example.test", "is not an email address (name@domain)"),
        ("a@localhost", "has a domain without a dot"),
        ("a@-bad-.example", "has a domain that is not a valid internet name"),
        ("l" * 65 + "@example.com", "has a part before @ longer than 64 characters"),
    ],
)
def test_email_rule(email, problem):
    from privexbot.kernel import emails

    assert emails.problem(email) == problem


def test_emails_are_stored_in_one_form():
    from privexbot.kernel import emails

    assert emails.normalize(" Rene\u0301@BÜCHER.example ") == "ren\u00e9@xn--bcher-kva.example"
    with pytest.raises(InvalidArgument) as info:
        emails.normalize("bad", "invitation.email")
    assert (info.value.reason, info.value.violations[0].field) == (
        "INVALID_EMAIL",
        "invitation.email",
    )


def test_every_string_is_refused_with_a_nul_whatever_its_rules():
    org = tenant_pb2.Organization(display_name="o\x00", settings={"k\x00": "v\x00"})
    assert violated(tenant_pb2.CreateOrganizationRequest(organization=org)) == {
        "organization.display_name": "contains a NUL character",
        "organization.settings['k\\x00'] key": "contains a NUL character",
        "organization.settings['k\\x00']": "contains a NUL character",
    }


def test_a_long_map_key_is_shown_cut_short():
    org = tenant_pb2.Organization(display_name="o", settings={"k" * 2000: "v"})
    (field,) = violated(tenant_pb2.CreateOrganizationRequest(organization=org))
    assert field == "organization.settings['" + "k" * 32 + "…'] key"


def test_an_update_cannot_clear_a_required_field_it_names():
    from google.protobuf import field_mask_pb2

    request = tenant_pb2.UpdateWorkspaceRequest(
        workspace=tenant_pb2.Workspace(name="organizations/o/workspaces/w"),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name", "description"]),
    )
    assert violated(request) == {"workspace.display_name": "is required; it cannot be cleared"}


def test_timestamps_must_be_times_a_handler_can_convert():
    """Found by the fuzz suite: ExportLeads with a filter time of 10^9 nanos answered
    INTERNAL (ToDatetime raised ValueError in the handler)."""
    from google.protobuf.timestamp_pb2 import Timestamp

    from privexbot.v1 import bot_pb2

    request = bot_pb2.ExportLeadsRequest(
        parent="organizations/o/workspaces/w",
        filter=bot_pb2.LeadFilter(
            start_time=Timestamp(seconds=0, nanos=10**9),
            end_time=Timestamp(seconds=253402300800),
        ),
    )
    assert violated(request) == {
        "filter.start_time": "is not a time between years 1 and 9999",
        "filter.end_time": "is not a time between years 1 and 9999",
    }
    request.filter.start_time.CopyFrom(Timestamp(seconds=-62135596800))
    request.filter.end_time.CopyFrom(Timestamp(seconds=253402300799, nanos=999_999_999))
    assert violated(request) == {}
    assert violated(tenant_pb2.ListAuditEventsRequest(parent="organizations/o")) == {}


def test_enums_hold_declared_values_whatever_their_rules():
    """Found by the fuzz suite: SearchKnowledgeBase with retrieval.mode 4 answered INTERNAL
    (a KeyError in the handler); every enum field now refuses a number it does not declare."""
    from privexbot.v1 import knowledge_pb2

    request = knowledge_pb2.SearchKnowledgeBaseRequest(
        name="organizations/o/workspaces/w/knowledgeBases/k", query="q"
    )
    request.retrieval.mode = 4
    assert violated(request) == {"retrieval.mode": "has an unknown value 4"}
    request.retrieval.mode = knowledge_pb2.RetrievalSettings.MODE_HYBRID
    assert violated(request) == {}
