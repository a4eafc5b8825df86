"""Channel credentials' envelope, webhook signature checks with real crypto, and reply
composition per platform."""

import hashlib
import hmac
import time

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from privexbot.channels import compose, webhooks
from privexbot.channels.envelope import Envelope
from privexbot.kernel.errors import Unauthenticated


def test_envelope_round_trip_and_binding():
    env = Envelope("k" * 40)
    key, wrapped = env.new_data_key("ws1")
    assert key not in wrapped.encode() and env.unwrap("ws1", wrapped) == key
    sealed = env.seal(key, "ch1", "bot-token-123")
    assert "bot-token-123" not in sealed and env.open(key, "ch1", sealed) == "bot-token-123"
    with pytest.raises(InvalidTag):  # a wrapped key moved to another workspace
        env.unwrap("ws2", wrapped)
    with pytest.raises(InvalidTag):  # a credential moved to another channel
        env.open(key, "ch2", sealed)
    with pytest.raises(InvalidTag):  # another settings key
        Envelope("j" * 40).unwrap("ws1", wrapped)


def _refused(reason, fn, *args, **kwargs):
    with pytest.raises(Unauthenticated) as caught:
        fn(*args, **kwargs)
    assert caught.value.reason == reason


def test_telegram_secret_token():
    webhooks.telegram("s3cret", "s3cret")
    _refused("BAD_SIGNATURE", webhooks.telegram, "s3cret", "s3creT")
    _refused("BAD_SIGNATURE", webhooks.telegram, "s3cret", None)


def test_discord_ed25519():
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    body, ts = b'{"type":1}', str(int(time.time()))
    sig = private.sign(ts.encode() + body).hex()
    webhooks.discord(public, sig, ts, body)
    _refused("BAD_SIGNATURE", webhooks.discord, public, sig, ts, body + b" ")
    _refused("BAD_SIGNATURE", webhooks.discord, public, sig, str(int(ts) + 1), body)
    _refused("BAD_SIGNATURE", webhooks.discord, public, "zz", ts, body)
    _refused("BAD_SIGNATURE", webhooks.discord, public, None, ts, body)
    other = Ed25519PrivateKey.generate().sign(ts.encode() + body).hex()
    _refused("BAD_SIGNATURE", webhooks.discord, public, other, ts, body)
    old = str(int(time.time()) - 301)  # a genuine but replayed interaction
    _refused(
        "STALE_TIMESTAMP", webhooks.discord, public, private.sign(old.encode() + body).hex(),
        old, body,
    )  # fmt: skip


def _slack_sig(secret, ts, body):
    return "v0=" + hmac.new(secret, b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()


def test_slack_v0_and_window():
    body, now = b'{"type":"event_callback"}', 1_700_000_000
    ts = str(now - 299)
    webhooks.slack("sign", ts, _slack_sig(b"sign", ts, body), body, now=now)
    _refused("BAD_SIGNATURE", webhooks.slack, "sign", ts, _slack_sig(b"x", ts, body), body, now=now)
    _refused(
        "BAD_SIGNATURE", webhooks.slack, "sign", ts, _slack_sig(b"sign", ts, body), body + b"\n",
        now=now,
    )  # fmt: skip
    stale = str(now - 301)
    _refused(
        "STALE_TIMESTAMP", webhooks.slack, "sign", stale, _slack_sig(b"sign", stale, body), body,
        now=now,
    )  # fmt: skip
    _refused("BAD_TIMESTAMP", webhooks.slack, "sign", "abc", "v0=00", body, now=now)
    _refused("BAD_SIGNATURE", webhooks.slack, "sign", None, None, body, now=now)


def test_whatsapp_signature_and_handshake():
    body = '{"entry":[{"text":"héllo"}]}'.encode()
    good = "sha256=" + hmac.new(b"app", body, hashlib.sha256).hexdigest()
    webhooks.whatsapp("app", good, body)
    _refused("BAD_SIGNATURE", webhooks.whatsapp, "app", good, body.replace(b"h", b"H"))
    _refused("BAD_SIGNATURE", webhooks.whatsapp, "app", None, body)
    assert webhooks.whatsapp_handshake("vt", "subscribe", "vt", "123") == "123"
    _refused("BAD_VERIFY_TOKEN", webhooks.whatsapp_handshake, "vt", "subscribe", "vx", "1")
    _refused("BAD_VERIFY_TOKEN", webhooks.whatsapp_handshake, "vt", "unsubscribe", "vt", "1")


def test_compose_flavours_and_sources():
    text = "See **this** in [the guide](https://x.io/g) & <more>."
    assert compose.compose("discord", text) == [text]
    assert compose.compose("telegram", text) == ["See this in the guide (https://x.io/g) & <more>."]
    assert compose.compose("whatsapp", text) == [
        "See *this* in the guide (https://x.io/g) & <more>."
    ]
    assert compose.compose("slack", text) == [
        "See *this* in <https://x.io/g|the guide> &amp; &lt;more&gt;."
    ]
    (message,) = compose.compose("slack", "Yes.", [("Guide", "https://x.io/g"), ("Notes", "")])
    assert message == "Yes.\n\nSources:\n[1] <https://x.io/g|Guide>\n[2] Notes"


def test_split_at_limits():
    paragraphs = "\n\n".join(["word " * 300] * 3)  # 3 × 1,500 characters
    pieces = compose.compose("discord", paragraphs)
    assert all(len(p) <= 2000 for p in pieces) and len(pieces) == 3
    assert " ".join(" ".join(pieces).split()) == " ".join(paragraphs.split())
    long_word = "x" * 4500
    assert [len(p) for p in compose.compose("telegram", long_word)] == [4096, 404]
    assert compose.split("", 10) == []
