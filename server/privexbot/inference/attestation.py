"""The attestation policy: may the platform send a prompt or document to this inference endpoint?

A SecretVM (Intel TDX) serves its quote at ``https://<host>:29343/cpu``. The policy checks
that ``report_data[0:32]`` is the SHA-256 of the endpoint's TLS public key (then pinned for
the inference channel), MRTD and RTMR0-2 against allowlists, that RTMR3 replays from the
expected docker-compose, that the TD is not a debug TD, and the quote's Intel DCAP signature
(needs a PCCS). What each check proves and does not: docs/decisions/0006-attestation.md.
:func:`evaluate` is pure; the fetches, the signature check and :class:`Attestor` do I/O.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from privexbot.kernel.errors import FailedPrecondition, Unavailable

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


# --- the quote ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TdxQuote:
    """The measured fields of a TDX v4 quote (hex strings)."""

    mrtd: str
    rtmr0: str
    rtmr1: str
    rtmr2: str
    rtmr3: str
    report_data: str
    td_attributes: str

    @property
    def rtmrs(self) -> tuple[str, str, str, str]:
        return (self.rtmr0, self.rtmr1, self.rtmr2, self.rtmr3)

    @property
    def debug(self) -> bool:
        """TUD.DEBUG (bit 0 of TD attributes): the host can read the TD's memory."""
        return bool(bytes.fromhex(self.td_attributes)[0] & 0x01)


def parse_quote(quote_hex: str) -> TdxQuote:
    """Parse a hex TDX quote with secretvm-verify's parser (ValueError when it is not one)."""
    from secretvm.verify.tdx import _tdx_parse_quote  # pinned: secretvm-verify==0.12.0

    try:
        raw = bytes.fromhex(quote_hex.strip())
    except ValueError as exc:
        raise ValueError("quote is not hex") from exc
    try:
        td = _tdx_parse_quote(raw)["td"]
    except (ValueError, IndexError, struct.error) as exc:
        raise ValueError(f"not a TDX v4 quote: {exc}") from exc
    return TdxQuote(
        mrtd=td["mr_td"].hex(),
        rtmr0=td["rt_mr0"].hex(),
        rtmr1=td["rt_mr1"].hex(),
        rtmr2=td["rt_mr2"].hex(),
        rtmr3=td["rt_mr3"].hex(),
        report_data=td["report_data"].hex(),
        td_attributes=td["td_attributes"].hex(),
    )


def secretvm_images(quote: TdxQuote) -> list[dict[str, str]]:
    """The SecretVM images (secretvm-verify's bundled registry) with this MRTD/RTMR0-2.

    Offline on purpose: unlike ``verify_tdx_workload``, a registry miss does not download a
    new registry from GitHub (which would also rewrite files in site-packages).
    """
    from secretvm.verify.workload import _find_matching_artifacts

    return _find_matching_artifacts(quote.mrtd, quote.rtmr0, quote.rtmr1, quote.rtmr2)


def replay_rtmr3(
    compose: str | bytes, rootfs_data: str, docker_files_sha256: str | None = None
) -> str:
    """RTMR3 as a SecretVM extends it: SHA-256(compose bytes), rootfs, [docker-files digest].

    Exactly the given bytes: secretvm-verify's ``verify_workload`` also accepts the compose
    stripped and HTML-unescaped (for old attest-rest pages); a policy should not.
    """
    from secretvm.verify.workload import _calculate_rtmr3

    return _calculate_rtmr3(compose, rootfs_data, docker_files_sha256)


