"""The attestation policy, on real SecretVM quotes (tests/data/secretvm).

No network: TLS servers in these tests listen on 127.0.0.1 with certificates made here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import ipaddress
import socket
import ssl
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from helpers import SECRETVM_TESTDATA

from privexbot.inference import attestation as att
from privexbot.inference import tdx
from privexbot.inference.attestation import (
    ATTESTED,
    FAILED,
    UNATTESTED_DEVELOPMENT,
    Policy,
    QuoteSignature,
    evaluate,
    require,
)
from privexbot.inference.attestor import Attestor, fetch_quote, verify_quote_signature
from privexbot.inference.tdx import PinMismatch, parse_quote, pinned_ssl_context, tls_spki_sha256
from privexbot.kernel.errors import FailedPrecondition, Unavailable

DATA = SECRETVM_TESTDATA
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)

# Byte offsets in a TDX v4 quote: 48-byte header, then the TD report body.
TD = 48
OFFSETS = {
    "td_attributes": TD + 120,
    "MRTD": TD + 136,
    "RTMR0": TD + 328,
    "RTMR1": TD + 376,
    "RTMR2": TD + 424,
    "RTMR3": TD + 472,
    "report_data": TD + 520,
}


def read(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8")


QUOTE_HEX = read("tdx_cpu_docker_check_quote.txt").strip()
COMPOSE = read("tdx_cpu_docker_check_compose.yaml")
QUOTE = parse_quote(QUOTE_HEX)
BOUND_KEY_SHA256 = QUOTE.report_data[:64]  # the TLS key hash this quote speaks for


def patch_quote(quote_hex: str, offset: int, new: bytes) -> str:
    raw = bytearray(bytes.fromhex(quote_hex))
    raw[offset : offset + len(new)] = new
    return raw.hex()


def flip_byte(quote_hex: str, offset: int) -> str:
    raw = bytes.fromhex(quote_hex)
    return patch_quote(quote_hex, offset, bytes([raw[offset] ^ 0x01]))


def policy_for(quote: tdx.TdxQuote = QUOTE, **overrides) -> Policy:
    """Allowlists built from the quote's own measurements, the real compose, measurements only."""
    fields = {
        "mode": "required",
        "allowed_mrtd": frozenset({quote.mrtd}),
        "allowed_rtmr0": frozenset({quote.rtmr0}),
        "allowed_rtmr1": frozenset({quote.rtmr1}),
        "allowed_rtmr2": frozenset({quote.rtmr2}),
        "expected_compose": COMPOSE,
        "require_quote_signature": False,
    }
    fields.update(overrides)
    return Policy(**fields)


def judge(policy: Policy, quote_hex: str | None = QUOTE_HEX, **kwargs) -> att.Verdict:
    kwargs.setdefault("tls_public_key_sha256", BOUND_KEY_SHA256)
    return evaluate(policy, quote_hex, None, NOW, **kwargs)


# --- match --------------------------------------------------------------------------------


def test_the_samples_are_in_the_repository():
    assert DATA.is_dir(), f"expected the SecretVM samples in {DATA}"
    assert COMPOSE == "dfgfdghdf"  # the whole compose file, no trailing newline


def test_real_quote_and_compose_are_attested():
    verdict = judge(policy_for())
    assert verdict.state == ATTESTED and verdict.attested, verdict.reason
    assert verdict.failed_check == ""
    assert verdict.image == "small v0.0.25 (prod)"
    assert verdict.mrtd == QUOTE.mrtd
    assert verdict.rtmrs == (QUOTE.rtmr0, QUOTE.rtmr1, QUOTE.rtmr2, QUOTE.rtmr3)
    assert verdict.tls_public_key_sha256 == BOUND_KEY_SHA256
    assert verdict.checked_at == NOW
    # Honest about what was not verified.
    assert verdict.quote_signature == "skipped"
    assert "NOT verified" in verdict.reason
    require(verdict)  # does not raise


def test_allowlists_accept_uppercase_and_0x():
    policy = policy_for(allowed_mrtd=frozenset({"0x" + QUOTE.mrtd.upper()}))
    assert judge(policy).state == ATTESTED


