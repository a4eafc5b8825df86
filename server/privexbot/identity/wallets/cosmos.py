"""Cosmos wallets: Keplr ``signArbitrary`` (ADR-036) over our sign-in text.

The wallet does not sign the text itself but an amino sign doc wrapping it in a
``sign/MsgSignData``; secp256k1 over sha256 of that doc, returned as base64 r‖s together
with the base64 compressed public key (the address alone does not reveal the key).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from bech32 import bech32_decode, bech32_encode, convertbits
from coincurve import PublicKey

from privexbot.identity.wallets.base import NETWORK_ID, Wallet, split_low_s
from privexbot.kernel.errors import InvalidArgument, Unauthenticated


def ripemd160(data: bytes) -> bytes:
    """OpenSSL 3 hides RIPEMD-160 in its legacy provider, so hashlib may not offer it; fall
    back to pycryptodome, which eth-account already depends on (via eth-keyfile)."""
    try:
        return hashlib.new("ripemd160", data).digest()
    except ValueError:
        from Crypto.Hash import RIPEMD160

        return RIPEMD160.new(data).digest()


def pubkey_address(public_key: bytes, prefix: str) -> str:
    """Cosmos account address: bech32(prefix, ripemd160(sha256(compressed key)))."""
    digest = ripemd160(hashlib.sha256(public_key).digest())
    return bech32_encode(prefix, convertbits(digest, 8, 5))


def sign_doc(signer: str, data: bytes) -> bytes:
    """The ADR-036 amino sign doc, serialized as cosmjs does: sorted keys, compact JSON."""
    doc = {
        "account_number": "0",
        "chain_id": "",
        "fee": {"amount": [], "gas": "0"},
        "memo": "",
        "msgs": [
            {
                "type": "sign/MsgSignData",
                "value": {"data": base64.b64encode(data).decode("ascii"), "signer": signer},
            }
        ],
        "sequence": "0",
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _der(r: int, s: int) -> bytes:
    """DER-encode (r, s): coincurve's verify takes DER only."""

    def integer(x: int) -> bytes:
        body = x.to_bytes((x.bit_length() + 8) // 8, "big")  # room for a clear sign bit
        return b"\x02" + bytes([len(body)]) + body

    seq = integer(r) + integer(s)
    return b"\x30" + bytes([len(seq)]) + seq


def _base64(value: str | None, size: int, field: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != size:
        raise InvalidArgument.field(field, f"must be base64 of {what} ({size} bytes)")
    return raw


def normalize_address(address: str) -> str:
    hrp, data = bech32_decode(address) if isinstance(address, str) else (None, None)
    raw = convertbits(data, 5, 8, False) if data is not None else None
    if hrp is None or raw is None or len(raw) != 20:
        raise InvalidArgument.field("address", "must be a bech32 account address (20 bytes)")
    return bech32_encode(hrp, data)  # lower case, whatever case it came in


def check_signature(message: str, address: str, signature: str, public_key: str | None) -> None:
    key = _base64(public_key, 33, "public_key", "a compressed secp256k1 public key")
    try:
        verifier = PublicKey(key) if key[0] in (2, 3) else None
    except ValueError:
        verifier = None
    if verifier is None:
        raise InvalidArgument.field("public_key", "is not a compressed secp256k1 public key")
    sig = _base64(signature, 64, "signature", "a secp256k1 r|s signature")
    if pubkey_address(key, address[: address.rindex("1")]) != address:
        raise Unauthenticated("WALLET_ADDRESS_MISMATCH", "public_key does not belong to the signer")
    r, s = split_low_s(sig)
    digest = hashlib.sha256(sign_doc(address, message.encode("utf-8"))).digest()
    if not verifier.verify(_der(r, s), digest, hasher=None):
        raise Unauthenticated("WALLET_SIGNATURE_INVALID", "the signature is not valid")


WALLET = Wallet(
    account="Cosmos",
    chain_id=NETWORK_ID,  # "secret-4", "cosmoshub-4", ...
    normalize_address=normalize_address,
    check_signature=check_signature,
)
