"""Wallet sign-in: message layout, parsing, and verification against real wallet libraries.

Signatures come from the libraries wallets use or mirror: eth-account (MetaMask
``personal_sign``), PyNaCl (Phantom's Ed25519), coincurve (Keplr's secp256k1 over the
ADR-036 amino sign doc), plus a few published vectors.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import base58
import coincurve
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from signers import (
    SIGNERS,
    N,
    Signer,
    cosmos_signer,
    evm_signer,
    solana_signer,
)

from privexbot.identity.wallets import (
    DEFAULT_STATEMENT,
    Chain,
    ChallengeParams,
    cosmos,
    evm,
    format_message,
    normalize_address,
    parse_message,
    solana,
    verify,
)
from privexbot.kernel.errors import InvalidArgument, Unauthenticated

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
NONCE = "k3Vb9QzX7mPq2RtY8wLc"  # 20 alphanumerics, > 96 bits


@pytest.fixture(params=list(SIGNERS))
def signer(request: pytest.FixtureRequest) -> Signer:
    return SIGNERS[request.param]()


def challenge(s: Signer, **changes: object) -> ChallengeParams:
    params = ChallengeParams(
        chain=s.chain,
        address=s.address,
        domain="app.privexbot.io",
        uri="https://app.privexbot.io/login",
        chain_id=s.chain_id,
        nonce=NONCE,
        issued_at=NOW - timedelta(minutes=1),
        expiration_time=NOW + timedelta(minutes=5),
    )
    return replace(params, **changes)


def sign_and_verify(
    s: Signer, signed: ChallengeParams, expected: ChallengeParams | None = None, now=NOW
) -> str:
    message = format_message(signed)
    signature, public_key = s.sign(message)
    return verify(
        s.chain,
        message=message,
        signature=signature,
        public_key=public_key,
        expected=expected or signed,
        now=now,
    )


def rejected(reason: str, call: Callable[[], object]) -> None:
    with pytest.raises(Unauthenticated) as caught:
        call()
    assert caught.value.reason == reason, caught.value.message


def invalid(field: str, call: Callable[[], object]) -> None:
    with pytest.raises(InvalidArgument) as caught:
        call()
    assert caught.value.reason == "INVALID_FIELD"
    assert [v.field for v in caught.value.violations] == [field], caught.value.message


# --- every chain: the happy path and each rejection --------------------------------------------


def test_verify_returns_the_normalized_address(signer: Signer) -> None:
    assert sign_and_verify(signer, challenge(signer)) == signer.address


def test_message_layout(signer: Signer) -> None:
    account = {"evm": "Ethereum", "solana": "Solana", "cosmos": "Cosmos"}[signer.chain]
    assert format_message(challenge(signer)) == (
        f"app.privexbot.io wants you to sign in with your {account} account:\n"
        f"{signer.address}\n"
        "\n"
        f"{DEFAULT_STATEMENT}\n"
        "\n"
        "URI: https://app.privexbot.io/login\n"
        "Version: 1\n"
        f"Chain ID: {signer.chain_id}\n"
        f"Nonce: {NONCE}\n"
        "Issued At: 2025-06-01T11:59:00Z\n"
        "Expiration Time: 2025-06-01T12:05:00Z"
    )


def test_format_then_parse_round_trips(signer: Signer) -> None:
    params = challenge(signer, not_before=NOW - timedelta(seconds=30))
    assert parse_message(signer.chain, format_message(params)) == params


def test_tampered_message_is_rejected(signer: Signer) -> None:
    message = format_message(challenge(signer))
    signature, public_key = signer.sign(message)
    tampered = message.replace("PrivexBot.", "PrivexB0t.")
    assert tampered != message
    rejected(
        signer.tampered_reason,
        lambda: verify(
            signer.chain,
            message=tampered,
            signature=signature,
            public_key=public_key,
            expected=challenge(signer),
            now=NOW,
        ),
    )


def test_signature_by_another_key_is_rejected(signer: Signer) -> None:
    impostor = SIGNERS[signer.chain.value]()
    message = format_message(challenge(signer))  # names the victim's address
    signature, public_key = impostor.sign(message)
    rejected(
        signer.wrong_key_reason,
        lambda: verify(
            signer.chain,
            message=message,
            signature=signature,
            public_key=public_key,
            expected=challenge(signer),
            now=NOW,
        ),
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"domain": "evil.example"}, "WALLET_DOMAIN_MISMATCH"),
        ({"domain": "app.privexbot.io:8443"}, "WALLET_DOMAIN_MISMATCH"),
        ({"scheme": "https"}, "WALLET_DOMAIN_MISMATCH"),
        ({"uri": "https://evil.example/login"}, "WALLET_URI_MISMATCH"),
        ({"nonce": "AAAAAAAAAAAAAAAAAAAA"}, "WALLET_NONCE_MISMATCH"),
    ],
)
def test_validly_signed_message_for_another_challenge_is_rejected(
    signer: Signer, change: dict[str, str], reason: str
) -> None:
    rejected(
        reason, lambda: sign_and_verify(signer, challenge(signer, **change), challenge(signer))
    )


def test_wrong_chain_id_is_rejected(signer: Signer) -> None:
    signed = challenge(signer, chain_id=signer.other_chain_id)
    rejected("WALLET_CHAIN_MISMATCH", lambda: sign_and_verify(signer, signed, challenge(signer)))


def test_message_for_another_address_is_rejected(signer: Signer) -> None:
    other = SIGNERS[signer.chain.value]()
    expected = challenge(signer, address=other.address)
    rejected(
        "WALLET_ADDRESS_MISMATCH", lambda: sign_and_verify(signer, challenge(signer), expected)
    )


def test_expired_message_is_rejected(signer: Signer) -> None:
    params = challenge(signer)
    expiry = params.expiration_time
    assert sign_and_verify(signer, params, now=expiry - timedelta(microseconds=1))
    rejected("WALLET_MESSAGE_EXPIRED", lambda: sign_and_verify(signer, params, now=expiry))


def test_client_cannot_extend_the_challenge_expiry(signer: Signer) -> None:
    expected = challenge(signer)
    stretched = replace(expected, expiration_time=NOW + timedelta(days=30))
    later = NOW + timedelta(minutes=10)
    rejected("WALLET_MESSAGE_EXPIRED", lambda: sign_and_verify(signer, stretched, expected, later))


def test_message_without_expiry_still_expires_with_the_challenge(signer: Signer) -> None:
    expected = challenge(signer)
    open_ended = replace(expected, expiration_time=None)
    assert sign_and_verify(signer, open_ended, expected) == signer.address
    later = NOW + timedelta(minutes=10)
    rejected("WALLET_MESSAGE_EXPIRED", lambda: sign_and_verify(signer, open_ended, expected, later))


def test_not_before_in_the_future_is_rejected(signer: Signer) -> None:
    params = challenge(signer, not_before=NOW + timedelta(minutes=1))
    rejected("WALLET_MESSAGE_NOT_YET_VALID", lambda: sign_and_verify(signer, params))
    assert sign_and_verify(signer, params, now=params.not_before) == signer.address


def test_issued_in_the_future_beyond_clock_skew_is_rejected(signer: Signer) -> None:
    skewed = challenge(signer, issued_at=NOW + timedelta(seconds=59))
    assert sign_and_verify(signer, skewed) == signer.address
    future = challenge(signer, issued_at=NOW + timedelta(minutes=2))
    rejected("WALLET_MESSAGE_NOT_YET_VALID", lambda: sign_and_verify(signer, future))


def test_challenge_for_another_chain_is_rejected(signer: Signer) -> None:
    other_chain = next(c for c in Chain if c != signer.chain)
    params = challenge(signer)
    message = format_message(params)
    signature, public_key = signer.sign(message)
    rejected(
        "WALLET_CHAIN_MISMATCH",
        lambda: verify(
            other_chain,
            message=message,
            signature=signature,
            public_key=public_key,
            expected=params,
            now=NOW,
        ),
    )


def test_message_in_another_chains_layout_is_malformed(signer: Signer) -> None:
    other_chain = next(c for c in Chain if c != signer.chain)
    rejected(
        "WALLET_MESSAGE_MALFORMED",
        lambda: parse_message(other_chain, format_message(challenge(signer))),
    )


def test_garbage_signature_is_an_invalid_argument(signer: Signer) -> None:
    params = challenge(signer)
    message = format_message(params)
    _, public_key = signer.sign(message)
    for garbage in ("", "not-a-signature", "0x1234"):
        invalid(
            "signature",
            lambda g=garbage: verify(
                signer.chain,
                message=message,
                signature=g,
                public_key=public_key,
                expected=params,
                now=NOW,
            ),
        )


# --- message format: EIP-4361 parsing, strictness, field validation ----------------------------

# The three examples published in the ERC-4361 text: implicit scheme, explicit port,
# explicit scheme.
_EIP4361_EXAMPLE_BODY = (
    "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\n\n"
    "I accept the ExampleOrg Terms of Service: https://example.com/tos\n\n"
    "URI: https://example.com/login\nVersion: 1\nChain ID: 1\nNonce: 32891756\n"
    "Issued At: 2021-09-30T16:25:24Z\nResources:\n"
    "- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/\n"
    "- https://example.com/my-web2-claim.json"
)
EIP4361_EXAMPLES = [
    f"{origin} wants you to sign in with your Ethereum account:\n{_EIP4361_EXAMPLE_BODY}"
    for origin in ("example.com", "example.com:3388", "https://example.com")
]


@pytest.mark.parametrize("message", EIP4361_EXAMPLES)
def test_published_eip4361_examples_parse_and_round_trip(message: str) -> None:
    parsed = parse_message(Chain.EVM, message)
    assert parsed.address == "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
    assert parsed.statement == "I accept the ExampleOrg Terms of Service: https://example.com/tos"
    assert parsed.uri == "https://example.com/login"
    assert (parsed.chain_id, parsed.nonce) == ("1", "32891756")
    assert parsed.issued_at == datetime(2021, 9, 30, 16, 25, 24, tzinfo=UTC)
    assert parsed.expiration_time is None and parsed.not_before is None
    assert parsed.resources == (
        "ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
        "https://example.com/my-web2-claim.json",
    )
    assert format_message(parsed) == message


def test_scheme_and_port_are_parsed_apart_from_the_domain() -> None:
    with_port, with_scheme = (parse_message(Chain.EVM, m) for m in EIP4361_EXAMPLES[1:])
    assert (with_port.scheme, with_port.domain) == (None, "example.com:3388")
    assert (with_scheme.scheme, with_scheme.domain) == ("https", "example.com")


ALL_OPTIONAL_FIELDS = (
    "https://example.com:8443 wants you to sign in with your Ethereum account:\n"
    "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\n\n\n"  # no statement
    "URI: https://example.com/login?next=%2Fhome\nVersion: 1\nChain ID: 137\n"
    "Nonce: abcDEF123456\n"
    "Issued At: 2021-09-30T16:25:24.807Z\n"
    "Expiration Time: 2021-10-01T16:25:24.807+02:00\n"
    "Not Before: 2021-09-30T16:25:24.000123Z\n"
    "Request ID: req-42:a@b\n"
    "Resources:\n- https://example.com/a\n- urn:example:b"
)


def test_all_optional_fields_round_trip() -> None:
    parsed = parse_message(Chain.EVM, ALL_OPTIONAL_FIELDS)
    assert parsed.statement is None
    assert parsed.scheme == "https" and parsed.domain == "example.com:8443"
    assert parsed.issued_at == datetime(2021, 9, 30, 16, 25, 24, 807000, tzinfo=UTC)
    assert parsed.expiration_time == datetime(2021, 10, 1, 14, 25, 24, 807000, tzinfo=UTC)
    assert parsed.not_before == datetime(2021, 9, 30, 16, 25, 24, 123, tzinfo=UTC)
    assert parsed.request_id == "req-42:a@b"
    assert parsed.resources == ("https://example.com/a", "urn:example:b")
    assert format_message(parsed) == ALL_OPTIONAL_FIELDS


def test_empty_statement_request_id_and_resources_are_distinct_from_absent() -> None:
    message = (
        "example.com wants you to sign in with your Ethereum account:\n"
        "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\n\n\n\n"  # empty statement
        "URI: https://example.com\nVersion: 1\nChain ID: 1\nNonce: 32891756\n"
        "Issued At: 2021-09-30T16:25:24Z\nRequest ID: \nResources:"
    )
    parsed = parse_message(Chain.EVM, message)
    assert (parsed.statement, parsed.request_id, parsed.resources) == ("", "", ())
    assert format_message(parsed) == message


VALID = EIP4361_EXAMPLES[0]


@pytest.mark.parametrize(
    "message",
    [
        VALID + "\n",  # trailing newline
        VALID.replace("Version: 1", "Version: 2"),
        VALID.replace("Version: 1\n", ""),
        VALID.replace("Nonce: 32891756", "Nonce: 1234567"),  # < 8 characters
        VALID.replace("Nonce: 32891756", "Nonce: 3289-1756"),
        VALID.replace("Chain ID: 1", "Chain ID: one"),
        VALID.replace("2021-09-30T16:25:24Z", "2021-09-30 16:25:24"),
        VALID.replace("2021-09-30T16:25:24Z", "2021-13-30T16:25:24Z"),
        VALID.replace("URI: https://example.com/login", "URI: not a uri"),
        VALID.replace("Chain ID: 1\nNonce: 32891756", "Nonce: 32891756\nChain ID: 1"),
        VALID.replace("Ethereum account", "Solana account"),
        VALID.replace("example.com wants", "exa mple.com wants"),
        VALID.replace("I accept", "I\taccept"),
        VALID.replace("\n\nURI:", "\nURI:"),  # statement not closed by a blank line
        VALID.replace("Resources:\n", "Resources:\n- a b\n"),
        VALID.replace("- https://", "-https://"),
        VALID.replace("\r", "").replace("\n", "\r\n"),
        # address without its EIP-55 checksum (an official SIWE negative vector)
        VALID.replace("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "0x" + "c02aaa39" * 5),
        VALID.replace("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "0xC02aaA39"),
    ],
)
def test_non_conforming_messages_are_malformed(message: str) -> None:
    rejected("WALLET_MESSAGE_MALFORMED", lambda: parse_message(Chain.EVM, message))


def test_unknown_chain_is_an_invalid_argument() -> None:
    invalid(
        "chain", lambda: normalize_address("bitcoin", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
    )


def test_empty_or_huge_message_is_an_invalid_argument() -> None:
    invalid("message", lambda: parse_message(Chain.EVM, ""))
    invalid("message", lambda: parse_message(Chain.EVM, VALID + "x" * 20_000))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"domain": "app.privexbot.io\nURI: https://evil.example"}, "domain"),
        ({"domain": ""}, "domain"),
        ({"uri": "/login"}, "uri"),
        ({"nonce": "short"}, "nonce"),
        ({"nonce": "has-dashes-in-it"}, "nonce"),
        ({"statement": "two\nlines"}, "statement"),
        ({"chain_id": "0x1"}, "chain_id"),
        ({"issued_at": datetime(2025, 6, 1, 12, 0)}, "issued_at"),  # naive
        ({"expiration_time": datetime(2025, 6, 1, 12, 5)}, "expiration_time"),
        ({"resources": ("https://ok.example", "not a uri")}, "resources"),
        ({"address": "0x1234"}, "address"),
    ],
)
def test_format_rejects_fields_that_would_break_the_layout(change: dict, field: str) -> None:
    invalid(field, lambda: format_message(challenge(evm_signer(), **change)))


# --- EVM ---------------------------------------------------------------------------------------


def test_evm_checksum_rules() -> None:
    checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55's own example
    assert normalize_address(Chain.EVM, checksummed) == checksummed
    assert normalize_address(Chain.EVM, checksummed.lower()) == checksummed
    assert normalize_address(Chain.EVM, "0x" + checksummed[2:].upper()) == checksummed
    wrong = checksummed.replace("aAeb", "aaeb")  # mixed case, checksum broken
    invalid("address", lambda: normalize_address(Chain.EVM, wrong))
    for bad in ("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F", "0xZZ" + "0" * 38):
        invalid("address", lambda b=bad: normalize_address(Chain.EVM, b))


def test_evm_lowercase_expected_address_verifies_to_checksum_form() -> None:
    s = evm_signer()
    signed = challenge(s)
    expected = replace(signed, address=s.address.lower())
    assert sign_and_verify(s, signed, expected) == s.address


def test_evm_published_personal_sign_vector() -> None:
    """From eth-account's documentation of ``sign_message``."""
    evm.check_signature(
        "I♥SF",
        "0x5ce9454909639D2D17A3F753ce7d93fa0b9aB12E",
        "0xe6ca9bba58c88611fad66a6ce8f996908195593807c4b38bd528d2cff09d4eb3"
        "3e5bfbbf4d3e39b1a2fd816a7680c19ebebaf3a141b239934ad43cb33fcec8ce1c",
        None,
    )


