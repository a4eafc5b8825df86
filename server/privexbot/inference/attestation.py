"""The attestation policy: may the platform send a prompt or document to this inference endpoint?

A SecretVM (Intel TDX) serves its quote at ``https://<host>:29343/cpu``. The policy checks
that ``report_data[0:32]`` is the SHA-256 of the endpoint's TLS public key (then pinned for
the inference channel), MRTD and RTMR0-2 against allowlists, that RTMR3 replays from the
expected docker-compose, that the TD is not a debug TD, and the quote's Intel DCAP signature
(needs a PCCS). What each check proves and does not: docs/decisions/0006-attestation.md.
:func:`evaluate` is pure; the quote is parsed in tdx, fetched and checked by attestor.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from privexbot.inference.tdx import TdxQuote, parse_quote, replay_rtmr3, secretvm_images, short
from privexbot.kernel.errors import FailedPrecondition

MODE_OFF = "off"
MODE_REQUIRED = "required"
MODES = frozenset({MODE_OFF, MODE_REQUIRED})

ATTESTED = "ATTESTED"
UNATTESTED_DEVELOPMENT = "UNATTESTED_DEVELOPMENT"
FAILED = "FAILED"

ATTESTATION_PORT = 29343
"""Where a SecretVM serves its attestation endpoints (``/cpu``, ``/docker-compose``, ...)."""

DEVELOPMENT_REASON = "replies are unattested: ATTESTATION=off"
MAX_QUOTE_CHARS = 1 << 20

# The failed check, in Verdict.failed_check and the error's metadata.
CHECK_POLICY = "POLICY"
CHECK_ENDPOINT = "ENDPOINT"
CHECK_QUOTE = "QUOTE"
CHECK_SIGNATURE = "QUOTE_SIGNATURE"
CHECK_DEBUG = "DEBUG_TD"
CHECK_TLS = "REPORT_DATA_TLS_BINDING"
CHECK_MRTD = "MRTD"
CHECK_IMAGE = "IMAGE"
CHECK_RTMR3 = "RTMR3"
CHECK_ENVIRONMENT = "ENVIRONMENT"

# Quote-signature outcomes (QuoteSignature.status, Verdict.quote_signature).
SIGNATURE_VERIFIED = "verified"
SIGNATURE_INVALID = "invalid"  # verification ran and rejected the quote
SIGNATURE_UNAVAILABLE = "unavailable"  # could not run (no collateral: PCCS unreachable)
SIGNATURE_SKIPPED = "skipped"  # nobody ran it (evaluate got no QuoteSignature)

_MEASUREMENT_HEX = 96  # MRTD and RTMRs are SHA-384 registers: 48 bytes


def _hex(value: str, what: str) -> str:
    text = value.strip().lower().removeprefix("0x")
    if len(text) != _MEASUREMENT_HEX or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(f"{what}: expected {_MEASUREMENT_HEX} hex characters, got {value!r}")
    return text


def hex_set(text: str, what: str = "measurement") -> frozenset[str]:
    """Parse a comma/whitespace separated list of 48-byte hex measurements (for settings)."""
    return frozenset(_hex(item, what) for item in text.replace(",", " ").split())


@dataclass(frozen=True)
class Policy:
    """What an inference endpoint must prove before data is sent to it.

    ``mode`` "off" (development: nothing is checked, replies say they are unattested) or
    "required". In required mode every allowlist must be non-empty and ``expected_compose``
    set: an empty allowlist does not mean "don't check", it means nothing is allowed, and the
    verdict is FAILED (``problems()`` lists what is missing, so startup can refuse early).
    ``expected_compose`` is the exact docker-compose text (UTF-8 bytes, byte for byte, as
    deployed) that RTMR3 must replay from. ``expected_docker_files_sha256`` is the SHA-256 of the
    optional SecretVM docker-files archive, when one was deployed.
    """

    mode: str = MODE_OFF
    allowed_mrtd: frozenset[str] = frozenset()
    allowed_rtmr0: frozenset[str] = frozenset()
    allowed_rtmr1: frozenset[str] = frozenset()
    allowed_rtmr2: frozenset[str] = frozenset()
    expected_compose: str | None = None
    expected_docker_files_sha256: str | None = None
    allowed_environments: frozenset[str] = frozenset({"prod"})
    require_quote_signature: bool = True

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"attestation mode must be off or required, not {self.mode!r}")
        for name in ("allowed_mrtd", "allowed_rtmr0", "allowed_rtmr1", "allowed_rtmr2"):
            values = frozenset(_hex(v, name) for v in getattr(self, name))
            object.__setattr__(self, name, values)
        object.__setattr__(
            self, "allowed_environments", frozenset(e.lower() for e in self.allowed_environments)
        )
        if self.expected_docker_files_sha256 is not None:
            digest = self.expected_docker_files_sha256.strip().lower().removeprefix("0x")
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise ValueError("expected_docker_files_sha256: expected 64 hex characters")
            object.__setattr__(self, "expected_docker_files_sha256", digest)

    def problems(self) -> list[str]:
        """Why this policy cannot attest anything (empty when complete, or when mode is off)."""
        if self.mode == MODE_OFF:
            return []
        missing = [
            f"no allowed {label} configured"
            for label, values in (
                ("MRTD", self.allowed_mrtd),
                ("RTMR0", self.allowed_rtmr0),
                ("RTMR1", self.allowed_rtmr1),
                ("RTMR2", self.allowed_rtmr2),
                ("environment", self.allowed_environments),
            )
            if not values
        ]
        if self.expected_compose is None:
            missing.append("no expected docker-compose configured")
        return missing


@dataclass(frozen=True)
class QuoteSignature:
    """The outcome of Intel DCAP verification of a quote's signature (see the module doc)."""

    status: str  # SIGNATURE_VERIFIED | SIGNATURE_INVALID | SIGNATURE_UNAVAILABLE
    detail: str
    tcb_status: str = ""


