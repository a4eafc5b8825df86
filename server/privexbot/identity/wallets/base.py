"""What the three wallet kinds share: the challenge, its EIP-4361 text layout, and the checks.

All three chains sign the same layout (EIP-4361, "Sign-In with Ethereum"); only the account
word ("Ethereum" / "Solana" / "Cosmos"), the address and chain-id syntax and the signature
scheme differ, and those come in through a :class:`Wallet`. With a statement present (always,
by default) the layout is byte-for-byte the Sign-In With Solana text Phantom's ``signIn`` emits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from privexbot.kernel.errors import InvalidArgument, Unauthenticated

DEFAULT_STATEMENT = (
    "Sign in to PrivexBot. This request will not trigger a blockchain transaction "
    "or cost any gas fees."
)
CLOCK_SKEW = timedelta(seconds=60)  # how far in the future a client clock may put "Issued At"
MAX_MESSAGE_CHARS = 16 * 1024

# secp256k1 group order, for the EVM and Cosmos signature checks.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


class Chain(StrEnum):
    EVM = "evm"
    SOLANA = "solana"
    COSMOS = "cosmos"


@dataclass(frozen=True)
class ChallengeParams:
    """The fields of a sign-in message; what we issue and what we parse back.

    ``expiration_time`` and ``statement`` are optional in EIP-4361 (``None`` = absent), and
    the trailing optional fields exist so any valid EIP-4361 message parses and re-formats
    to the same text. The challenges we issue always expire.
    """

    chain: Chain
    address: str
    domain: str
    uri: str
    chain_id: str
    nonce: str
    issued_at: datetime
    expiration_time: datetime | None
    not_before: datetime | None = None
    statement: str | None = DEFAULT_STATEMENT
    scheme: str | None = None
    request_id: str | None = None
    resources: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Wallet:
    """Everything that differs between chains."""

    account: str  # the word in "... sign in with your <account> account:"
    chain_id: re.Pattern[str]
    normalize_address: Callable[[str], str]  # raises InvalidArgument("address")
    # (message, normalized address, signature, public_key) -> None; raises on failure
    check_signature: Callable[[str, str, str, str | None], None]


# --- RFC 3986 / RFC 3339 syntax, as EIP-4361's ABNF uses it ---------------------------------

_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_AUTHORITY = re.compile(
    rf"(?:(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?"  # userinfo
    rf"(?:\[[0-9A-Fa-f:.]+\]|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})+)"  # host
    r"(?::[0-9]*)?"  # port
)
_URI = re.compile(rf"[A-Za-z][A-Za-z0-9+.\-]*:(?:[{_UNRESERVED}{_SUB_DELIMS}:@/?#\[\]]|{_PCT})*")
_STATEMENT = re.compile(rf"[{_UNRESERVED}{_SUB_DELIMS}:/?#\[\]@ ]*")  # no LF, ASCII only
_NONCE = re.compile(r"[A-Za-z0-9]{8,}")
_REQUEST_ID = re.compile(rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})*")
_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_HEADER = re.compile(
    r"(?:(?P<scheme>[^\s:/]+)://)?(?P<domain>\S+) wants you to sign in with your "
    r"(?P<account>\S+) account:"
)

# A chain id that is a name, not a number: "mainnet", "solana:devnet", "secret-4".
NETWORK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._\-]{0,63}")


_OPTIONAL = frozenset({"scheme", "statement", "request_id", "expiration_time", "not_before"})


def _first_invalid_field(p: ChallengeParams, wallet: Wallet) -> str | None:
    """The first field (address aside) that breaks the grammar; shared by format and parse."""
    patterns = (
        ("scheme", p.scheme, _SCHEME),
        ("domain", p.domain, _AUTHORITY),
        ("statement", p.statement, _STATEMENT),
        ("uri", p.uri, _URI),
        ("chain_id", p.chain_id, wallet.chain_id),
        ("nonce", p.nonce, _NONCE),
        ("request_id", p.request_id, _REQUEST_ID),
    )
    for name, value, pattern in patterns:
        if value is None and name in _OPTIONAL:
            continue
        if not (isinstance(value, str) and pattern.fullmatch(value)):
            return name
    if any(not (isinstance(r, str) and _URI.fullmatch(r)) for r in p.resources or ()):
        return "resources"
    for name in ("issued_at", "expiration_time", "not_before"):
        value = getattr(p, name)
        if value is None and name in _OPTIONAL:
            continue
        if not (isinstance(value, datetime) and value.utcoffset() is not None):
            return name
    return None


def _format_time(value: datetime) -> str:
    """RFC 3339, as short as exact: no fraction, milliseconds (what JS emits) or microseconds."""
    micro = value.microsecond
    spec = "seconds" if not micro else "milliseconds" if not micro % 1000 else "microseconds"
    text = value.isoformat(timespec=spec)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _parse_time(field: str, text: str) -> datetime:
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise malformed(f"{field} is not an RFC 3339 date-time")
    date, time, fraction, zone = match.groups()
    try:  # fromisoformat wants upper-case Z and at most 6 fraction digits
        return datetime.fromisoformat(f"{date}T{time}{(fraction or '')[:7]}{zone.upper()}")
    except ValueError:
        raise malformed(f"{field} is not a valid date-time") from None


def malformed(what: str) -> Unauthenticated:
    return Unauthenticated("WALLET_MESSAGE_MALFORMED", f"sign-in message is malformed: {what}")


def format_message(p: ChallengeParams, wallet: Wallet) -> str:
    """The exact text the wallet signs (EIP-4361 layout; no trailing newline)."""
    bad = _first_invalid_field(p, wallet)
    if bad is not None:
        raise InvalidArgument.field(bad, "is not valid in a sign-in message")
    scheme = f"{p.scheme}://" if p.scheme is not None else ""
    lines = [
        f"{scheme}{p.domain} wants you to sign in with your {wallet.account} account:",
        wallet.normalize_address(p.address),
        "",
        *([p.statement, ""] if p.statement is not None else [""]),
        f"URI: {p.uri}",
        "Version: 1",
        f"Chain ID: {p.chain_id}",
        f"Nonce: {p.nonce}",
        f"Issued At: {_format_time(p.issued_at)}",
    ]
    if p.expiration_time is not None:
        lines.append(f"Expiration Time: {_format_time(p.expiration_time)}")
    if p.not_before is not None:
        lines.append(f"Not Before: {_format_time(p.not_before)}")
    if p.request_id is not None:
        lines.append(f"Request ID: {p.request_id}")
    if p.resources is not None:
        lines += ["Resources:", *(f"- {r}" for r in p.resources)]
    return "\n".join(lines)


class _Lines:
    """A cursor over the message's lines; every miss is a malformed message."""

    def __init__(self, message: str) -> None:
        self._lines = message.split("\n")
        self._pos = 0

    def peek(self, ahead: int = 0) -> str | None:
        pos = self._pos + ahead
        return self._lines[pos] if pos < len(self._lines) else None

    def take(self) -> str:
        line = self.peek()
        if line is None:
            raise malformed("message ends early")
        self._pos += 1
        return line

    def blank(self) -> None:
        if self.take() != "":
            raise malformed("expected an empty line")

    def field(self, label: str) -> str:
        value = self.optional(label)
        if value is None:
            raise malformed(f"expected '{label.strip()}' line")
        return value

    def optional(self, label: str) -> str | None:
        line = self.peek()
        return self.take()[len(label) :] if line is not None and line.startswith(label) else None

    def done(self) -> bool:
        return self._pos == len(self._lines)


