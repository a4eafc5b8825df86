"""The messages a verified platform call carries, one ``Incoming`` each: its id (a replay
is processed once), the conversation it belongs to (the chat session's visitor), its text,
and where its reply goes. Anything else (a bot's own message, an edit, a status update, a
sticker) carries none."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MENTION = re.compile(r"<@[A-Z0-9]+>\s*")
MAX_TEXT = 4000  # a question longer than this is cut (the platforms allow up to 4,096)


@dataclass(frozen=True)
class Incoming:
    event_id: str  # the update, event, interaction or message id; '' when it has none
    visitor: str  # "{platform}:{conversation}:{user}": the session the channel keeps
    text: str
    to: dict = field(default_factory=dict)  # what the send API needs (outbound.py)


def _telegram(update: dict) -> list[Incoming]:
    message = update.get("message") or {}
    chat, sender, text = message.get("chat") or {}, message.get("from") or {}, message.get("text")
    if not isinstance(text, str) or "id" not in chat or sender.get("is_bot"):
        return []
    user = sender.get("id", chat["id"])
    to = {"chat_id": chat["id"], "message_id": message.get("message_id")}
    visitor = f"telegram:{chat['id']}:{user}"
    return [Incoming(str(update.get("update_id", "")), visitor, text, to)]


def _slack(envelope: dict) -> list[Incoming]:
    """``app_mention`` anywhere, ``message`` in a direct conversation only (a mention in a
    channel also arrives as a message there); never a bot's or an edited message."""
    event = envelope.get("event") or {}
    kind, text = event.get("type"), event.get("text")
    direct = kind == "message" and event.get("channel_type") == "im"
    if envelope.get("type") != "event_callback" or not (kind == "app_mention" or direct):
        return []
    if event.get("bot_id") or event.get("subtype") or not isinstance(text, str):
        return []
    to = {"channel": event.get("channel", ""), "thread_ts": event.get("thread_ts", "")}
    visitor = f"slack:{event.get('channel', '')}:{event.get('user', '')}"
    return [Incoming(str(envelope.get("event_id", "")), visitor, _MENTION.sub("", text), to)]


def _discord(interaction: dict) -> list[Incoming]:
    """An application command (type 2): its first string option is the question."""
    if interaction.get("type") != 2:
        return []
    options = (interaction.get("data") or {}).get("options") or []
    text = next((o["value"] for o in options if isinstance(o.get("value"), str)), "")
    if not text:
        return []
    user = ((interaction.get("member") or {}).get("user") or interaction.get("user") or {}).get(
        "id", ""
    )
    to = {"application_id": interaction.get("application_id", ""), "token": interaction["token"]}
    visitor = f"discord:{interaction.get('channel_id', '')}:{user}"
    return [Incoming(str(interaction.get("id", "")), visitor, text, to)]


def _whatsapp(notification: dict) -> list[Incoming]:
    found = []
    for entry in notification.get("entry") or []:
        for change in entry.get("changes") or []:
            for message in (change.get("value") or {}).get("messages") or []:
                body = (message.get("text") or {}).get("body")
                if message.get("type") == "text" and isinstance(body, str) and message.get("from"):
                    sender = message["from"]
                    found.append(
                        Incoming(
                            str(message.get("id", "")),
                            f"whatsapp:{sender}:{sender}",
                            body,
                            {"to": sender},
                        )
                    )
    return found


_PARSERS = {"telegram": _telegram, "slack": _slack, "discord": _discord, "whatsapp": _whatsapp}


def incoming(platform: str, event: dict) -> list[Incoming]:
    """The messages of one verified call; a shape the platform does not send carries none."""
    try:
        found = _PARSERS[platform](event)
    except (AttributeError, KeyError, TypeError):
        return []
    return [
        Incoming(m.event_id, m.visitor[:160], m.text.strip()[:MAX_TEXT], m.to)
        for m in found
        if m.text.strip()
    ]