@dataclass(frozen=True)
class Verdict:
    """Whether data may go to the endpoint, and what was measured.

    ``reason`` is for people; ``failed_check`` (one of the ``CHECK_*`` names) for code.
    ``quote_signature`` says whether the quote's signature was verified (see module doc).
    ``image`` names the SecretVM image RTMR3 replayed on, e.g. "small v0.0.25 (prod)".
    """

    attested: bool
    state: str
    reason: str
    checked_at: datetime
    tls_public_key_sha256: str = ""
    mrtd: str = ""
    rtmrs: tuple[str, ...] = ()
    failed_check: str = ""
    quote_signature: str = SIGNATURE_SKIPPED
    image: str = ""

    @property
    def metadata(self) -> dict[str, str]:
        """ErrorInfo metadata (strings only)."""
        out = {"state": self.state, "quote_signature": self.quote_signature}
        if self.failed_check:
            out["check"] = self.failed_check
        if self.tls_public_key_sha256:
            out["tls_public_key_sha256"] = self.tls_public_key_sha256
        return out


def development_verdict(now: datetime) -> Verdict:
    return Verdict(
        attested=False, state=UNATTESTED_DEVELOPMENT, reason=DEVELOPMENT_REASON, checked_at=now
    )


# --- the policy -----------------------------------------------------------------------------