def tls_spki_sha256(cert_der: bytes) -> str:
    """SHA-256 (hex) over the certificate's SubjectPublicKeyInfo DER — what report_data binds."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    cert = x509.load_der_x509_certificate(cert_der)
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def _short(value: str) -> str:
    return f"{value[:16]}…"


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
            f"report_data[0:32] ({_short(bound)}) is not the SHA-256 of the endpoint's TLS "
            f"public key ({_short(tls_hash)}): the quote does not speak for this TLS key",
        )

    for label, value, allowed in (
        ("MRTD", quote.mrtd, policy.allowed_mrtd),
        ("RTMR0", quote.rtmr0, policy.allowed_rtmr0),
        ("RTMR1", quote.rtmr1, policy.allowed_rtmr1),
        ("RTMR2", quote.rtmr2, policy.allowed_rtmr2),
    ):
        if value not in allowed:
            return failed(label, f"{label} {_short(value)} is not in the allowlist")

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
            f"RTMR3 {_short(quote.rtmr3)} does not replay from the expected docker-compose "
            f"(sha256 {_short(compose_sha)}) on any matching SecretVM image: "
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
            f"attested: SecretVM {name}, docker-compose sha256 {_short(compose_sha)}, "
            f"TLS key {_short(tls_hash)} bound in report_data; {sig_text}"
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


# --- I/O ------------------------------------------------------------------------------------


def attestation_url_for(inference_base_url: str, port: int = ATTESTATION_PORT) -> str:
    """``https://host:29343`` for an inference base URL on that host."""
    host = urlsplit(inference_base_url).hostname
    if not host:
        raise ValueError(f"no host in {inference_base_url!r}")
    host = f"[{host}]" if ":" in host else host
    return f"https://{host}:{port}"


async def fetch_quote(
    attestation_url: str, *, timeout_seconds: float, verify: ssl.SSLContext | bool = True
) -> str:
    """GET the SecretVM quote (hex) from ``<attestation_url>/cpu``.

    ``attestation_url`` is the service base (``https://host:29343``); a URL already ending in
    ``/cpu`` is used as is. Raises Unavailable("ATTESTATION_UNREACHABLE") when the endpoint
    cannot be reached or does not answer 200 with a quote.
    """
    import httpx

    url = attestation_url.rstrip("/")
    url = url if url.endswith("/cpu") else f"{url}/cpu"
    try:
        async with httpx.AsyncClient(timeout=timeout_seconds, verify=verify) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        raise Unavailable(
            "ATTESTATION_UNREACHABLE",
            f"the attestation endpoint {url} could not be reached: {type(exc).__name__}",
            {"url": url},
        ) from exc
    if response.status_code != 200:
        raise Unavailable(
            "ATTESTATION_UNREACHABLE",
            f"the attestation endpoint {url} answered HTTP {response.status_code}",
            {"url": url},
        )
    text = response.text.strip()
    if not text or len(text) > MAX_QUOTE_CHARS:
        raise Unavailable(
            "ATTESTATION_UNREACHABLE", f"the attestation endpoint {url} sent no quote", {"url": url}
        )
    return text


async def fetch_tls_certificate(
    host: str, port: int, *, timeout_seconds: float, ssl_context: ssl.SSLContext | None = None
) -> bytes:
    """The DER certificate ``host:port`` presents in a TLS handshake.

    ``ssl_context`` defaults to the platform trust store with hostname checks; the attested
    key, not the CA, is what the pin trusts, so a context without CA checks is acceptable for
    endpoints with self-signed certificates.
    """
    context = ssl_context or ssl.create_default_context()
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=context, server_hostname=host),
            timeout_seconds,
        )
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        raise Unavailable(
            "ATTESTATION_UNREACHABLE",
            f"TLS handshake with {host}:{port} failed: {type(exc).__name__}: {exc}",
            {"host": host, "port": str(port)},
        ) from exc
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), timeout_seconds)
        except (OSError, TimeoutError, ssl.SSLError):
            pass
    if not der:
        raise Unavailable("ATTESTATION_UNREACHABLE", f"{host}:{port} presented no certificate")
    return der


CollateralFetcher = Callable[[bytes], Awaitable[Any]]


async def _pccs_collateral(raw_quote: bytes) -> Any:
    # secretvm-verify's fetch: PCCS from SECRETVM_PCCS_URL (default pccs.scrtlabs.com),
    # with its fix-up for that PCCS's hex-encoded root CA CRL.
    from secretvm.verify.tdx import _tdx_fetch_collateral

    return await _tdx_fetch_collateral(raw_quote)


