"""Inbound messages read from each platform's documented shapes (bots' own messages, edits
and status updates carry none), and replies sent through each platform's send API at the
local platform server: the request shapes, a long reply split into several messages, a
429 waited out as the platform asks, any other refusal given up at once, a reply shown
while written (sent, then edited at most once a second) where the platform edits."""

from __future__ import annotations

import pytest
from platform_apis import PlatformApis

from privexbot.channels.compose import compose
from privexbot.channels.messages import incoming
from privexbot.channels.outbound import MAX_ATTEMPTS, Outbound, Reply
from privexbot.kernel.errors import Unavailable


def test_telegram_update_and_what_is_not_a_question():
    update = {
        "update_id": 5,
        "message": {"message_id": 9, "from": {"id": 2}, "chat": {"id": -100}, "text": " hi "},
    }
    (m,) = incoming("telegram", update)
    assert (m.event_id, m.visitor, m.text) == ("5", "telegram:-100:2", "hi")
    assert m.to == {"chat_id": -100, "message_id": 9}
    from_bot = {**update, "message": {**update["message"], "from": {"id": 3, "is_bot": True}}}
    sticker = {"update_id": 6, "message": {"chat": {"id": 1}, "sticker": {}}}
    edited = {"update_id": 7, "edited_message": update["message"]}
    for event in (from_bot, sticker, edited, {"message": "x"}):
        assert incoming("telegram", event) == []


def test_slack_mentions_and_direct_messages_only():
    def envelope(**event):
        return {"type": "event_callback", "event_id": "Ev1", "event": event}

    (m,) = incoming("slack", envelope(type="app_mention", user="U1", channel="C1",
                                      text="<@UBOT> when?", thread_ts="1.2"))  # fmt: skip
    assert (m.visitor, m.text, m.to) == (
        "slack:C1:U1",
        "when?",
        {"channel": "C1", "thread_ts": "1.2"},
    )
    (dm,) = incoming("slack", envelope(type="message", channel_type="im", user="U1",
                                       channel="D1", text="hello"))  # fmt: skip
    assert dm.to["channel"] == "D1" and dm.event_id == "Ev1"
    for event in (
        envelope(type="message", channel_type="channel", user="U1", channel="C1", text="x"),
        envelope(type="message", channel_type="im", bot_id="B1", channel="D1", text="echo"),
        envelope(type="message", channel_type="im", subtype="message_changed", channel="D1"),
        envelope(type="app_mention", user="U1", channel="C1", text="<@UBOT>"),
    ):
        assert incoming("slack", event) == []


def test_discord_command_option_is_the_question():
    interaction = {
        "type": 2, "id": "I1", "application_id": "A1", "token": "tok", "channel_id": "C1",
        "user": {"id": "U1"}, "data": {"options": [{"name": "question", "value": "why?"}]},
    }  # fmt: skip
    (m,) = incoming("discord", interaction)
    assert (m.event_id, m.visitor, m.text) == ("I1", "discord:C1:U1", "why?")
    assert m.to == {"application_id": "A1", "token": "tok"}
    assert incoming("discord", {**interaction, "data": {"name": "ask"}}) == []
    assert incoming("discord", {"type": 1}) == []


def test_whatsapp_text_messages_each_with_its_id():
    def message(i, kind="text"):
        return {"from": "155", "id": f"wamid.{i}", "type": kind, "text": {"body": f"q{i}"}}

    value = {"messages": [message(1), message(2, "image")], "statuses": [{"id": "s"}]}
    notification = {"entry": [{"changes": [{"value": value}, {"value": {"statuses": []}}]}]}
    (m,) = incoming("whatsapp", notification)
    assert (m.event_id, m.visitor, m.text, m.to) == (
        "wamid.1",
        "whatsapp:155:155",
        "q1",
        {"to": "155"},
    )


@pytest.fixture
async def apis():
    apis = PlatformApis()
    await apis.start()
    yield apis
    await apis.stop()


def outbound(apis: PlatformApis, waits: list[float]) -> Outbound:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    bases = {p: apis.base(p) for p in ("telegram", "slack", "discord", "whatsapp")}
    return Outbound(bases, sleep=sleep)