def test_a_verified_signature_is_reported():
    signature = QuoteSignature("verified", "Intel DCAP verification passed", "UpToDate")
    verdict = judge(policy_for(require_quote_signature=True), signature=signature)
    assert verdict.state == ATTESTED, verdict.reason
    assert verdict.quote_signature == "verified"
    assert "quote signature verified (Intel DCAP, TCB UpToDate)" in verdict.reason


# --- mismatches -----------------------------------------------------------------------------


@pytest.mark.parametrize("position", [0, 4, 8])
def test_one_changed_byte_of_the_compose_fails_rtmr3(position):
    changed = bytearray(COMPOSE.encode())
    changed[position] ^= 0x01
    verdict = judge(policy_for(expected_compose=changed.decode()))
    assert verdict.state == FAILED and not verdict.attested
    assert verdict.failed_check == "RTMR3"
    assert "RTMR3" in verdict.reason and "docker-compose" in verdict.reason


def test_the_compose_must_match_byte_for_byte():
    # secretvm-verify's verify_workload would accept this (it also tries the stripped text).
    verdict = judge(policy_for(expected_compose=COMPOSE + "\n"))
    assert verdict.failed_check == "RTMR3"


def test_a_changed_rtmr3_in_the_quote_fails():
    verdict = judge(policy_for(), flip_byte(QUOTE_HEX, OFFSETS["RTMR3"] + 47))
    assert verdict.failed_check == "RTMR3"


@pytest.mark.parametrize("register", ["MRTD", "RTMR0", "RTMR1", "RTMR2"])
def test_one_changed_byte_of_a_measurement_is_not_in_the_allowlist(register):
    quote_hex = flip_byte(QUOTE_HEX, OFFSETS[register] + 5)
    verdict = judge(policy_for(), quote_hex)
    assert verdict.state == FAILED
    assert verdict.failed_check == register
    assert f"{register} " in verdict.reason and "allowlist" in verdict.reason
    assert verdict.mrtd == parse_quote(quote_hex).mrtd  # what was measured is reported


def test_allowlisted_measurements_of_an_unknown_image_cannot_replay_rtmr3():
    quote_hex = flip_byte(QUOTE_HEX, OFFSETS["MRTD"])
    verdict = judge(policy_for(parse_quote(quote_hex)), quote_hex)
    assert verdict.failed_check == "IMAGE"
    assert "RTMR3 cannot be replayed" in verdict.reason


def test_tls_key_hash_mismatch_fails_on_report_data():
    other = hashlib.sha256(b"some other key").hexdigest()
    verdict = judge(policy_for(), tls_public_key_sha256=other)
    assert verdict.state == FAILED
    assert verdict.failed_check == "REPORT_DATA_TLS_BINDING"
    assert "report_data[0:32]" in verdict.reason
    assert verdict.tls_public_key_sha256 == other


def test_tls_key_given_as_spki_der_is_hashed():
    _, cert = make_cert()
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    verdict = evaluate(policy_for(), QUOTE_HEX, spki, NOW)
    assert verdict.failed_check == "REPORT_DATA_TLS_BINDING"
    assert verdict.tls_public_key_sha256 == hashlib.sha256(spki).hexdigest()
    # ...and a quote whose report_data binds that key passes the binding check.
    forged = patch_quote(QUOTE_HEX, OFFSETS["report_data"], hashlib.sha256(spki).digest())
    assert evaluate(policy_for(), forged, spki, NOW).state == ATTESTED


def test_no_tls_key_fails():
    verdict = judge(policy_for(), tls_public_key_sha256=None)
    assert verdict.failed_check == "REPORT_DATA_TLS_BINDING"


def test_debug_td_fails():
    raw = bytes.fromhex(QUOTE_HEX)
    quote_hex = patch_quote(
        QUOTE_HEX, OFFSETS["td_attributes"], bytes([raw[OFFSETS["td_attributes"]] | 0x01])
    )
    verdict = judge(policy_for(), quote_hex)
    assert verdict.failed_check == "DEBUG_TD"


def test_only_allowed_environments():
    verdict = judge(policy_for(allowed_environments=frozenset({"dev"})))
    assert verdict.failed_check == "ENVIRONMENT"
    assert "small v0.0.25 (prod)" in verdict.reason