async def verify_quote_signature(
    quote_hex: str,
    *,
    timeout_seconds: float,
    now: datetime | None = None,
    fetch_collateral: CollateralFetcher = _pccs_collateral,
) -> QuoteSignature:
    """Intel DCAP verification of the quote's signature; never raises.

    Fetching collateral needs the network (a PCCS); with it in hand ``dcap_qvl.verify`` is
    offline: PCK chain to the pinned Intel SGX root CA, CRLs, TCB info and QE identity
    signatures, the quote signature over the TD report, TCB status. "unavailable" when the
    collateral could not be fetched, "invalid" when verification rejected the quote.
    """
    import dcap_qvl

    try:
        raw = bytes.fromhex(quote_hex.strip())
    except ValueError:
        return QuoteSignature(SIGNATURE_INVALID, "quote is not hex")
    try:
        collateral = await asyncio.wait_for(fetch_collateral(raw), timeout_seconds)
    except Exception as exc:  # the PCCS client raises ValueError/RuntimeError/OSError
        return QuoteSignature(
            SIGNATURE_UNAVAILABLE, f"no DCAP collateral (PCCS unreachable?): {exc}"
        )
    seconds = int((now or datetime.now(UTC)).timestamp())
    try:
        report = await asyncio.to_thread(dcap_qvl.verify, raw, collateral, seconds)
    except Exception as exc:  # dcap-qvl raises ValueError with the failed step
        return QuoteSignature(SIGNATURE_INVALID, f"DCAP verification failed: {exc}")
    return QuoteSignature(SIGNATURE_VERIFIED, "Intel DCAP verification passed", report.status)


# --- the TLS pin ----------------------------------------------------------------------------


class PinMismatch(ssl.SSLError):
    """The peer's TLS key is not the attested one (raised during the handshake)."""


def _check_pin(expected_sha256: str, cert_der: bytes | None) -> None:
    actual = tls_spki_sha256(cert_der) if cert_der else ""
    if actual != expected_sha256:
        raise PinMismatch(
            f"TLS public key {_short(actual) if actual else '(none)'} is not the attested key "
            f"{_short(expected_sha256)}"
        )


def pinned_ssl_context(
    expected_spki_sha256: str, base: ssl.SSLContext | None = None
) -> ssl.SSLContext:
    """An SSLContext whose handshakes fail unless the peer's SPKI SHA-256 is the pinned one.

    ``base`` (default: the platform trust store) is modified and returned; pass a fresh one.
    The check runs inside the handshake, before any request byte (a prompt) is written. Works
    with asyncio streams, anyio/httpx (``httpx.AsyncClient(verify=ctx)``, which AsyncOpenAI
    accepts through ``http_client``) and blocking sockets. The failure is :class:`PinMismatch`
    (an ``ssl.SSLError``; httpx wraps it in ``ConnectError``).
    """
    context = base or ssl.create_default_context()
    pin = expected_spki_sha256.lower()

    class PinnedSSLObject(ssl.SSLObject):
        def do_handshake(self) -> None:
            super().do_handshake()
            _check_pin(pin, self.getpeercert(binary_form=True))

    class PinnedSSLSocket(ssl.SSLSocket):
        def do_handshake(self, block: bool = False) -> None:
            super().do_handshake(block)
            _check_pin(pin, self.getpeercert(binary_form=True))

    context.sslobject_class = PinnedSSLObject
    context.sslsocket_class = PinnedSSLSocket
    return context


# --- the attestor ---------------------------------------------------------------------------


