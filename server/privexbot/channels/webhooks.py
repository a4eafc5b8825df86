"""Proof that an inbound webhook call came from the platform, one function per platform,
each over the raw body bytes as received. A failed check raises ``Unauthenticated``
(HTTP 401) and says only which check failed; nothing here logs a secret or a body."""

from __future__ import annotations

import hashlib
import hmac
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from privexbot.kernel.errors import Unauthenticated

# Slack refuses requests older than five minutes; Discord signs its timestamp too, so the
# same window refuses a replayed interaction.
MAX_SKEW_SECONDS = 300


def _bad(reason: str, message: str) -> Unauthenticated:
    return Unauthenticated(reason, message)


def _fresh(timestamp: str, now: float | None) -> None:
    try:
        sent = int(timestamp)
    except ValueError:
        raise _bad("BAD_TIMESTAMP", "the request timestamp is not a number") from None
    if abs((time.time() if now is None else now) - sent) > MAX_SKEW_SECONDS:
        raise _bad("STALE_TIMESTAMP", "the request timestamp is outside the 5-minute window")


def telegram(secret: str, header: str | None) -> None:
    """``X-Telegram-Bot-Api-Secret-Token`` equals the secret given to setWebhook."""
    if not header or not hmac.compare_digest(header.encode(), secret.encode()):
        raise _bad("BAD_SIGNATURE", "the Telegram secret token does not match")


def discord(
    public_key_hex: str,
    signature_hex: str | None,
    timestamp: str | None,
    body: bytes,
    now: float | None = None,
) -> None:
    """``X-Signature-Ed25519`` over ``X-Signature-Timestamp`` + body, by the application's
    public key; the timestamp within the window."""
    if not signature_hex or not timestamp:
        raise _bad("BAD_SIGNATURE", "the Discord signature headers are missing")
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        key.verify(bytes.fromhex(signature_hex), timestamp.encode() + body)
    except (ValueError, InvalidSignature):
        raise _bad("BAD_SIGNATURE", "the Discord signature does not verify") from None
    _fresh(timestamp, now)


def slack(
    signing_secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float | None = None,
) -> None:
    """``X-Slack-Signature`` = ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``; the
    ``X-Slack-Request-Timestamp`` within five minutes."""
    if not timestamp or not signature:
        raise _bad("BAD_SIGNATURE", "the Slack signature headers are missing")
    _fresh(timestamp, now)
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise _bad("BAD_SIGNATURE", "the Slack signature does not match")


def whatsapp(app_secret: str, header: str | None, body: bytes) -> None:
    """``X-Hub-Signature-256`` = ``sha256=`` HMAC-SHA256 of the raw body by the app secret."""
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    if not header or not hmac.compare_digest(expected.encode(), header.encode()):
        raise _bad("BAD_SIGNATURE", "the WhatsApp signature does not match")


def whatsapp_handshake(verify_token: str, mode: str | None, token: str | None, challenge: str):
    """The GET subscription check: echo ``hub.challenge`` when ``hub.mode`` is subscribe
    and ``hub.verify_token`` is the connection's verify token."""
    if (
        mode != "subscribe"
        or not token
        or not hmac.compare_digest(token.encode(), verify_token.encode())
    ):
        raise _bad("BAD_VERIFY_TOKEN", "the WhatsApp verify token does not match")
    return challenge
