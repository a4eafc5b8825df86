"""The attestor: fetches the inference endpoint's quote and TLS certificate, checks the quote's
Intel DCAP signature, evaluates the policy, caches the verdict and pins the attested key."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from privexbot import metrics
from privexbot.inference.attestation import (
    ATTESTATION_PORT,
    CHECK_ENDPOINT,
    CHECK_TLS,
    FAILED,
    MAX_QUOTE_CHARS,
    MODE_OFF,
    MODE_REQUIRED,
    SIGNATURE_INVALID,
    SIGNATURE_UNAVAILABLE,
    SIGNATURE_VERIFIED,
    Policy,
    QuoteSignature,
    Verdict,
    development_verdict,
    evaluate,
    require,
)
from privexbot.inference.tdx import PinMismatch, check_pin, pinned_ssl_context, tls_spki_sha256
from privexbot.kernel.errors import FailedPrecondition, Unavailable


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
            metrics.ATTESTED.set(1 if verdict.attested else 0)
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
            check_pin(pin, cert_der)
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