def test_signature_required_but_not_run_fails():
    verdict = judge(policy_for(require_quote_signature=True))
    assert verdict.failed_check == "QUOTE_SIGNATURE"
    assert verdict.quote_signature == "skipped"
    assert verdict.image == "small v0.0.25 (prod)"  # the measurements did match


def test_signature_required_but_pccs_unreachable_fails():
    signature = QuoteSignature("unavailable", "no DCAP collateral (PCCS unreachable?): dns")
    verdict = judge(policy_for(require_quote_signature=True), signature=signature)
    assert verdict.failed_check == "QUOTE_SIGNATURE"
    assert "PCCS unreachable" in verdict.reason


def test_an_invalid_signature_fails_even_when_not_required():
    signature = QuoteSignature("invalid", "DCAP verification failed: bad signature")
    verdict = judge(policy_for(require_quote_signature=False), signature=signature)
    assert verdict.failed_check == "QUOTE_SIGNATURE"
    assert "invalid" in verdict.reason


def test_mode_off_is_unattested_development_without_parsing(monkeypatch):
    def no_parsing(_):
        raise AssertionError("mode off must not parse the quote")

    monkeypatch.setattr(att, "parse_quote", no_parsing)
    verdict = evaluate(Policy(mode="off"), "not a quote", None, NOW)
    assert verdict.state == UNATTESTED_DEVELOPMENT and not verdict.attested
    assert verdict.reason == "replies are unattested: ATTESTATION=off"
    require(verdict)  # development: data may flow, replies say they are unattested


@pytest.mark.parametrize("quote_hex", [None, "", "  \n"])
def test_required_without_a_quote_fails(quote_hex):
    verdict = judge(policy_for(), quote_hex)
    assert verdict.state == FAILED and verdict.failed_check == "QUOTE"
    assert "no attestation quote" in verdict.reason


@pytest.mark.parametrize("quote_hex", ["zz", "00" * 100, QUOTE_HEX[:1000]])
def test_garbage_quotes_fail(quote_hex):
    verdict = judge(policy_for(), quote_hex)
    assert verdict.failed_check == "QUOTE"
    assert "could not be parsed" in verdict.reason


def test_required_with_an_empty_allowlist_refuses():
    policy = policy_for(allowed_rtmr1=frozenset(), expected_compose=None)
    assert policy.problems() == [
        "no allowed RTMR1 configured",
        "no expected docker-compose configured",
    ]
    verdict = judge(policy)
    assert verdict.failed_check == "POLICY"
    assert "no allowed RTMR1 configured" in verdict.reason


def test_policy_rejects_bad_settings():
    with pytest.raises(ValueError, match="off or required"):
        Policy(mode="maybe")
    with pytest.raises(ValueError, match="allowed_mrtd"):
        Policy(mode="required", allowed_mrtd=frozenset({"abc"}))
    assert att.hex_set(f"{QUOTE.mrtd}, 0x{QUOTE.rtmr0}") == {QUOTE.mrtd, QUOTE.rtmr0}


def test_require_raises_failed_precondition():
    verdict = judge(policy_for(), tls_public_key_sha256="00" * 32)
    with pytest.raises(FailedPrecondition) as caught:
        require(verdict)
    error = caught.value
    assert error.code == "FAILED_PRECONDITION"
    assert error.reason == "ATTESTATION_FAILED"
    assert "report_data[0:32]" in error.message
    assert error.metadata["check"] == "REPORT_DATA_TLS_BINDING"
    assert error.metadata["state"] == "FAILED"


# --- the other quotes -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cpu_quote.txt", "secretai_cpu_quote.txt"])
def test_other_quotes_parse_and_expose_measurements(name):
    quote = parse_quote(read(name))
    for value in (quote.mrtd, *quote.rtmrs):
        assert len(value) == 96 and int(value, 16) != 0
    assert len(quote.report_data) == 128
    assert not quote.debug
    images = tdx.secretvm_images(quote)
    assert {(i["template_name"], i["artifacts_ver"]) for i in images} == {
        ("4xlarge_256gb_gpu", "v0.0.21")
    }
    # With allowlists from its own measurements but no compose known, RTMR3 fails, clearly.
    verdict = evaluate(
        policy_for(quote), read(name), None, NOW, tls_public_key_sha256=quote.report_data[:64]
    )
    assert verdict.failed_check == "RTMR3"


