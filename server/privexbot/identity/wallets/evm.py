"""EVM wallets: EIP-4361 text signed with EIP-191 ``personal_sign`` (what MetaMask produces)."""

from __future__ import annotations

import re

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys.exceptions import BadSignature
from eth_utils import to_checksum_address

from privexbot.identity.wallets.base import Wallet, split_low_s
from privexbot.kernel.errors import InvalidArgument, Unauthenticated

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")


def normalize_address(address: str) -> str:
    """EIP-55 form. Mixed case is a checksum claim and must hold (it is how typos get caught);
    single-case input carries no checksum and is accepted."""
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
        raise InvalidArgument.field("address", "must be 0x followed by 40 hex digits")
    checksummed = to_checksum_address(address)
    digits = address[2:]
    if digits not in (digits.lower(), digits.upper()) and address != checksummed:
        raise InvalidArgument.field("address", "has a wrong EIP-55 checksum")
    return checksummed


def check_signature(message: str, address: str, signature: str, public_key: str | None) -> None:
    """Recover the signer of the EIP-191 hash and require it to be ``address``.

    The key is recovered from the signature, so ``public_key`` is not used. High s is refused
    before recovery: eth-account would happily recover the same address from (r, n - s).
    """
    if not isinstance(signature, str) or not _SIGNATURE.fullmatch(signature):
        raise InvalidArgument.field("signature", "must be 0x followed by 65 bytes of hex (r|s|v)")
    raw = bytes.fromhex(signature[2:])
    v = raw[64]
    if v not in (0, 1, 27, 28):
        raise InvalidArgument.field("signature", "recovery byte v must be 27, 28, 0 or 1")
    r, s = split_low_s(raw[:64])
    try:
        signer = Account.recover_message(encode_defunct(text=message), vrs=(v, r, s))
    except BadSignature:
        raise Unauthenticated("WALLET_SIGNATURE_INVALID", "the signature is not valid") from None
    if signer != address:
        # With key recovery a tampered message and a different signer look the same.
        raise Unauthenticated(
            "WALLET_ADDRESS_MISMATCH", "the message was not signed by the account it names"
        )


WALLET = Wallet(
    account="Ethereum",
    chain_id=re.compile(r"[0-9]+"),  # EIP-155, decimal
    normalize_address=normalize_address,
    check_signature=check_signature,
)
