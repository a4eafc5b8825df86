"""SecretVM-style attestation: relay the VM's TDX quote, or say plainly that there is none.

Inside a SecretVM, the VM's attestation service serves the Intel TDX quote (hex) at
``https://<vm>:29343/cpu``; its ``report_data[0:32]`` is the SHA-256 of the VM's TLS public
key (SPKI DER), which is how a client binds the quote to the TLS channel it talks over.
This module only *relays* that quote — verification (signature, MRTD/RTMR allowlist,
docker-compose replay) is the client's job. On a plain machine there is no quote, and we
never make one up.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import httpx

log = logging.getLogger("privexbot_enclave.attestation")

NOT_ATTESTED_REASON = "not attested (development): no SecretVM attestation service"

# TDX quote layout (v4/v5): 48-byte header, then the TD report body; report_data is the last
# 64 bytes of the 584-byte v4 body, i.e. at offset 48 + 520.
_HEADER_LEN = 48
_REPORT_DATA_OFFSET = _HEADER_LEN + 520
_TDX_TEE_TYPE = 0x81
_MAX_QUOTE_HEX = 64 * 1024


class InvalidQuote(ValueError):
    pass


@dataclass(frozen=True)
class Quote:
    hex: str
    version: int
    report_data: bytes

    @property
    def tls_public_key_sha256(self) -> str:
        return self.report_data[:32].hex()


def parse_quote(text: str) -> Quote:
    """Check that ``text`` is a hex-encoded TDX quote and pull out report_data."""
    raw_hex = "".join(text.split()).lower()
    if raw_hex.startswith("0x"):
        raw_hex = raw_hex[2:]
    if not raw_hex or len(raw_hex) > _MAX_QUOTE_HEX:
        raise InvalidQuote("empty or oversized quote")
    try:
        raw = bytes.fromhex(raw_hex)
    except ValueError as exc:
        raise InvalidQuote("quote is not hex") from exc
    if len(raw) < _REPORT_DATA_OFFSET + 64:
        raise InvalidQuote(f"quote too short ({len(raw)} bytes)")
    version = int.from_bytes(raw[0:2], "little")
    tee_type = int.from_bytes(raw[4:8], "little")
    if version not in (4, 5) or tee_type != _TDX_TEE_TYPE:
        raise InvalidQuote(f"not a TDX quote (version {version}, tee type {tee_type:#x})")
    return Quote(
        hex=raw_hex,
        version=version,
        report_data=raw[_REPORT_DATA_OFFSET : _REPORT_DATA_OFFSET + 64],
    )


class AttestationRelay:
    """Fetches (and caches) the quote from the VM's attestation service, if there is one."""

    def __init__(self, url: str = "", *, timeout: float = 3.0, cache_seconds: float = 300.0):
        self.url = url.strip()
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self._cached: tuple[float, Quote] | None = None

    async def quote(self) -> tuple[Quote | None, str]:
        """(quote, "") when attested, else (None, why not)."""
        if not self.url:
            return None, "ENCLAVE_ATTESTATION_URL is not set"
        now = time.monotonic()
        if self._cached and now - self._cached[0] < self.cache_seconds:
            return self._cached[1], ""
        try:
            # The service is the VM's own, on its own self-signed certificate; the quote is
            # self-authenticating (the client verifies it), so transport trust adds nothing here.
            async with httpx.AsyncClient(verify=False, timeout=self.timeout) as client:
                resp = await client.get(self.url)
        except httpx.HTTPError as exc:
            log.warning("attestation service unreachable: %s", type(exc).__name__)
            return None, f"attestation service unreachable ({type(exc).__name__})"
        if resp.status_code != 200:
            return None, f"attestation service answered HTTP {resp.status_code}"
        try:
            quote = parse_quote(resp.text)
        except InvalidQuote as exc:
            log.warning("attestation service returned an invalid quote: %s", exc)
            return None, f"attestation service returned an invalid quote: {exc}"
        self._cached = (now, quote)
        return quote, ""

    async def report(self) -> dict:
        quote, why = await self.quote()
        if quote is None:
            return {"attested": False, "reason": NOT_ATTESTED_REASON, "detail": why}
        return {
            "attested": True,
            "tee": "intel-tdx",
            "quote": quote.hex,
            "quote_version": quote.version,
            # report_data[0:32] as bound in the quote: the SHA-256 of the VM's TLS public key.
            "tls_public_key_sha256": quote.tls_public_key_sha256,
            "report_data": quote.report_data.hex(),
            "source": self.url,
        }