def _evm_signed() -> tuple[Signer, ChallengeParams, str, bytes]:
    s = evm_signer()
    params = challenge(s)
    message = format_message(params)
    return s, params, message, bytes.fromhex(s.sign(message)[0][2:])


def _verify_evm(params: ChallengeParams, message: str, signature: str) -> str:
    return verify(
        Chain.EVM, message=message, signature=signature, public_key=None, expected=params, now=NOW
    )


def test_evm_accepts_v_as_0_or_1() -> None:
    s, params, message, raw = _evm_signed()
    assert raw[64] in (27, 28)
    zero_based = "0x" + (raw[:64] + bytes([raw[64] - 27])).hex()
    assert _verify_evm(params, message, zero_based) == s.address


def test_evm_high_s_twin_is_rejected_before_recovery() -> None:
    s, params, message, raw = _evm_signed()
    r, low_s = raw[:32], int.from_bytes(raw[32:64], "big")
    twin_v = 55 - raw[64]  # 27 <-> 28
    # The twin is a perfectly valid signature to eth-account: that is the malleability.
    twin = (twin_v, int.from_bytes(r, "big"), N - low_s)
    assert Account.recover_message(encode_defunct(text=message), vrs=twin) == s.address
    high_s = "0x" + (r + (N - low_s).to_bytes(32, "big") + bytes([twin_v])).hex()
    rejected("WALLET_SIGNATURE_HIGH_S", lambda: _verify_evm(params, message, high_s))