def parse_message(chain: Chain, message: str, wallet: Wallet) -> ChallengeParams:
    """Strict parse of the EIP-4361 layout: fields in order, nothing extra, canonical address."""
    if not isinstance(message, str) or not message:
        raise InvalidArgument.field("message", "is required")
    if len(message) > MAX_MESSAGE_CHARS:
        raise InvalidArgument.field("message", f"is longer than {MAX_MESSAGE_CHARS} characters")
    lines = _Lines(message)
    header = _HEADER.fullmatch(lines.take())
    if header is None or header["account"] != wallet.account:
        raise malformed(
            f"first line must be '<domain> wants you to sign in with your "
            f"{wallet.account} account:'"
        )
    address = lines.take()
    lines.blank()
    statement = None
    if lines.peek() == "" and (lines.peek(1) or "").startswith("URI: "):
        lines.take()  # no statement: just the blank line that closes its slot
    else:
        statement = lines.take()
        lines.blank()
    uri = lines.field("URI: ")
    if lines.field("Version: ") != "1":
        raise malformed("Version must be 1")
    chain_id = lines.field("Chain ID: ")
    nonce = lines.field("Nonce: ")
    issued_at = _parse_time("Issued At", lines.field("Issued At: "))
    expiration = lines.optional("Expiration Time: ")
    not_before = lines.optional("Not Before: ")
    request_id = lines.optional("Request ID: ")
    resources = None
    label = lines.optional("Resources:")
    if label is not None:
        if label:
            raise malformed("'Resources:' takes no value on its line")
        resources = []
        while not lines.done():
            line = lines.take()
            if not line.startswith("- "):
                raise malformed("each resource line must start with '- '")
            resources.append(line[2:])
    if not lines.done():
        raise malformed(f"unexpected line {lines.peek()!r}")
    parsed = ChallengeParams(
        chain=chain,
        address=address,
        domain=header["domain"],
        uri=uri,
        chain_id=chain_id,
        nonce=nonce,
        issued_at=issued_at,
        expiration_time=None if expiration is None else _parse_time("Expiration Time", expiration),
        not_before=None if not_before is None else _parse_time("Not Before", not_before),
        statement=statement,
        scheme=header["scheme"],
        request_id=request_id,
        resources=tuple(resources) if resources is not None else None,
    )
    bad = _first_invalid_field(parsed, wallet)
    if bad is not None:
        raise malformed(f"{bad} is not valid")
    try:
        canonical = wallet.normalize_address(address)
    except InvalidArgument:
        raise malformed(f"address is not a valid {wallet.account} address") from None
    if canonical != address:  # e.g. an EVM address without its EIP-55 checksum
        raise malformed(f"address is not in canonical form (expected {canonical})")
    return parsed


