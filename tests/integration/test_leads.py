"""Leads captured in chat sessions: listed with filters and a total, exported as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from helpers import join, raises, sign_up
from test_bot import OFF_TOPIC, STRICT, chat, new_bot

from privexbot.v1 import auth_pb2, bot_pb2, common_pb2, tenant_pb2

CAPTURE = bot_pb2.LeadCapture(mode=bot_pb2.LeadCapture.MODE_DURING_CHAT)


async def leads_bot(client, workspace: str) -> bot_pb2.Chatbot:
    # Strict grounding with nothing to ground in answers without the model: fast.
    return await new_bot(client, workspace, grounding_mode=STRICT, lead_capture=CAPTURE)


async def leave_lead(client, bot: str, email: str, name: str = "", consent: bool = True) -> str:
    lead = bot_pb2.Lead(email=email, display_name=name, consent=consent)
    events = await chat(client, bot, OFF_TOPIC, lead=lead)
    return events[0].session_started.session


def at(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


async def test_leads_are_listed_filtered_counted_and_exported(client):
    me = await sign_up(client, "leads")
    first, second = await leads_bot(client, me.workspace), await leads_bot(client, me.workspace)
    sessions = [
        await leave_lead(client, first.name, "ada@example.com", "Ada"),
        await leave_lead(client, first.name, "bob@example.com", "=HYPERLINK(1)"),
        await leave_lead(client, second.name, "cy@example.com"),
    ]
    await chat(client, first.name, OFF_TOPIC)  # no lead: not listed

    request = bot_pb2.ListLeadsRequest
    every = await client.bot.ListLeads(request(parent=me.workspace))
    assert [x.session for x in every.leads] == sessions and every.total_size == 3
    assert every.leads[0].lead == bot_pb2.Lead(
        email="ada@example.com", display_name="Ada", consent=True
    )
    assert every.leads[0].chatbot == first.name

    page = await client.bot.ListLeads(request(parent=me.workspace, page_size=2))
    rest = await client.bot.ListLeads(
        request(parent=me.workspace, page_size=2, page_token=page.next_page_token)
    )
    assert [x.session for x in (*page.leads, *rest.leads)] == sessions
    assert (page.total_size, rest.next_page_token) == (3, "")

    by_bot = await client.bot.ListLeads(
        request(parent=me.workspace, filter=bot_pb2.LeadFilter(chatbot=second.name))
    )
    assert [x.lead.email for x in by_bot.leads] == ["cy@example.com"] and by_bot.total_size == 1
    now = datetime.now(UTC)
    later = await client.bot.ListLeads(
        request(parent=me.workspace, filter=bot_pb2.LeadFilter(start_time=at(now)))
    )
    earlier = await client.bot.ListLeads(
        request(
            parent=me.workspace,
            filter=bot_pb2.LeadFilter(start_time=at(now - timedelta(hours=1)), end_time=at(now)),
        )
    )
    assert (later.total_size, earlier.total_size) == (0, 3)

    data = b"".join(
        [
            chunk.data
            async for chunk in client.bot.ExportLeads(
                bot_pb2.ExportLeadsRequest(parent=me.workspace)
            )
        ]
    )
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert [r["email"] for r in rows] == ["ada@example.com", "bob@example.com", "cy@example.com"]
    assert [r["session"] for r in rows] == sessions
    assert rows[1]["display_name"] == "'=HYPERLINK(1)"  # never run as a formula
    assert rows[0]["consent"] == "True" and rows[2]["chatbot"] == second.name
    only_second = b"".join(
        [
            chunk.data
            async for chunk in client.bot.ExportLeads(
                bot_pb2.ExportLeadsRequest(
                    parent=me.workspace, filter=bot_pb2.LeadFilter(chatbot=second.name)
                )
            )
        ]
    )
    assert [r["email"] for r in csv.DictReader(io.StringIO(only_second.decode()))] == [
        "cy@example.com"
    ]


async def test_leads_refuse_bad_input_strangers_and_other_tenants(client, client_factory):
    me = await sign_up(client, "leads-owner")
    bot = await leads_bot(client, me.workspace)
    await leave_lead(client, bot.name, "dee@example.com")
    request = bot_pb2.ListLeadsRequest

    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"parent"}):
        await client.bot.ListLeads(request())
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"filter.chatbot"}):
        await client.bot.ListLeads(
            request(parent=me.workspace, filter=bot_pb2.LeadFilter(chatbot="chatbots/x"))
        )
    now = datetime.now(UTC)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"filter.end_time"}):
        await client.bot.ListLeads(
            request(
                parent=me.workspace,
                filter=bot_pb2.LeadFilter(start_time=at(now), end_time=at(now)),
            )
        )
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await client_factory().bot.ListLeads(request(parent=me.workspace))
    key = await client.auth.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(
            parent=me.workspace,
            api_key=auth_pb2.ApiKey(display_name="no leads", permissions=["workspace.read"]),
        )
    )
    async with raises(grpc.StatusCode.PERMISSION_DENIED):
        await client_factory(api_key=key.key).bot.ListLeads(request(parent=me.workspace))

    # A member of the organization outside the workspace: NOT_FOUND (the authz matrix
    # covers the roles); another tenant: NOT_FOUND, its chatbot as a filter too.
    member = client_factory()
    await join(client, member, me.organization, common_pb2.ORGANIZATION_ROLE_MEMBER)
    async with raises(grpc.StatusCode.NOT_FOUND):
        await member.bot.ListLeads(request(parent=me.workspace))
    other = client_factory()
    theirs = await sign_up(other, "leads-other")
    async with raises(grpc.StatusCode.NOT_FOUND):
        await other.bot.ListLeads(request(parent=me.workspace))
    async with raises(grpc.StatusCode.NOT_FOUND):
        await other.bot.ListLeads(
            request(parent=theirs.workspace, filter=bot_pb2.LeadFilter(chatbot=bot.name))
        )
    async with raises(grpc.StatusCode.NOT_FOUND):
        async for _ in other.bot.ExportLeads(bot_pb2.ExportLeadsRequest(parent=me.workspace)):
            pass


async def test_one_lead_is_read_corrected_and_erased(client_factory):
    owner, viewer, stranger, anonymous = (client_factory() for _ in range(4))
    me = await sign_up(owner, "leads")
    await join(
        owner,
        viewer,
        me.organization,
        common_pb2.ORGANIZATION_ROLE_MEMBER,
        [(me.workspace, common_pb2.WORKSPACE_ROLE_VIEWER)],
    )
    bot = await leads_bot(owner, me.workspace)
    session = await leave_lead(owner, bot.name, "ada@example.com", "Ada")
    name = session + "/lead"
    lead = await owner.bot.GetLead(bot_pb2.GetLeadRequest(name=name))
    assert (lead.name, lead.session, lead.chatbot) == (name, session, bot.name)
    assert lead.lead == bot_pb2.Lead(email="ada@example.com", display_name="Ada", consent=True)
    assert (await viewer.bot.GetLead(bot_pb2.GetLeadRequest(name=name))) == lead

    def update(paths, **fields):
        return bot_pb2.UpdateLeadRequest(
            name=name, lead=bot_pb2.Lead(**fields), update_mask={"paths": paths}
        )

    fixed = await owner.bot.UpdateLead(
        update(["email", "consent"], email="  Ada.L@Example.COM ", consent=False)
    )
    assert fixed.lead == bot_pb2.Lead(email="ada.l@example.com", display_name="Ada", consent=False)
    listed = await owner.bot.ListLeads(bot_pb2.ListLeadsRequest(parent=me.workspace))
    assert [x.lead.email for x in listed.leads] == ["ada.l@example.com"]

    for request, field in (
        (update(["email", "display_name"], email=""), "lead.email"),  # nothing would be left
        (update(["email"], email="not an email"), "lead.email"),
        (update(["session"]), "update_mask"),
    ):
        async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={field}):
            await owner.bot.UpdateLead(request)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"name"}):
        await owner.bot.GetLead(bot_pb2.GetLeadRequest(name=session))  # a session, not its lead
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
        await viewer.bot.UpdateLead(update(["display_name"], display_name="X"))
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
        await viewer.bot.DeleteLead(bot_pb2.DeleteLeadRequest(name=name))
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await anonymous.bot.GetLead(bot_pb2.GetLeadRequest(name=name))
    await sign_up(stranger, "stranger")
    for call in (
        stranger.bot.GetLead(bot_pb2.GetLeadRequest(name=name)),
        stranger.bot.UpdateLead(update(["display_name"], display_name="X")),
        stranger.bot.DeleteLead(bot_pb2.DeleteLeadRequest(name=name)),
    ):
        async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
            await call

    await owner.bot.DeleteLead(bot_pb2.DeleteLeadRequest(name=name))
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await owner.bot.GetLead(bot_pb2.GetLeadRequest(name=name))
    gone = await owner.bot.ListLeads(bot_pb2.ListLeadsRequest(parent=me.workspace))
    assert gone.total_size == 0
    kept = await owner.bot.GetChatSession(bot_pb2.GetChatSessionRequest(name=session))
    assert kept.message_count and not kept.HasField("lead")  # the conversation stays
    events = await owner.tenant.ListAuditEvents(
        tenant_pb2.ListAuditEventsRequest(parent=me.organization, resource=name)
    )
    assert [e.action for e in events.audit_events] == ["lead.delete", "lead.update"]


async def test_lead_stats_count_in_all_by_chatbot_and_by_day(client, client_factory):
    me = await sign_up(client, "lead-stats")
    first, second = await leads_bot(client, me.workspace), await leads_bot(client, me.workspace)
    await leave_lead(client, first.name, "ada@example.com")
    await leave_lead(client, first.name, "bob@example.com", consent=False)
    await leave_lead(client, second.name, "cy@example.com")
    await chat(client, first.name, OFF_TOPIC)  # no lead: not counted
    stats_of = bot_pb2.GetLeadStatsRequest

    stats = await client.bot.GetLeadStats(stats_of(parent=me.workspace))
    assert (stats.total, stats.with_consent) == (3, 2)
    assert [(c.chatbot, c.leads) for c in stats.by_chatbot] == [(first.name, 2), (second.name, 1)]
    assert [(d.day, d.leads) for d in stats.by_day] == [(datetime.now(UTC).date().isoformat(), 3)]
    only = await client.bot.GetLeadStats(
        stats_of(parent=me.workspace, filter=bot_pb2.LeadFilter(chatbot=second.name))
    )
    assert (only.total, only.with_consent, len(only.by_chatbot)) == (1, 1, 1)
    later = bot_pb2.LeadFilter(start_time=at(datetime.now(UTC) + timedelta(hours=1)))
    none = await client.bot.GetLeadStats(stats_of(parent=me.workspace, filter=later))
    assert (none.total, list(none.by_chatbot), list(none.by_day)) == (0, [], [])

    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"parent"}):
        await client.bot.GetLeadStats(stats_of())
    backwards = bot_pb2.LeadFilter(
        start_time=at(datetime.now(UTC)), end_time=at(datetime.now(UTC) - timedelta(days=1))
    )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"filter.end_time"}):
        await client.bot.GetLeadStats(stats_of(parent=me.workspace, filter=backwards))
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await client_factory().bot.GetLeadStats(stats_of(parent=me.workspace))
    other = client_factory()
    theirs = await sign_up(other, "lead-stats-other")
    their_bot = await leads_bot(other, theirs.workspace)
    async with raises(grpc.StatusCode.NOT_FOUND):
        await other.bot.GetLeadStats(stats_of(parent=me.workspace))
    async with raises(grpc.StatusCode.NOT_FOUND):  # their chatbot as my filter
        await client.bot.GetLeadStats(
            stats_of(parent=me.workspace, filter=bot_pb2.LeadFilter(chatbot=their_bot.name))
        )
