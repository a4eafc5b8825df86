"""Real wallet signers for tests: each signs the way its wallet does.

EVM: eth-account ``sign_message`` (what MetaMask personal_sign produces); Solana: pynacl
Ed25519 over the raw message (Phantom signMessage); Cosmos: Keplr ``signArbitrary``
(ADR-036 amino sign doc, secp256k1, low-s).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import base58
import coincurve
from eth_account import Account
from eth_account.messages import encode_defunct
from nacl.signing import SigningKey

from privexbot.identity.wallets import Chain, cosmos

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


# --- signers: one real key per chain, signing the way the wallet does -------------------------


@dataclass
class Signer:
    chain: Chain
    address: str
    chain_id: str
    other_chain_id: str
    sign: Callable[[str], tuple[str, str | None]]  # message -> (signature, public_key)
    tampered_reason: str  # what a flipped message byte surfaces as
    wrong_key_reason: str  # what a signature by another key surfaces as


def evm_signer() -> Signer:
    account = Account.create()

    def sign(message: str) -> tuple[str, None]:
        signed = Account.sign_message(encode_defunct(text=message), account.key)
        return "0x" + bytes(signed.signature).hex(), None

    # Key recovery cannot tell a tampered text from another signer: both recover a
    # different address.
    return Signer(
        chain=Chain.EVM,
        address=account.address,
        chain_id="1",
        other_chain_id="137",
        sign=sign,
        tampered_reason="WALLET_ADDRESS_MISMATCH",
        wrong_key_reason="WALLET_ADDRESS_MISMATCH",
    )


def solana_signer() -> Signer:
    key = SigningKey.generate()
    address = base58.b58encode(bytes(key.verify_key)).decode()

    def sign(message: str) -> tuple[str, str]:
        signature = key.sign(message.encode()).signature
        return base58.b58encode(signature).decode(), address

    # The wallet reports its public key, so another key shows up as an address mismatch.
    return Signer(
        chain=Chain.SOLANA,
        address=address,
        chain_id="mainnet",
        other_chain_id="devnet",
        sign=sign,
        tampered_reason="WALLET_SIGNATURE_INVALID",
        wrong_key_reason="WALLET_ADDRESS_MISMATCH",
    )


def amino_sign_doc(signer: str, message: str) -> bytes:
    """Built here independently of the module under test, the way cosmjs/Keplr build it."""
    doc = {
        "chain_id": "",
        "account_number": "0",
        "sequence": "0",
        "fee": {"gas": "0", "amount": []},
        "msgs": [
            {
                "type": "sign/MsgSignData",
                "value": {"signer": signer, "data": base64.b64encode(message.encode()).decode()},
            }
        ],
        "memo": "",
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def keplr_sign(key: coincurve.PrivateKey, signer: str, message: str) -> str:
    """Keplr signArbitrary: secp256k1 over sha256(sign doc), compact low-s r‖s, base64."""
    digest = hashlib.sha256(amino_sign_doc(signer, message)).digest()
    rs = key.sign_recoverable(digest, hasher=None)[:64]
    r, s = rs[:32], int.from_bytes(rs[32:], "big")
    return base64.b64encode(r + min(s, N - s).to_bytes(32, "big")).decode()


def cosmos_signer(prefix: str = "cosmos", chain_id: str = "cosmoshub-4") -> Signer:
    key = coincurve.PrivateKey()
    public_key = key.public_key.format(compressed=True)
    address = cosmos.pubkey_address(public_key, prefix)

    def sign(message: str) -> tuple[str, str]:
        return keplr_sign(key, address, message), base64.b64encode(public_key).decode()

    # The public key Keplr returns does not derive the victim's address.
    return Signer(
        chain=Chain.COSMOS,
        address=address,
        chain_id=chain_id,
        other_chain_id="osmosis-1",
        sign=sign,
        tampered_reason="WALLET_SIGNATURE_INVALID",
        wrong_key_reason="WALLET_ADDRESS_MISMATCH",
    )


SIGNERS = {"evm": evm_signer, "solana": solana_signer, "cosmos": cosmos_signer}
