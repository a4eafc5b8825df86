"""TDX quotes and the TLS key they bind: parsing a quote's measured fields, the SecretVM
image registry and RTMR3 replay (through secretvm-verify), and an SSL context that refuses
any peer whose key is not the attested one."""

from __future__ import annotations

import hashlib
import ssl
import struct
from dataclasses import dataclass


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


def short(value: str) -> str:
    return f"{value[:16]}…"


class PinMismatch(ssl.SSLError):
    """The peer's TLS key is not the attested one (raised during the handshake)."""


def check_pin(expected_sha256: str, cert_der: bytes | None) -> None:
    actual = tls_spki_sha256(cert_der) if cert_der else ""
    if actual != expected_sha256:
        raise PinMismatch(
            f"TLS public key {short(actual) if actual else '(none)'} is not the attested key "
            f"{short(expected_sha256)}"
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
            check_pin(pin, self.getpeercert(binary_form=True))

    class PinnedSSLSocket(ssl.SSLSocket):
        def do_handshake(self, block: bool = False) -> None:
            super().do_handshake(block)
            check_pin(pin, self.getpeercert(binary_form=True))

    context.sslobject_class = PinnedSSLObject
    context.sslsocket_class = PinnedSSLSocket
    return context
