"""GetTokenUsage: the tokens the organization's completions used, by workspace, chatbot
and model, read from what the inference gateway recorded for real chats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from helpers import join, raises, sign_up
from sqlalchemy import update
from test_bot import chat, new_bot

from privexbot.store.models import Organization, TokenUsage
from privexbot.v1 import common_pb2, tenant_pb2


def usage_of(events):
    return next(e for e in events if e.HasField("usage")).usage


def at(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


async def test_two_chats_are_reported_by_chatbot_and_model(client, stack):
    me = await sign_up(client, "tokens")
    first, second = await new_bot(client, me.workspace), await new_bot(client, me.workspace)
    used = {
        first.name: usage_of(await chat(client, first.name, "Hello there")),
        second.name: usage_of(await chat(client, second.name, "Say something kind")),
    }
    name = f"{me.organization}/usage"
    report = await client.tenant.GetTokenUsage(tenant_pb2.GetTokenUsageRequest(name=name))
    rows = {r.source: r for r in report.rows}
    assert set(rows) == set(used)
    for bot, usage in used.items():
        row = rows[bot]
        assert (row.workspace, row.model, row.completions) == (
            me.workspace,
            stack.settings.inference_model,
            1,
        )
        assert (row.prompt_tokens, row.completion_tokens) == (
            usage.prompt_tokens,
            usage.completion_tokens,
        )
    # A period before the chats holds none of them.
    before = await client.tenant.GetTokenUsage(
        tenant_pb2.GetTokenUsageRequest(
            name=name, end_time=at(datetime.now(UTC) - timedelta(hours=1))
        )
    )
    assert list(before.rows) == []


async def test_token_usage_refuses_bad_input_strangers_and_other_tenants(client, client_factory):
    me = await sign_up(client, "tokens-owner")
    name = f"{me.organization}/usage"
    now = datetime.now(UTC)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"name"}):
        await client.tenant.GetTokenUsage(tenant_pb2.GetTokenUsageRequest())
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"end_time"}):
        await client.tenant.GetTokenUsage(
            tenant_pb2.GetTokenUsageRequest(name=name, start_time=at(now), end_time=at(now))
        )
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await client_factory().tenant.GetTokenUsage(tenant_pb2.GetTokenUsageRequest(name=name))
    member = client_factory()
    await join(client, member, me.organization, common_pb2.ORGANIZATION_ROLE_MEMBER)
    async with raises(grpc.StatusCode.PERMISSION_DENIED):
        await member.tenant.GetTokenUsage(tenant_pb2.GetTokenUsageRequest(name=name))
    other = client_factory()
    await sign_up(other, "tokens-other")
    async with raises(grpc.StatusCode.NOT_FOUND):
        await other.tenant.GetTokenUsage(tenant_pb2.GetTokenUsageRequest(name=name))


async def test_the_monthly_token_quota_is_enforced_before_generation(client, stack):
    me = await sign_up(client, "token-quota")
    bot = await new_bot(client, me.workspace)
    org_id, ws_id = me.organization.split("/")[1], me.workspace.split("/")[3]
    async with stack.running.platform.sessions() as session, session.begin():
        # The Free plan after its trial (200,000 tokens a month), all but used up.
        await session.execute(
            update(Organization).where(Organization.id == org_id).values(trial_ends_at=None)
        )
        session.add(
            TokenUsage(
                organization_id=org_id,
                workspace_id=ws_id,
                model="seed",
                prompt_tokens=199_000,
                completion_tokens=999,
            )
        )
    await chat(client, bot.name, "Hello")  # under the quota: this one goes over it
    usage = await client.tenant.GetUsage(
        tenant_pb2.GetUsageRequest(name=me.organization + "/usage")
    )
    assert usage.tokens_this_month.limit == 200_000
    assert usage.tokens_this_month.used > 200_000
    async with raises(grpc.StatusCode.RESOURCE_EXHAUSTED, "TOKEN_QUOTA_EXHAUSTED") as info:
        await chat(client, bot.name, "Hello again")
    assert info.details.metadata == {"limit": "tokens_per_month", "max": "200000", "plan": "free"}
    assert 0 < info.details.retry_delay_seconds <= 31 * 24 * 3600
