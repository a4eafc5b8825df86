"""Wallet sign-in (EVM, Solana, Cosmos): build the challenge text, verify what came back.

Pure domain code: no gRPC, database or network. The caller issues a :class:`ChallengeParams`
(and keeps it, with its single-use nonce), shows ``format_message(params)`` to the wallet, and
hands the signed result to :func:`verify`, which raises
:class:`~privexbot.kernel.errors.Unauthenticated` with a specific ``WALLET_*`` reason, or
:class:`~privexbot.kernel.errors.InvalidArgument` for inputs that are not even well-formed.
"""

from __future__ import annotations

from datetime import datetime

from privexbot.identity.wallets import base, cosmos, evm, solana
from privexbot.identity.wallets.base import DEFAULT_STATEMENT, Chain, ChallengeParams, Wallet
from privexbot.kernel.errors import InvalidArgument, Unauthenticated

__all__ = [
    "DEFAULT_STATEMENT",
    "Chain",
    "ChallengeParams",
    "format_message",
    "normalize_address",
    "parse_message",
    "verify",
]

_WALLETS: dict[Chain, Wallet] = {
    Chain.EVM: evm.WALLET,
    Chain.SOLANA: solana.WALLET,
    Chain.COSMOS: cosmos.WALLET,
}


def _wallet(chain: Chain) -> Wallet:
    try:
        return _WALLETS[Chain(chain)]
    except ValueError:
        raise InvalidArgument.field("chain", f"unsupported chain {chain!r}") from None


def normalize_address(chain: Chain, address: str) -> str:
    """EVM: EIP-55 checksum form; Solana: the base58 key; Cosmos: lower-case bech32."""
    return _wallet(chain).normalize_address(address)


def format_message(params: ChallengeParams) -> str:
    """The exact text the wallet signs."""
    return base.format_message(params, _wallet(params.chain))


def parse_message(chain: Chain, message: str) -> ChallengeParams:
    """Strict inverse of :func:`format_message` (for EVM: any valid EIP-4361 message)."""
    return base.parse_message(Chain(chain), message, _wallet(chain))


def verify(
    chain: Chain,
    *,
    message: str,
    signature: str,
    public_key: str | None,
    expected: ChallengeParams,
    now: datetime,
) -> str:
    """Check ``message`` is our challenge, valid at ``now``, and signed by the address it
    names; return that (normalized) address. Cheap field checks run before the crypto."""
    wallet = _wallet(chain)
    if expected.chain != chain:
        raise Unauthenticated("WALLET_CHAIN_MISMATCH", f"the challenge is for {expected.chain}")
    got = parse_message(chain, message)
    base.check_claims(got, expected, wallet, now)
    wallet.check_signature(message, got.address, signature, public_key)
    return got.address