@dataclass
class Attestor:
    """Attests the inference endpoint, caches the verdict, and pins its TLS key.

    Given the policy and the inference base URL (``https://host:port/v1``) it fetches the quote
    from ``attestation_url`` (default ``https://host:29343``) and the certificate the inference
    host:port presents, runs the DCAP signature check, and evaluates. ATTESTED verdicts are
    cached for ``ttl`` seconds, FAILED ones for ``failure_ttl``; an unreachable endpoint raises
    Unavailable and is not cached. With mode "off" nothing touches the network.
    """

    policy: Policy
    inference_base_url: str
    attestation_url: str | None = None
    ttl: float = 300.0
    failure_ttl: float = 30.0
    timeout_seconds: float = 10.0
    ssl_context: ssl.SSLContext | None = None  # for the certificate and quote fetches
    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    quote_fetcher: Callable[..., Awaitable[str]] = fetch_quote
    cert_fetcher: Callable[..., Awaitable[bytes]] = fetch_tls_certificate
    signature_checker: Callable[..., Awaitable[QuoteSignature]] = verify_quote_signature

    def __post_init__(self) -> None:
        self._verdict: Verdict | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        if self.policy.mode == MODE_REQUIRED and self.attestation_url is None:
            self.attestation_url = attestation_url_for(self.inference_base_url)

    async def verdict(self) -> Verdict:
        """The current verdict (cached); Unavailable when the endpoint cannot be reached."""
        if self.policy.mode == MODE_OFF:
            return development_verdict(self.wall_clock())
        if self._verdict is not None and self.clock() < self._expires:
            return self._verdict
        async with self._lock:
            if self._verdict is not None and self.clock() < self._expires:
                return self._verdict
            verdict = await self._attest()
            self._verdict = verdict
            self._expires = self.clock() + (self.ttl if verdict.attested else self.failure_ttl)
            return verdict

    async def ensure(self) -> Verdict:
        """The verdict, or FailedPrecondition("ATTESTATION_FAILED") if data must not be sent."""
        verdict = await self.verdict()
        require(verdict)
        return verdict

    def invalidate(self) -> None:
        """Forget the cached verdict (e.g. after a PinMismatch: the endpoint changed its key)."""
        self._verdict = None
        self._expires = 0.0

    @property
    def pinned_spki_sha256(self) -> str | None:
        """The attested TLS key (hex SHA-256 of its SPKI), while an ATTESTED verdict is cached."""
        if self._verdict is not None and self._verdict.attested and self.clock() < self._expires:
            return self._verdict.tls_public_key_sha256
        return None

    def pinned_ssl_context(self, base: ssl.SSLContext | None = None) -> ssl.SSLContext | None:
        """An SSLContext pinned to the attested key; None with mode off. Call after ensure()."""
        if self.policy.mode == MODE_OFF:
            return None
        pin = self.pinned_spki_sha256
        if pin is None:
            raise FailedPrecondition(
                "ATTESTATION_FAILED", "no attested TLS key to pin: call ensure() first"
            )
        return pinned_ssl_context(pin, base)

    def check_peer_certificate(self, cert_der: bytes) -> None:
        """FailedPrecondition("ATTESTATION_FAILED") unless ``cert_der`` carries the attested key."""
        if self.policy.mode == MODE_OFF:
            return
        pin = self.pinned_spki_sha256
        try:
            if pin is None:
                raise PinMismatch("no attested TLS key")
            _check_pin(pin, cert_der)
        except PinMismatch as exc:
            self.invalidate()
            raise FailedPrecondition(
                "ATTESTATION_FAILED",
                f"the inference endpoint's TLS key changed since attestation: {exc}",
                {"check": CHECK_TLS},
            ) from exc

    async def _attest(self) -> Verdict:
        now = self.wall_clock()
        target = urlsplit(self.inference_base_url)
        if target.scheme != "https" or not target.hostname:
            return Verdict(
                attested=False,
                state=FAILED,
                reason=(
                    f"the inference endpoint {self.inference_base_url} is not https: "
                    "there is no TLS key for a quote to bind"
                ),
                checked_at=now,
                failed_check=CHECK_ENDPOINT,
            )
        assert self.attestation_url is not None
        verify: ssl.SSLContext | bool = self.ssl_context or True
        quote_hex, cert_der = await asyncio.gather(
            self.quote_fetcher(
                self.attestation_url, timeout_seconds=self.timeout_seconds, verify=verify
            ),
            self.cert_fetcher(
                target.hostname,
                target.port or 443,
                timeout_seconds=self.timeout_seconds,
                ssl_context=self.ssl_context,
            ),
            return_exceptions=True,
        )
        for outcome in (quote_hex, cert_der):
            if isinstance(outcome, BaseException):
                raise outcome
        assert isinstance(quote_hex, str) and isinstance(cert_der, bytes)
        signature = await self.signature_checker(
            quote_hex, timeout_seconds=self.timeout_seconds, now=now
        )
        spki_sha256 = tls_spki_sha256(cert_der)
        return evaluate(
            self.policy,
            quote_hex,
            None,
            now,
            tls_public_key_sha256=spki_sha256,
            signature=signature,
        )