def test_evm_out_of_range_r_is_an_invalid_signature() -> None:
    _, params, message, raw = _evm_signed()
    for r in (0, N):
        forged = "0x" + (r.to_bytes(32, "big") + raw[32:]).hex()
        rejected("WALLET_SIGNATURE_INVALID", lambda f=forged: _verify_evm(params, message, f))


def test_evm_malformed_signatures_are_invalid_arguments() -> None:
    _, params, message, raw = _evm_signed()
    for bad in (
        raw.hex(),  # no 0x
        "0x" + raw.hex()[:-2],  # 64 bytes
        "0x" + raw.hex() + "00",  # 66 bytes
        "0x" + "zz" + raw.hex()[2:],  # not hex
        "0x" + (raw[:64] + bytes([29])).hex(),  # v out of {0, 1, 27, 28}
    ):
        invalid("signature", lambda b=bad: _verify_evm(params, message, b))


# --- Solana ------------------------------------------------------------------------------------


def test_solana_rfc8032_vector() -> None:
    """RFC 8032 section 7.1, TEST 1 (empty message)."""
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    signature = bytes.fromhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
        "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    address = base58.b58encode(public).decode()
    solana.check_signature("", address, base58.b58encode(signature).decode(), None)
    rejected(
        "WALLET_SIGNATURE_INVALID",
        lambda: solana.check_signature("x", address, base58.b58encode(signature).decode(), None),
    )


