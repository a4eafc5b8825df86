"""Solana wallets: Sign-In With Solana text, Ed25519 over its raw UTF-8 bytes."""

from __future__ import annotations

import base64
import binascii

import base58
from nacl.exceptions import CryptoError
from nacl.signing import VerifyKey

from privexbot.identity.wallets.base import NETWORK_ID, Wallet
from privexbot.kernel.errors import InvalidArgument, Unauthenticated


def _public_key(value: str, field: str) -> bytes:
    """A Solana address is the base58 Ed25519 public key itself."""
    try:
        raw = base58.b58decode(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise InvalidArgument.field(field, "must be a base58 32-byte Ed25519 public key")
    return raw


def _signature(value: str) -> bytes:
    """Base58 is what wallets return. Padded base64 ends in '=', which base58 never contains,
    so it is accepted as well without any ambiguity."""
    try:
        if not isinstance(value, str):
            raw = b""
        elif value.endswith("="):
            raw = base64.b64decode(value, validate=True)
        else:
            raw = base58.b58decode(value)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 64:
        raise InvalidArgument.field("signature", "must be a 64-byte Ed25519 signature (base58)")
    return raw


def normalize_address(address: str) -> str:
    _public_key(address, "address")
    return address


def check_signature(message: str, address: str, signature: str, public_key: str | None) -> None:
    """The address is the key, so ``public_key`` is optional; if given it must agree."""
    if public_key is not None:
        _public_key(public_key, "public_key")
        if public_key != address:
            raise Unauthenticated("WALLET_ADDRESS_MISMATCH", "public_key is not the address")
    try:
        VerifyKey(_public_key(address, "address")).verify(
            message.encode("utf-8"), _signature(signature)
        )
    except CryptoError:
        raise Unauthenticated("WALLET_SIGNATURE_INVALID", "the signature is not valid") from None


WALLET = Wallet(
    account="Solana",
    chain_id=NETWORK_ID,  # "mainnet", "devnet", "solana:mainnet", ...
    normalize_address=normalize_address,
    check_signature=check_signature,
)
