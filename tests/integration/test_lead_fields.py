"""Leads beyond an email: the chatbot's own lead fields (declared, required, checked),
leads without an email where the chatbot allows it, filters on email and field values
(ListLeads, GetLeadStats and ExportLeads alike), the JSON export, and a deleted chatbot
that keeps or deletes its leads."""

from __future__ import annotations

import csv
import io
import json

import grpc
from google.protobuf import field_mask_pb2
from helpers import raises, sign_up
from test_bot import OFF_TOPIC, STRICT, chat, new_bot

from privexbot.v1 import bot_pb2, tenant_pb2

FIELDS = [
    bot_pb2.LeadField(key="phone", label="Phone", required=True),
    bot_pb2.LeadField(key="company", label="Company"),
]
CAPTURE = bot_pb2.LeadCapture(
    mode=bot_pb2.LeadCapture.MODE_DURING_CHAT, fields=FIELDS, email_optional=True
)
Filter = bot_pb2.LeadFilter


async def fields_bot(client, workspace: str, capture=CAPTURE) -> bot_pb2.Chatbot:
    return await new_bot(client, workspace, grounding_mode=STRICT, lead_capture=capture)


async def leave(client, bot: str, **lead) -> str:
    events = await chat(client, bot, OFF_TOPIC, lead=bot_pb2.Lead(consent=True, **lead))
    return events[0].session_started.session


async def listed(client, workspace: str, **filter_fields) -> list[str]:
    reply = await client.bot.ListLeads(
        bot_pb2.ListLeadsRequest(parent=workspace, filter=Filter(**filter_fields))
    )
    assert reply.total_size == len(reply.leads)
    return [x.session for x in reply.leads]


async def exported(client, workspace: str, form, **filter_fields) -> bytes:
    request = bot_pb2.ExportLeadsRequest(
        parent=workspace, filter=Filter(**filter_fields), format=form
    )
    return b"".join([c.data async for c in client.bot.ExportLeads(request)])


async def test_lead_fields_are_kept_checked_filtered_and_exported(client):
    me = await sign_up(client, "leadfields")
    bot = await fields_bot(client, me.workspace)
    assert list(bot.config.lead_capture.fields) == FIELDS
    ada = await leave(
        client, bot.name, email="ada@example.com", fields={"phone": " +44 1 ", "company": "ACME"}
    )
    bob = await leave(client, bot.name, display_name="Bob", fields={"phone": "+1 2"})  # no email

    record = await client.bot.GetLead(bot_pb2.GetLeadRequest(name=ada + "/lead"))
    assert dict(record.lead.fields) == {"phone": "+44 1", "company": "ACME"}  # trimmed
    session = await client.bot.GetChatSession(bot_pb2.GetChatSessionRequest(name=bob))
    assert session.lead == bot_pb2.Lead(display_name="Bob", consent=True, fields={"phone": "+1 2"})

    with_email = Filter.EMAIL_PRESENCE_WITH_EMAIL
    without = Filter.EMAIL_PRESENCE_WITHOUT_EMAIL
    match = bot_pb2.FieldMatch
    assert await listed(client, me.workspace) == [ada, bob]
    assert await listed(client, me.workspace, email=with_email) == [ada]
    assert await listed(client, me.workspace, email=without) == [bob]
    assert await listed(client, me.workspace, fields=[match(key="company")]) == [ada]
    assert await listed(client, me.workspace, fields=[match(key="phone", value="+1 2")]) == [bob]
    both = [match(key="phone"), match(key="company", value="ACME")]
    assert await listed(client, me.workspace, fields=both) == [ada]
    assert await listed(client, me.workspace, fields=[match(key="company", value="acme")]) == []
    stats = await client.bot.GetLeadStats(
        bot_pb2.GetLeadStatsRequest(parent=me.workspace, filter=Filter(email=without))
    )
    assert (stats.total, stats.with_consent) == (1, 1)

    data = await exported(client, me.workspace, bot_pb2.ExportLeadsRequest.FORMAT_CSV)
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert [(r["email"], r["display_name"]) for r in rows] == [
        ("ada@example.com", ""),
        ("", "Bob"),
    ]
    assert [json.loads(r["fields"]) for r in rows] == [
        {"phone": "+44 1", "company": "ACME"},
        {"phone": "+1 2"},
    ]
    as_json = json.loads(await exported(client, me.workspace, 2))
    assert [x["session"] for x in as_json] == [ada, bob]
    assert as_json[0]["lead"] == {
        "email": "ada@example.com",
        "displayName": "",
        "consent": True,
        "fields": {"phone": "+44 1", "company": "ACME"},
    }
    assert as_json[0]["name"] == ada + "/lead" and as_json[0]["createTime"].endswith("Z")
    assert (
        json.loads(await exported(client, me.workspace, 2, email=with_email))[0]["session"] == ada
    )
    assert (
        json.loads(
            await exported(client, me.workspace, 2, fields=[match(key="company", value="none")])
        )
        == []
    )

    # UpdateLead replaces the map; the email may go while a name or a field stays.
    fixed = await client.bot.UpdateLead(
        bot_pb2.UpdateLeadRequest(
            name=ada + "/lead",
            lead=bot_pb2.Lead(fields={"phone": "+44 9"}),
            update_mask=field_mask_pb2.FieldMask(paths=["fields", "email"]),
        )
    )
    assert (fixed.lead.email, dict(fixed.lead.fields)) == ("", {"phone": "+44 9"})
    assert await listed(client, me.workspace, email=with_email) == []