def _solana_signed() -> tuple[Signer, ChallengeParams, str, str]:
    s = solana_signer()
    params = challenge(s)
    message = format_message(params)
    return s, params, message, s.sign(message)[0]


def _verify_solana(params, message, signature, public_key=None) -> str:
    return verify(
        Chain.SOLANA,
        message=message,
        signature=signature,
        public_key=public_key,
        expected=params,
        now=NOW,
    )


def test_solana_public_key_is_optional_but_must_be_the_address() -> None:
    s, params, message, signature = _solana_signed()
    assert _verify_solana(params, message, signature) == s.address
    assert _verify_solana(params, message, signature, s.address) == s.address
    other = solana_signer().address
    rejected("WALLET_ADDRESS_MISMATCH", lambda: _verify_solana(params, message, signature, other))
    invalid("public_key", lambda: _verify_solana(params, message, signature, "0OIl"))


def test_solana_signature_by_another_key_without_public_key_is_invalid() -> None:
    s, params, message, _ = _solana_signed()
    forged = solana_signer().sign(message)[0]
    rejected("WALLET_SIGNATURE_INVALID", lambda: _verify_solana(params, message, forged))


def test_solana_accepts_padded_base64_signatures() -> None:
    s, params, message, signature = _solana_signed()
    as_base64 = base64.b64encode(base58.b58decode(signature)).decode()
    assert as_base64.endswith("==")
    assert _verify_solana(params, message, as_base64) == s.address
    invalid("signature", lambda: _verify_solana(params, message, as_base64[:-4] + "===="))


