"""Wallet sign-in over the real server, with signatures from the real wallet libraries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from helpers import raises, sign_up
from signers import SIGNERS, Signer, cosmos_signer, evm_signer, solana_signer

from privexbot.v1 import auth_pb2, common_pb2

CHAINS = {
    "evm": common_pb2.WALLET_CHAIN_EVM,
    "solana": common_pb2.WALLET_CHAIN_SOLANA,
    "cosmos": common_pb2.WALLET_CHAIN_COSMOS,
}
ME = auth_pb2.GetCurrentUserRequest()


@pytest.fixture(params=sorted(SIGNERS))
def wallet(request) -> Signer:
    return SIGNERS[request.param]()


def chain_of(wallet: Signer) -> int:
    return CHAINS[str(wallet.chain)]


async def challenge(client, wallet: Signer) -> auth_pb2.WalletChallenge:
    return await client.auth.CreateWalletChallenge(
        auth_pb2.CreateWalletChallengeRequest(
            chain=chain_of(wallet), address=wallet.address, chain_id=wallet.chain_id
        )
    )


def verify_request(wallet: Signer, message: str) -> auth_pb2.VerifyWalletSignatureRequest:
    signature, public_key = wallet.sign(message)
    return auth_pb2.VerifyWalletSignatureRequest(
        chain=chain_of(wallet), message=message, signature=signature, public_key=public_key or ""
    )


async def test_challenge_sign_verify_signs_in_and_creates_the_user_once(client_factory, wallet):
    client = client_factory()
    issued = await challenge(client, wallet)
    assert issued.address == wallet.address and issued.nonce in issued.message
    assert len(issued.nonce) >= 24  # ≥ 96 bits of hex
    assert "localhost:8080 wants you to sign in with your" in issued.message
    lifetime = issued.expire_time.ToDatetime(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(minutes=4) < lifetime <= timedelta(minutes=5)

    session = await client.auth.VerifyWalletSignature(verify_request(wallet, issued.message))
    assert session.new_user and session.access_token and session.workspace
    client.access_token = session.access_token
    me = await client.auth.GetCurrentUser(ME)
    assert [(i.kind, i.chain, i.subject) for i in me.identities] == [
        (auth_pb2.Identity.KIND_WALLET, chain_of(wallet), wallet.address)
    ]
    assert me.memberships[0].role == common_pb2.ORGANIZATION_ROLE_OWNER

    again = await client.auth.VerifyWalletSignature(
        verify_request(wallet, (await challenge(client, wallet)).message)
    )
    assert not again.new_user and again.user.name == me.user.name


async def test_replayed_signature_is_rejected(client_factory, wallet):
    client = client_factory()
    request = verify_request(wallet, (await challenge(client, wallet)).message)
    await client.auth.VerifyWalletSignature(request)
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "WALLET_NONCE_UNKNOWN"):
        await client.auth.VerifyWalletSignature(request)


def edit(message: str, pattern: str, replacement: str) -> str:
    changed = re.sub(pattern, replacement, message, count=1, flags=re.M)
    assert changed != message
    return changed


def later(minutes: int) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


# Replacements are built when the test runs: a time taken at collection would be minutes
# stale by the time the PostgreSQL half of the suite gets here.
REWRITES = {
    "WALLET_DOMAIN_MISMATCH": lambda: (r"^localhost:8080", "evil.example"),
    "WALLET_URI_MISMATCH": lambda: (r"^URI: .*$", "URI: https://evil.example/login"),
    "WALLET_MESSAGE_EXPIRED": lambda: (
        r"^Expiration Time: .*$",
        "Expiration Time: 2020-01-01T00:00:00Z",
    ),
    "WALLET_MESSAGE_NOT_YET_VALID": lambda: (
        r"^(Expiration Time: .*)$",
        rf"\1\nNot Before: {later(3)}",
    ),
}


@pytest.mark.parametrize("reason", sorted(REWRITES))
async def test_signed_but_altered_challenge_is_rejected(client_factory, wallet, reason):
    client = client_factory()
    message = edit((await challenge(client, wallet)).message, *REWRITES[reason]())
    async with raises(grpc.StatusCode.UNAUTHENTICATED, reason):
        await client.auth.VerifyWalletSignature(verify_request(wallet, message))


async def test_wrong_chain_is_rejected(client_factory, wallet):
    client = client_factory()
    message = edit(
        (await challenge(client, wallet)).message,
        r"^Chain ID: .*$",
        f"Chain ID: {wallet.other_chain_id}",
    )
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "WALLET_CHAIN_MISMATCH"):
        await client.auth.VerifyWalletSignature(verify_request(wallet, message))


async def test_tampered_byte_after_signing_is_rejected(client_factory, wallet):
    client = client_factory()
    issued = await challenge(client, wallet)
    request = verify_request(wallet, issued.message)
    request.message = issued.message.replace("Sign in to PrivexBot", "Sign in to PrivexBoT")
    async with raises(grpc.StatusCode.UNAUTHENTICATED, wallet.tampered_reason):
        await client.auth.VerifyWalletSignature(request)


async def test_signature_by_another_key_is_rejected(client_factory, wallet):
    client = client_factory()
    issued = await challenge(client, wallet)
    impostor = SIGNERS[str(wallet.chain)]()
    signature, public_key = impostor.sign(issued.message)
    request = auth_pb2.VerifyWalletSignatureRequest(
        chain=chain_of(wallet),
        message=issued.message,
        signature=signature,
        public_key=public_key or "",
    )
    async with raises(grpc.StatusCode.UNAUTHENTICATED, wallet.wrong_key_reason):
        await client.auth.VerifyWalletSignature(request)


async def test_bad_input_is_invalid_argument(client):
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, None, {"address"}):
        await client.auth.CreateWalletChallenge(
            auth_pb2.CreateWalletChallengeRequest(
                chain=common_pb2.WALLET_CHAIN_EVM, address="0x123"
            )
        )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"chain", "address"}):
        await client.auth.CreateWalletChallenge(auth_pb2.CreateWalletChallengeRequest())
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"chain_id"}):
        await client.auth.CreateWalletChallenge(
            auth_pb2.CreateWalletChallengeRequest(
                chain=common_pb2.WALLET_CHAIN_EVM, address=evm_signer().address, chain_id="1 2"
            )
        )


async def test_challenges_per_address_are_rate_limited(client_factory):
    wallet = evm_signer()
    for _ in range(10):
        await challenge(client_factory(), wallet)
    async with raises(grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED") as info:
        await challenge(client_factory(), wallet)
    assert 0 < info.details.retry_delay_seconds <= 60


async def link(client, wallet: Signer) -> auth_pb2.Identity:
    issued = await challenge(client, wallet)
    signature, public_key = wallet.sign(issued.message)
    return await client.auth.LinkWallet(
        auth_pb2.LinkWalletRequest(
            chain=chain_of(wallet),
            message=issued.message,
            signature=signature,
            public_key=public_key or "",
        )
    )


async def test_link_wallets_then_sign_in_with_any_and_unlink(client_factory):
    client = client_factory()
    user = await sign_up(client)
    evm, sol, atom = evm_signer(), solana_signer(), cosmos_signer()
    for wallet in (evm, sol, atom):
        identity = await link(client, wallet)
        assert identity.subject == wallet.address
    me = await client.auth.GetCurrentUser(ME)
    assert len(me.identities) == 4
    # Each linked wallet now signs in to the same account.
    other = client_factory()
    session = await other.auth.VerifyWalletSignature(
        verify_request(sol, (await challenge(other, sol)).message)
    )
    assert session.user.name == me.user.name and not session.new_user
    # Linking the same wallet again is a no-op; linking it to someone else is refused.
    assert (await link(client, evm)).name == (await link(client, evm)).name
    stranger = client_factory()
    await sign_up(stranger)
    async with raises(grpc.StatusCode.ALREADY_EXISTS, "IDENTITY_IN_USE"):
        await link(stranger, evm)
    # Unlink: someone else's identity is NOT_FOUND; each of ours goes until the last.
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await stranger.auth.UnlinkIdentity(
            auth_pb2.UnlinkIdentityRequest(name=me.identities[1].name)
        )
    for identity in me.identities[:-1]:
        await client.auth.UnlinkIdentity(auth_pb2.UnlinkIdentityRequest(name=identity.name))
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "LAST_SIGN_IN_METHOD"):
        await client.auth.UnlinkIdentity(
            auth_pb2.UnlinkIdentityRequest(name=me.identities[-1].name)
        )
    # The email identity is gone: its password no longer signs in.
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS"):
        await client_factory().auth.LogInWithEmail(
            auth_pb2.LogInWithEmailRequest(
                email=user.email, password="correct horse battery staple 42"
            )
        )


async def test_link_needs_a_signed_in_user(client):
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_MISSING"):
        await client.auth.LinkWallet(
            auth_pb2.LinkWalletRequest(chain=1, message="m", signature="s")
        )