# --- TLS key hash, pinning ------------------------------------------------------------------


def make_cert(host: str = "127.0.0.1") -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def test_tls_spki_sha256_hashes_the_subject_public_key_info():
    _, cert = make_cert()
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    assert tls_spki_sha256(der) == hashlib.sha256(spki).hexdigest()
    assert tls_spki_sha256(der) != hashlib.sha256(der).hexdigest()  # not the whole certificate


class TlsServer:
    """An HTTPS server on 127.0.0.1 that answers every request with ``body`` and records input."""

    def __init__(self, tmp_path: Path, name: str, body: str) -> None:
        key, self.cert = make_cert()
        self.der = self.cert.public_bytes(serialization.Encoding.DER)
        self.cert_file = tmp_path / f"{name}.crt"
        key_file = tmp_path / f"{name}.key"
        self.cert_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(self.cert_file, key_file)
        self.body = body.encode()
        self.received = bytearray()
        self.requests: list[bytes] = []

    async def __aenter__(self) -> TlsServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.context)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader, writer) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.received += head
            self.requests.append(head.split(b"\r\n", 1)[0])
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                + f"Content-Length: {len(self.body)}\r\n\r\n".encode()
                + self.body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert_file))


def chain(error: BaseException | None):
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


async def test_pinned_context_lets_the_attested_key_through(tmp_path):
    async with TlsServer(tmp_path, "enclave", "hello") as server:
        pin = tls_spki_sha256(server.der)
        context = pinned_ssl_context(pin, server.client_context())
        async with httpx.AsyncClient(verify=context) as client:
            response = await client.post(f"https://127.0.0.1:{server.port}/v1/x", content=b"prompt")
        assert response.text == "hello"
        assert server.requests == [b"POST /v1/x HTTP/1.1"]


async def test_pinned_context_refuses_another_key_before_sending_anything(tmp_path):
    async with TlsServer(tmp_path, "impostor", "stolen") as server:
        context = pinned_ssl_context(BOUND_KEY_SHA256, server.client_context())
        async with httpx.AsyncClient(verify=context) as client:
            with pytest.raises(httpx.ConnectError) as caught:
                await client.post(f"https://127.0.0.1:{server.port}/v1/x", content=b"prompt")
        assert any(isinstance(e, PinMismatch) for e in chain(caught.value))
        await asyncio.sleep(0.05)
        assert server.received == b""  # not one byte of the request left the platform
        # Plain asyncio streams and blocking sockets are pinned too.
        with pytest.raises(PinMismatch):
            await asyncio.open_connection(
                "127.0.0.1", server.port, ssl=pinned_ssl_context("00" * 32, server.client_context())
            )
        blocking = pinned_ssl_context("00" * 32, server.client_context())
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            with pytest.raises(PinMismatch):
                await asyncio.to_thread(blocking.wrap_socket, sock, server_hostname="127.0.0.1")


# --- fetching, the Attestor -----------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_fetch_quote_unreachable_is_unavailable():
    with pytest.raises(Unavailable) as caught:
        await fetch_quote(f"https://127.0.0.1:{closed_port()}", timeout_seconds=2)
    assert caught.value.reason == "ATTESTATION_UNREACHABLE"


async def test_verify_quote_signature_reports_why_it_could_not_verify():
    async def unreachable(_raw):
        raise RuntimeError("Failed to get collateral: dns error")

    result = await verify_quote_signature(
        QUOTE_HEX, timeout_seconds=1, fetch_collateral=unreachable
    )
    assert result.status == "unavailable" and "dns error" in result.detail

    async def bogus(_raw):
        import dcap_qvl

        return dcap_qvl.QuoteCollateralV3("", b"", b"", "", "{}", b"", "", "{}", b"")

    result = await verify_quote_signature(QUOTE_HEX, timeout_seconds=1, fetch_collateral=bogus)
    assert result.status == "invalid" and result.detail.startswith("DCAP verification failed")


