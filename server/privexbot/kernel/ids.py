"""Identifiers: time-ordered, URL-safe, unguessable. Secrets: random, stored only as hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase


_last = 0
_lock = threading.Lock()


def new_id() -> str:
    """26 characters: 48-bit millisecond time + 80 random bits, so ids sort by creation. In
    one process they sort strictly even within a millisecond (a question and its answer
    stored together): a later id is the last one plus a random step, when time alone would
    not order them."""
    global _last
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    with _lock:
        if value <= _last:
            value = _last + 1 + int.from_bytes(os.urandom(4), "big")
        _last = value
    return "".join(_ALPHABET[(value >> shift) & 31] for shift in range(125, -1, -5))


def new_secret(nbytes: int = 32) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).rstrip(b"=").decode()


def hash_secret(secret: str) -> str:
    """SHA-256 is right for high-entropy random secrets (tokens, keys); passwords use argon2."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# Key schemes: the text before a key's first "_" says what kind of key it is.
API_KEY_SCHEME = "pxb"
PUBLISHABLE_KEY_SCHEME = "pxbpk"


def new_key(scheme: str) -> tuple[str, str, str]:
    """A ``<scheme>_<prefix>_<secret>`` key: (the key, its visible prefix, the hash to store).
    The prefix finds the row and lets people recognise their keys; only the secret's hash
    is kept."""
    prefix, secret = secrets.token_hex(6), new_secret()
    return f"{scheme}_{prefix}_{secret}", prefix, hash_secret(secret)


def split_key(key: str, scheme: str) -> tuple[str, str]:
    """(prefix, secret) of a ``<scheme>_<prefix>_<secret>`` key; ("", "") if it is not one."""
    given_scheme, _, rest = key.partition("_")
    prefix, _, secret = rest.partition("_")
    if given_scheme != scheme or not prefix or not secret or len(key) > 128:
        return "", ""
    return prefix, secret