def test_solana_addresses() -> None:
    address = solana_signer().address
    assert normalize_address(Chain.SOLANA, address) == address
    # Wrong lengths as fixed encodings: ``address + "1"`` (x 58) still decodes to 32 bytes
    # when the random key is below 2**256 / 58, about one run in 60.
    too_short, too_long = (base58.b58encode(b"\x01" * n).decode() for n in (31, 33))
    for bad in ("", "0" + address[1:], too_short, too_long):
        invalid("address", lambda b=bad: normalize_address(Chain.SOLANA, b))


# --- Cosmos ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("public_key", "address"),
    [
        # cosmjs pubkeyToAddress / encodeAddress spec
        (
            "AtQaCqFnshaZQp6rIkvAPyzThvCvXSDO+9AzbxVErqJP",
            "cosmos1h806c7khnvmjlywdrkdgk2vrayy2mmvf9rxk2r",
        ),
        # cosmjs test faucet, and its "unused" account
        (
            "A08EGB7ro1ORuFhjOnZcSgwYlpe0DSFjVNUIkNNQxwKQ",
            "cosmos1pkptre7fdkl6gfrzlesjjvhxhlc3r4gmmk8rs6",
        ),
        (
            "ArkCaFUJ/IH+vKBmNRCdUVl3mCAhbopk9jjW4Ko4OfRQ",
            "cosmos1cjsxept9rkggzxztslae9ndgpdyt2408lk850u",
        ),
    ],
)
def test_cosmjs_address_vectors(public_key: str, address: str) -> None:
    assert cosmos.pubkey_address(base64.b64decode(public_key), "cosmos") == address


