"""Envelope encryption for channel credentials.

Each workspace has a random 256-bit data key, stored only wrapped (AES-GCM) by a key
encryption key derived from ``CHANNEL_SECRETS_KEY``; credentials are sealed with the data
key. Rotating the settings key rewraps the data keys, not every credential. The associated
data binds a wrapped key to its workspace and a sealed credential to its channel, so a
ciphertext copied to another row does not open."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE = 12


def _seal(key: bytes, plaintext: bytes, aad: str) -> str:
    nonce = os.urandom(_NONCE)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext, aad.encode())).decode()


def _open(key: bytes, sealed: str, aad: str) -> bytes:
    raw = base64.b64decode(sealed)
    return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], aad.encode())


class Envelope:
    """Wraps data keys under the settings key; seals and opens values under a data key."""

    def __init__(self, master_key: str) -> None:
        self._kek = hashlib.sha256(b"channel-credentials:" + master_key.encode()).digest()

    def new_data_key(self, workspace_id: str) -> tuple[bytes, str]:
        """A fresh data key and its wrapped form (what is stored)."""
        key = AESGCM.generate_key(bit_length=256)
        return key, _seal(self._kek, key, "workspace:" + workspace_id)

    def unwrap(self, workspace_id: str, wrapped: str) -> bytes:
        return _open(self._kek, wrapped, "workspace:" + workspace_id)

    @staticmethod
    def seal(data_key: bytes, channel_id: str, value: str) -> str:
        return _seal(data_key, value.encode(), "channel:" + channel_id)

    @staticmethod
    def open(data_key: bytes, channel_id: str, sealed: str) -> str:
        return _open(data_key, sealed, "channel:" + channel_id).decode()