def check_claims(
    got: ChallengeParams, expected: ChallengeParams, wallet: Wallet, now: datetime
) -> None:
    """The signed text must carry the challenge we issued and be valid at ``now``.

    Time limits apply from both sides, so a client cannot stretch a challenge by signing a
    later expiry (or an earlier not-before) than we issued.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    same_origin = (got.scheme, got.domain) == (expected.scheme, expected.domain)
    same_address = got.address == wallet.normalize_address(expected.address)
    for reason, what, same in (
        ("WALLET_DOMAIN_MISMATCH", "domain", same_origin),
        ("WALLET_URI_MISMATCH", "URI", got.uri == expected.uri),
        ("WALLET_CHAIN_MISMATCH", "chain ID", got.chain_id == expected.chain_id),
        ("WALLET_NONCE_MISMATCH", "nonce", got.nonce == expected.nonce),
        ("WALLET_ADDRESS_MISMATCH", "address", same_address),
    ):
        if not same:
            raise Unauthenticated(reason, f"the signed message's {what} is not the challenge's")
    if got.issued_at > now + CLOCK_SKEW:
        raise Unauthenticated("WALLET_MESSAGE_NOT_YET_VALID", "the message is issued in the future")
    expiries = [t for t in (got.expiration_time, expected.expiration_time) if t is not None]
    if expiries and now >= min(expiries):
        raise Unauthenticated("WALLET_MESSAGE_EXPIRED", "the sign-in message has expired")
    starts = [t for t in (got.not_before, expected.not_before) if t is not None]
    if starts and now < max(starts):
        raise Unauthenticated("WALLET_MESSAGE_NOT_YET_VALID", "the message is not valid yet")


def split_low_s(signature64: bytes) -> tuple[int, int]:
    """r and s of a secp256k1 r‖s signature.

    A high s is refused: (r, n - s) verifies just as well, so accepting both would make every
    signature malleable. Wallets (MetaMask, Keplr) only ever produce low s.
    """
    r = int.from_bytes(signature64[:32], "big")
    s = int.from_bytes(signature64[32:64], "big")
    if not (0 < r < SECP256K1_N and 0 < s < SECP256K1_N):
        raise Unauthenticated("WALLET_SIGNATURE_INVALID", "signature r or s is out of range")
    if s > SECP256K1_N // 2:
        raise Unauthenticated("WALLET_SIGNATURE_HIGH_S", "signature is not in low-s form")
    return r, s