def test_published_keplr_sign_arbitrary_signature() -> None:
    """A real Keplr ``signArbitrary`` result (data = the signer's own address), as published
    in a public ``verifyADR36Amino`` example: proves the sign doc matches Keplr's byte for byte."""
    address = "cosmos1m9l358xunhhwds0568za49mzhvuxx9uxre5tud"
    cosmos.check_signature(
        address,
        address,
        "vb78/y129cOiWyQkeFF8wCKZsOyzjpILnpEVZ72o5YUhEOmQZzVPcbUqWPLR7aZQ20j6vnYhIuCQN0HEG3igFg==",
        "A/MdHVpitzHNSdD1Zw3kY+L5PEIPyd9l6sD5i4aIfXp9",
    )


def test_cosmos_sign_doc_bytes() -> None:
    assert cosmos.sign_doc("cosmos1abc", b"hi") == (
        b'{"account_number":"0","chain_id":"","fee":{"amount":[],"gas":"0"},"memo":"",'
        b'"msgs":[{"type":"sign/MsgSignData","value":{"data":"aGk=","signer":"cosmos1abc"}}],'
        b'"sequence":"0"}'
    )


def test_ripemd160_and_its_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors = {
        b"": "9c1185a5c5e9fc54612808977ee8f548b2258d31",
        b"abc": "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc",
    }
    for data, digest in vectors.items():
        assert cosmos.ripemd160(data).hex() == digest

    def no_ripemd(name: str, *args: object) -> None:
        raise ValueError(f"unsupported hash type {name}")  # what OpenSSL 3 says

    monkeypatch.setattr(cosmos.hashlib, "new", no_ripemd)
    for data, digest in vectors.items():
        assert cosmos.ripemd160(data).hex() == digest