async def test_each_platform_send_api_and_a_long_reply_split(apis):
    waits: list[float] = []
    send = outbound(apis, waits).send
    long = compose("discord", ("word " * 500).strip(), [("handbook.md", "")])
    assert len(long) == 2 and all(len(piece) <= 2000 for piece in long)
    await send("discord", {}, {"application_id": "A1", "token": "itok"}, long)
    first, second = apis.to("itok")
    assert (first.method, first.target, second.method) == ("editOriginal", "A1", "followup")
    assert second.payload["content"].endswith("[1] handbook.md")

    await send("telegram", {"bot_token": "1:t"}, {"chat_id": 5, "message_id": 2}, ["a", "b"])
    one, two = apis.to("1:t")
    assert one.payload == {"chat_id": 5, "text": "a", "reply_parameters": {"message_id": 2}}
    assert two.payload == {"chat_id": 5, "text": "b"}  # only the first replies to the question

    await send("slack", {"bot_token": "xoxb-s"}, {"channel": "C1", "thread_ts": "1.2"}, ["a"])
    (slack,) = apis.to("xoxb-s")
    assert slack.payload == {"channel": "C1", "text": "a", "mrkdwn": True, "thread_ts": "1.2"}

    await send("whatsapp", {"bot_token": "EA", "account_id": "10"}, {"to": "155"}, ["a"])
    (whatsapp,) = apis.to("EA")
    assert whatsapp.target == "10" and whatsapp.payload["text"]["body"] == "a"
    assert whatsapp.payload["messaging_product"] == "whatsapp" and whatsapp.payload["to"] == "155"
    assert waits == []


async def test_a_429_is_waited_out_as_asked_and_a_refusal_given_up(apis):
    waits: list[float] = []
    send = outbound(apis, waits).send
    await send("telegram", {"bot_token": "1:throttled"}, {"chat_id": 5}, ["a"])
    await send("slack", {"bot_token": "xoxb-throttled"}, {"channel": "C1"}, ["a"])
    await send("discord", {}, {"application_id": "A", "token": "throttled-i"}, ["a"])
    # Telegram's parameters.retry_after (1); Slack's Retry-After (1); Discord's body (0.5).
    assert waits == [1.0, 1.0, 0.5]
    assert [len(apis.to(t)) for t in ("1:throttled", "xoxb-throttled", "throttled-i")] == [2] * 3
    with pytest.raises(Unavailable) as refused:  # Telegram's answer to a revoked token
        await send("telegram", {"bot_token": "1:revoked"}, {"chat_id": 5}, ["a", "b"])
    assert refused.value.reason == "PLATFORM_REFUSED" and len(apis.to("1:revoked")) == 1


async def test_an_unreachable_platform_is_retried_with_backoff_then_given_up():
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    gone = Outbound({"slack": "http://127.0.0.1:9"}, timeout=2, sleep=sleep)  # nothing listens
    with pytest.raises(Unavailable) as given_up:
        await gone.send("slack", {"bot_token": "x"}, {"channel": "C"}, ["a"])
    assert given_up.value.reason == "PLATFORM_UNAVAILABLE"
    assert waits == [0.5 * 2**i for i in range(MAX_ATTEMPTS - 1)]


async def test_a_reply_is_shown_while_written_at_a_bounded_pace(apis):
    now = [0.0]
    sent = outbound(apis, [])
    telegram = Reply(sent, "telegram", {"bot_token": "1:s"}, {"chat_id": 5}, clock=lambda: now[0])
    for at, text in ((0.5, "Hel"), (1.1, "Hello"), (1.9, "Hello, w"), (2.2, "Hello, world")):
        now[0] = at
        await telegram.show(text)
    await telegram.finish(["Hello, world.", "Sources: [1] a.md"])
    calls = [(c.method, c.payload.get("message_id"), c.payload["text"]) for c in apis.to("1:s")]
    assert calls == [
        ("sendMessage", None, "Hello …"),  # shown once the reply took a second
        ("editMessageText", 1, "Hello, world …"),  # a second later: one edit
        ("editMessageText", 1, "Hello, world."),  # the whole first piece in place
        ("sendMessage", None, "Sources: [1] a.md"),
    ]
    quick = Reply(sent, "telegram", {"bot_token": "1:q"}, {"chat_id": 5}, clock=lambda: now[0])
    await quick.show("Hi")  # a reply written within a second is sent whole, once
    await quick.finish(["Hi!"])
    assert [(c.method, c.payload["text"]) for c in apis.to("1:q")] == [("sendMessage", "Hi!")]
    now[0] = 10.0
    slack = Reply(sent, "slack", {"bot_token": "xoxb-e"}, {"channel": "C"}, clock=lambda: now[0])
    now[0] = 11.0
    await slack.show("Hi & bye")
    await slack.finish(["Hi &amp; bye!"])
    posted, updated = apis.to("xoxb-e")
    assert (posted.method, posted.payload["text"]) == ("chat.postMessage", "Hi &amp; bye …")
    assert (
        updated.method == "chat.update"
        and updated.payload["ts"]
        and updated.payload["text"] == "Hi &amp; bye!"
    )
    whatsapp = Reply(sent, "whatsapp", {"bot_token": "EW", "account_id": "1"}, {"to": "9"})
    await whatsapp.show("Hel")  # no edits on WhatsApp: nothing until the whole reply
    assert apis.to("EW") == []
    await whatsapp.finish(["Hello"])
    assert [c.payload["text"]["body"] for c in apis.to("EW")] == ["Hello"]