def evaluate(
    policy: Policy,
    quote_hex: str | None,
    tls_public_key_spki_der: bytes | None,
    now: datetime,
    *,
    tls_public_key_sha256: str | None = None,
    signature: QuoteSignature | None = None,
) -> Verdict:
    """Judge a quote against the policy. Pure: no network, no clock (``now`` is given).

    The TLS key comes as its SubjectPublicKeyInfo DER, or already hashed
    (``tls_public_key_sha256``, hex). ``signature`` is the outcome of
    :func:`verify_quote_signature`; None means it was not run (reported as "skipped").
    Every mismatch gives a FAILED verdict naming the check; nothing raises.
    """
    if policy.mode == MODE_OFF:
        return development_verdict(now)

    if tls_public_key_spki_der is not None:
        tls_hash = hashlib.sha256(tls_public_key_spki_der).hexdigest()
    else:
        tls_hash = (tls_public_key_sha256 or "").strip().lower()
    sig_status = signature.status if signature is not None else SIGNATURE_SKIPPED
    quote: TdxQuote | None = None

    def failed(check: str, reason: str) -> Verdict:
        return Verdict(
            attested=False,
            state=FAILED,
            reason=reason,
            checked_at=now,
            tls_public_key_sha256=tls_hash,
            mrtd=quote.mrtd if quote else "",
            rtmrs=quote.rtmrs if quote else (),
            failed_check=check,
            quote_signature=sig_status,
        )

    problems = policy.problems()
    if problems:
        return failed(CHECK_POLICY, "attestation policy is incomplete: " + "; ".join(problems))
    if not quote_hex or not quote_hex.strip():
        return failed(CHECK_QUOTE, "no attestation quote: the endpoint did not provide one")
    try:
        quote = parse_quote(quote_hex)
    except ValueError as exc:
        return failed(CHECK_QUOTE, f"attestation quote could not be parsed: {exc}")

    if signature is not None and signature.status == SIGNATURE_INVALID:
        return failed(CHECK_SIGNATURE, f"quote signature is invalid: {signature.detail}")
    if quote.debug:
        return failed(CHECK_DEBUG, "the TD runs in debug mode (TD attributes DEBUG bit set)")

    bound = quote.report_data[:64]
    if not tls_hash:
        return failed(CHECK_TLS, "no TLS public key to compare with report_data[0:32]")
    if bound != tls_hash:
        return failed(
            CHECK_TLS,
            f"report_data[0:32] ({short(bound)}) is not the SHA-256 of the endpoint's TLS "
            f"public key ({short(tls_hash)}): the quote does not speak for this TLS key",
        )

    for label, value, allowed in (
        ("MRTD", quote.mrtd, policy.allowed_mrtd),
        ("RTMR0", quote.rtmr0, policy.allowed_rtmr0),
        ("RTMR1", quote.rtmr1, policy.allowed_rtmr1),
        ("RTMR2", quote.rtmr2, policy.allowed_rtmr2),
    ):
        if value not in allowed:
            return failed(label, f"{label} {short(value)} is not in the allowlist")

    images = secretvm_images(quote)
    if not images:
        return failed(
            CHECK_IMAGE,
            "MRTD/RTMR0-2 match no SecretVM image known to secretvm-verify; "
            "RTMR3 cannot be replayed",
        )
    assert policy.expected_compose is not None  # problems() guarantees it
    compose = policy.expected_compose.encode("utf-8")
    compose_sha = hashlib.sha256(compose).hexdigest()
    matched = [
        image
        for image in images
        if replay_rtmr3(compose, image["rootfs_data"], policy.expected_docker_files_sha256)
        == quote.rtmr3
    ]
    if not matched:
        return failed(
            CHECK_RTMR3,
            f"RTMR3 {short(quote.rtmr3)} does not replay from the expected docker-compose "
            f"(sha256 {short(compose_sha)}) on any matching SecretVM image: "
            "the VM runs a different workload",
        )
    allowed_images = [m for m in matched if m["vm_type"] in policy.allowed_environments]
    image = allowed_images[0] if allowed_images else matched[0]
    name = f"{image['template_name']} {image['artifacts_ver']} ({image['vm_type']})"
    if not allowed_images:
        return failed(
            CHECK_ENVIRONMENT,
            f"the VM runs SecretVM image {name}; allowed environments: "
            + ", ".join(sorted(policy.allowed_environments)),
        )

    if sig_status == SIGNATURE_VERIFIED:
        tcb = f", TCB {signature.tcb_status}" if signature and signature.tcb_status else ""
        sig_text = f"quote signature verified (Intel DCAP{tcb})"
    else:
        why = signature.detail if signature is not None else "verification was not run"
        if policy.require_quote_signature:
            verdict = failed(CHECK_SIGNATURE, f"quote signature could not be verified: {why}")
            return replace(verdict, image=name)
        sig_text = f"quote signature NOT verified ({sig_status}: {why}); measurements only"
    return Verdict(
        attested=True,
        state=ATTESTED,
        reason=(
            f"attested: SecretVM {name}, docker-compose sha256 {short(compose_sha)}, "
            f"TLS key {short(tls_hash)} bound in report_data; {sig_text}"
        ),
        checked_at=now,
        tls_public_key_sha256=tls_hash,
        mrtd=quote.mrtd,
        rtmrs=quote.rtmrs,
        quote_signature=sig_status,
        image=name,
    )


def require(verdict: Verdict) -> None:
    """Refuse to send data unless the verdict is ATTESTED or attestation is off (development)."""
    if verdict.attested or verdict.state == UNATTESTED_DEVELOPMENT:
        return
    raise FailedPrecondition(
        "ATTESTATION_FAILED",
        f"the inference endpoint failed attestation: {verdict.reason}",
        verdict.metadata,
    )