def test_cosmos_keeps_the_address_prefix() -> None:
    s = cosmos_signer(prefix="secret", chain_id="secret-4")
    assert s.address.startswith("secret1")
    assert sign_and_verify(s, challenge(s)) == s.address


def test_cosmos_addresses() -> None:
    address = "cosmos1h806c7khnvmjlywdrkdgk2vrayy2mmvf9rxk2r"
    assert normalize_address(Chain.COSMOS, address) == address
    assert normalize_address(Chain.COSMOS, address.upper()) == address
    for bad in (
        address[:7] + address[7].upper() + address[8:],  # mixed case
        address[:-1] + ("q" if address[-1] != "q" else "p"),  # checksum
        "cosmos1qqqqqq",  # too short to hold 20 bytes
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    ):
        invalid("address", lambda b=bad: normalize_address(Chain.COSMOS, b))


def _cosmos_signed() -> tuple[Signer, ChallengeParams, str, str, str]:
    s = cosmos_signer()
    params = challenge(s)
    message = format_message(params)
    signature, public_key = s.sign(message)
    return s, params, message, signature, public_key


def _verify_cosmos(params, message, signature, public_key) -> str:
    return verify(
        Chain.COSMOS,
        message=message,
        signature=signature,
        public_key=public_key,
        expected=params,
        now=NOW,
    )


def test_cosmos_high_s_twin_is_rejected() -> None:
    _, params, message, signature, public_key = _cosmos_signed()
    raw = base64.b64decode(signature)
    high = raw[:32] + (N - int.from_bytes(raw[32:], "big")).to_bytes(32, "big")
    high_s = base64.b64encode(high).decode()
    rejected("WALLET_SIGNATURE_HIGH_S", lambda: _verify_cosmos(params, message, high_s, public_key))


def test_cosmos_signature_by_the_right_key_over_other_data_is_invalid() -> None:
    s, params, message, _, public_key = _cosmos_signed()
    forged = s.sign(message + " ")[0]
    rejected(
        "WALLET_SIGNATURE_INVALID", lambda: _verify_cosmos(params, message, forged, public_key)
    )


def test_cosmos_public_key_is_required_and_well_formed() -> None:
    _, params, message, signature, public_key = _cosmos_signed()
    uncompressed = coincurve.PublicKey(base64.b64decode(public_key)).format(compressed=False)
    not_on_curve = base64.b64encode(b"\x02" + b"\xff" * 32).decode()
    for bad in (None, "", "A08EGB7ro1ORuFhjOnZc", base64.b64encode(uncompressed).decode(),
                not_on_curve, "%%%"):  # fmt: skip
        invalid("public_key", lambda b=bad: _verify_cosmos(params, message, signature, b))
    for bad in ("", signature[:-4], "not base64!"):
        invalid("signature", lambda b=bad: _verify_cosmos(params, message, b, public_key))