async def test_lead_fields_refuse_bad_input(client):
    me = await sign_up(client, "leadfields-bad")
    bot = await fields_bot(client, me.workspace)
    strict = await fields_bot(
        client, me.workspace, bot_pb2.LeadCapture(mode=bot_pb2.LeadCapture.MODE_DURING_CHAT)
    )
    for target, lead, field in (
        (bot.name, {"email": "a@example.com"}, "lead.fields['phone']"),  # required
        (bot.name, {"fields": {"phone": "1", "fax": "2"}}, "lead.fields['fax']"),  # undeclared
        (bot.name, {"fields": {"phone": "x" * 501}}, "lead.fields['phone']"),  # too long
        (strict.name, {"display_name": "No email"}, "lead.email"),  # email not optional
    ):
        async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={field}):
            await chat(client, target, OFF_TOPIC, lead=bot_pb2.Lead(**lead))
    too_many = bot_pb2.LeadCapture(fields=[bot_pb2.LeadField(key=f"k{i}") for i in range(11)])
    repeated = bot_pb2.LeadCapture(fields=[bot_pb2.LeadField(key="a"), bot_pb2.LeadField(key="a")])
    for capture, field in (
        (bot_pb2.LeadCapture(fields=[bot_pb2.LeadField(key="Phone")]), "fields[0].key"),
        (bot_pb2.LeadCapture(fields=[bot_pb2.LeadField(label="no key")]), "fields[0].key"),
        (too_many, "fields"),
        (repeated, "fields[1].key"),
    ):
        async with raises(
            grpc.StatusCode.INVALID_ARGUMENT, fields={f"chatbot_draft.config.lead_capture.{field}"}
        ):
            await client.bot.CreateChatbotDraft(
                bot_pb2.CreateChatbotDraftRequest(
                    parent=me.workspace,
                    chatbot_draft=bot_pb2.ChatbotDraft(
                        config=bot_pb2.ChatbotConfig(display_name="x", lead_capture=capture)
                    ),
                )
            )
    for bad, field in (
        (Filter(fields=[bot_pb2.FieldMatch(key="Bad-Key")]), "filter.fields[0].key"),
        (Filter(fields=[bot_pb2.FieldMatch(value="x")]), "filter.fields[0].key"),
        (Filter(fields=[bot_pb2.FieldMatch(key="a")] * 6), "filter.fields"),
        (Filter(email=7), "filter.email"),
    ):
        async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={field}):
            await client.bot.ListLeads(bot_pb2.ListLeadsRequest(parent=me.workspace, filter=bad))
    session = await leave(client, bot.name, email="a@example.com", fields={"phone": "1"})
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"lead.fields['Bad']"}):
        await client.bot.UpdateLead(
            bot_pb2.UpdateLeadRequest(
                name=session + "/lead",
                lead=bot_pb2.Lead(fields={"Bad": "1"}),
                update_mask=field_mask_pb2.FieldMask(paths=["fields"]),
            )
        )


async def test_a_deleted_chatbot_keeps_or_deletes_its_leads(client, client_factory):
    me = await sign_up(client, "leadkeep")
    kept_bot = await fields_bot(client, me.workspace)
    dropped_bot = await fields_bot(client, me.workspace)
    kept = await leave(client, kept_bot.name, email="k@example.com", fields={"phone": "1"})
    await leave(client, dropped_bot.name, email="d@example.com", fields={"phone": "2"})
    other = client_factory()
    await sign_up(other, "leadkeep-other")
    async with raises(grpc.StatusCode.NOT_FOUND):
        await other.bot.DeleteChatbot(
            bot_pb2.DeleteChatbotRequest(name=kept_bot.name, keep_leads=True)
        )

    await client.bot.DeleteChatbot(
        bot_pb2.DeleteChatbotRequest(name=kept_bot.name, keep_leads=True)
    )
    await client.bot.DeleteChatbot(bot_pb2.DeleteChatbotRequest(name=dropped_bot.name))
    assert await listed(client, me.workspace) == [kept]  # under its old name
    assert await listed(client, me.workspace, chatbot=kept_bot.name) == [kept]
    assert await listed(client, me.workspace, chatbot=dropped_bot.name) == []
    record = await client.bot.GetLead(bot_pb2.GetLeadRequest(name=kept + "/lead"))
    assert (record.lead.email, record.chatbot) == ("k@example.com", kept_bot.name)
    async with raises(grpc.StatusCode.NOT_FOUND):  # the conversation went with the chatbot
        await client.bot.GetChatSession(bot_pb2.GetChatSessionRequest(name=kept))
    events = await client.tenant.ListAuditEvents(
        tenant_pb2.ListAuditEventsRequest(parent=me.organization, action="chatbot.delete")
    )
    details = {e.resource: dict(e.details) for e in events.audit_events}
    assert details == {
        kept_bot.name: {"leads": "kept"},
        dropped_bot.name: {"leads": "1 deleted"},
    }
    await client.bot.DeleteLead(bot_pb2.DeleteLeadRequest(name=kept + "/lead"))
    assert await listed(client, me.workspace) == []