async def test_attestor_mode_off_touches_no_network():
    async def forbidden(*args, **kwargs):
        raise AssertionError("no network with ATTESTATION=off")

    attestor = Attestor(
        Policy(mode="off"),
        "http://127.0.0.1:8300/v1",
        quote_fetcher=forbidden,
        cert_fetcher=forbidden,
        signature_checker=forbidden,
    )
    verdict = await attestor.ensure()
    assert verdict.state == UNATTESTED_DEVELOPMENT
    assert verdict.reason == "replies are unattested: ATTESTATION=off"
    assert attestor.pinned_ssl_context() is None
    attestor.check_peer_certificate(b"anything")


async def test_attestor_refuses_a_plain_http_endpoint():
    attestor = Attestor(policy_for(), "http://127.0.0.1:8300/v1", attestation_url="https://x:1")
    with pytest.raises(FailedPrecondition) as caught:
        await attestor.ensure()
    assert caught.value.metadata["check"] == "ENDPOINT"


async def test_attestor_end_to_end_on_loopback(tmp_path):
    """Real fetches over TLS on 127.0.0.1. The served quote is the real one with report_data
    rewritten to bind this server's key: it passes every measurement check, which is exactly
    why the signature check matters — required, it fails; not required, it is attested with
    the reason saying the signature was not verified."""
    clock = [1000.0]
    signature_calls = []

    async def pccs_unreachable(quote_hex, *, timeout_seconds, now):
        signature_calls.append(quote_hex)
        return QuoteSignature("unavailable", "no DCAP collateral (PCCS unreachable?)")

    async with TlsServer(tmp_path, "vm", "") as server:
        forged = patch_quote(
            QUOTE_HEX, OFFSETS["report_data"], bytes.fromhex(tls_spki_sha256(server.der))
        )
        server.body = (forged + "\n").encode()
        common = {
            "inference_base_url": f"https://127.0.0.1:{server.port}/v1",
            "attestation_url": f"https://127.0.0.1:{server.port}",
            "ssl_context": server.client_context(),
            "clock": lambda: clock[0],
            "wall_clock": lambda: NOW,
            "signature_checker": pccs_unreachable,
            "ttl": 60,
            "failure_ttl": 5,
        }

        strict = Attestor(replace(policy_for(), require_quote_signature=True), **common)
        with pytest.raises(FailedPrecondition) as caught:
            await strict.ensure()
        assert caught.value.metadata["check"] == "QUOTE_SIGNATURE"
        assert strict.pinned_spki_sha256 is None

        lenient = Attestor(policy_for(), **common)
        verdict = await lenient.ensure()
        assert verdict.state == ATTESTED, verdict.reason
        assert "NOT verified" in verdict.reason
        assert verdict.tls_public_key_sha256 == tls_spki_sha256(server.der)
        assert b"GET /cpu HTTP/1.1" in server.requests

        # Cached until the ttl runs out.
        fetched = len(server.requests)
        assert await lenient.verdict() is verdict
        assert len(server.requests) == fetched and len(signature_calls) == 2
        clock[0] += 61
        assert (await lenient.verdict()) is not verdict
        assert len(server.requests) == fetched + 1

        # The pin: the same key passes, another key is refused and forgets the verdict.
        assert lenient.pinned_spki_sha256 == tls_spki_sha256(server.der)
        lenient.check_peer_certificate(server.der)
        context = lenient.pinned_ssl_context(server.client_context())
        async with httpx.AsyncClient(verify=context) as client:
            response = await client.get(f"https://127.0.0.1:{server.port}/cpu")
        assert response.status_code == 200
        _, other = make_cert()
        with pytest.raises(FailedPrecondition) as caught:
            lenient.check_peer_certificate(other.public_bytes(serialization.Encoding.DER))
        assert caught.value.reason == "ATTESTATION_FAILED"
        assert lenient.pinned_spki_sha256 is None


async def test_attestor_unreachable_endpoint_raises_unavailable():
    port = closed_port()
    attestor = Attestor(
        policy_for(), f"https://127.0.0.1:{port}/v1", attestation_url=f"https://127.0.0.1:{port}"
    )
    with pytest.raises(Unavailable) as caught:
        await attestor.verdict()
    assert caught.value.reason == "ATTESTATION_UNREACHABLE"
