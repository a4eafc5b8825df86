"""Grounding modes through the real prompt path and the real enclave model: strict refuses
an off-topic question without asking the model; guided and flexible both ask it, with the
same context and question, and differ only in the instructions the model receives (the
enclave's own prompt token counts show it)."""

from __future__ import annotations

from helpers import sign_up
from test_bot import OFF_TOPIC, WIFI_QUESTION, chat, handbook_kb, kinds, new_bot, reply_text

from privexbot.bots import prompt
from privexbot.v1 import bot_pb2

MODES = {
    "strict": bot_pb2.GROUNDING_MODE_STRICT,
    "guided": bot_pb2.GROUNDING_MODE_GUIDED,
    "flexible": bot_pb2.GROUNDING_MODE_FLEXIBLE,
}


def prompt_tokens(events) -> int:
    return next(e for e in events if e.HasField("usage")).usage.prompt_tokens


async def test_each_grounding_mode_sends_the_model_what_it_promises(client):
    me = await sign_up(client, "grounding")
    kb = await handbook_kb(client, me.workspace)
    bots = {
        mode: await new_bot(client, me.workspace, kb, grounding_mode=value)
        for mode, value in MODES.items()
    }
    off_topic = {mode: await chat(client, bot.name, OFF_TOPIC) for mode, bot in bots.items()}

    # Strict: the refusal is the whole reply; the model was not asked (no usage).
    assert reply_text(off_topic["strict"]) == prompt.STRICT_REFUSAL
    assert "usage" not in kinds(off_topic["strict"])
    # Guided and flexible ask the model, with the (weakly related) context cited.
    for mode in ("guided", "flexible"):
        events = off_topic[mode]
        assert reply_text(events) and reply_text(events) != prompt.STRICT_REFUSAL, mode
        assert "citations" in kinds(events) and prompt_tokens(events) > 50, mode

    # The prompts differ by the instructions only: guided's (which asks the model to say
    # when it adds general knowledge) is longer by the same number of tokens whatever the
    # question and context.
    on_topic = {mode: await chat(client, bots[mode].name, WIFI_QUESTION) for mode in MODES}
    off_gap = prompt_tokens(off_topic["guided"]) - prompt_tokens(off_topic["flexible"])
    on_gap = prompt_tokens(on_topic["guided"]) - prompt_tokens(on_topic["flexible"])
    instruction_chars = len(prompt.INSTRUCTIONS["guided"]) - len(prompt.INSTRUCTIONS["flexible"])
    assert off_gap == on_gap and instruction_chars / 8 < off_gap < instruction_chars / 2, (
        off_gap,
        on_gap,
    )
    # On topic, every mode answers from the handbook, strict included.
    for mode, events in on_topic.items():
        assert reply_text(events) != prompt.STRICT_REFUSAL and "citations" in kinds(events), mode
