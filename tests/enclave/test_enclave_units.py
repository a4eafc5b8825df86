"""Enclave parts that need no model: attestation relay (against a local stand-in of the
SecretVM attestation service serving a REAL captured quote), stop sequences, model lookup."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

pytest.importorskip("privexbot_enclave", reason="run enclave/install.sh .venv/bin/python")

from helpers import SECRETVM_TESTDATA, free_port  # noqa: E402
from privexbot_enclave.attestation import (  # noqa: E402
    NOT_ATTESTED_REASON,
    AttestationRelay,
    InvalidQuote,
    parse_quote,
)
from privexbot_enclave.models import _StopMatcher  # noqa: E402

pytestmark = pytest.mark.enclave

QUOTE_FILE = SECRETVM_TESTDATA / "tdx_cpu_docker_check_quote.txt"


@pytest.fixture(scope="module")
def real_quote() -> str:
    if not QUOTE_FILE.is_file():
        pytest.skip(f"no captured SecretVM quote at {QUOTE_FILE}")
    return QUOTE_FILE.read_text().strip()


class _QuoteService:
    """A local stand-in for the SecretVM attestation service: GET /cpu -> body."""

    def __init__(self, body: str, status: int = 200) -> None:
        outer = self
        self.body, self.status = body, status

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                data = outer.body.encode()
                self.send_response(outer.status if self.path == "/cpu" else 404)
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cpu"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def quote_service(real_quote: str) -> Iterator[_QuoteService]:
    svc = _QuoteService(real_quote + "\n")
    yield svc
    svc.close()


def test_parse_real_quote(real_quote: str):
    q = parse_quote(real_quote)
    assert q.version == 4
    assert len(q.report_data) == 64
    assert q.hex == real_quote.lower()
    # report_data sits at byte 568 of a v4 quote (48-byte header + 520 bytes into the TD report)
    assert q.tls_public_key_sha256 == bytes.fromhex(real_quote)[568:600].hex()


@pytest.mark.parametrize("text", ["", "zz", "00" * 700, "04000200" + "00" * 700])
def test_parse_rejects_non_quotes(text: str):
    with pytest.raises(InvalidQuote):
        parse_quote(text)


async def test_relay_returns_the_vm_quote(quote_service: _QuoteService, real_quote: str):
    relay = AttestationRelay(quote_service.url)
    report = await relay.report()
    assert report["attested"] is True
    assert report["quote"] == real_quote.lower()
    assert report["tls_public_key_sha256"] == bytes.fromhex(real_quote)[568:600].hex()
    quote, why = await relay.quote()
    assert quote is not None and why == ""


async def test_relay_unconfigured_is_not_attested():
    report = await AttestationRelay("").report()
    assert report == {
        "attested": False,
        "reason": NOT_ATTESTED_REASON,
        "detail": "ENCLAVE_ATTESTATION_URL is not set",
    }


async def test_relay_unreachable_is_not_attested():
    report = await AttestationRelay(f"http://127.0.0.1:{free_port()}/cpu", timeout=1).report()
    assert report["attested"] is False
    assert report["reason"] == NOT_ATTESTED_REASON
    assert "unreachable" in report["detail"]
    assert "quote" not in report


@pytest.mark.parametrize("body,status", [("not a quote", 200), ("", 503)])
async def test_relay_never_passes_on_garbage(body: str, status: int):
    svc = _QuoteService(body, status)
    try:
        report = await AttestationRelay(svc.url).report()
    finally:
        svc.close()
    assert report["attested"] is False and "quote" not in report


@pytest.mark.parametrize(
    "pieces,stops,emitted,stopped",
    [
        (["Hel", "lo wor", "ld"], [], "Hello world", False),
        (["Hello ", "wo", "rld"], ["world"], "Hello ", True),
        (["a", "b", "c", "d"], ["bc"], "a", True),
        (["x<", "|e", "nd"], ["<|end|>"], "x", False),  # held back while it could still match
        (["ab", "cd"], ["zz", "cd"], "ab", True),
    ],
)
def test_stop_matcher(pieces, stops, emitted, stopped):
    m = _StopMatcher(stops)
    out, hit = "", False
    for piece in pieces:
        text, hit = m.feed(piece)
        out += text
        if hit:
            break
    assert out == emitted
    assert hit is stopped


def test_stop_matcher_flushes_a_prefix_that_never_completed():
    m = _StopMatcher(["<|end|>"])
    assert m.feed("abc<|e") == ("abc", False)
    assert m.flush() == "<|e"


async def test_app_before_models_load_answers_503_and_still_checks_keys():
    httpx = pytest.importorskip("httpx")
    from privexbot_enclave.app import create_app
    from privexbot_enclave.config import Settings

    app = create_app(Settings(api_key="k"), load_models=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://enclave") as c:
        r = await c.get("/health")
        assert r.status_code == 503 and r.json()["status"] == "loading"
        r = await c.post("/v1/embeddings", json={"model": "all-minilm-l6-v2", "input": "x"})
        assert r.status_code == 401
        r = await c.post(
            "/v1/embeddings",
            json={"model": "all-minilm-l6-v2", "input": "x"},
            headers={"Authorization": "Bearer k"},
        )
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "model_not_ready"


def test_create_app_refuses_an_empty_key():
    from privexbot_enclave.app import create_app
    from privexbot_enclave.config import Settings

    with pytest.raises(ValueError):
        create_app(Settings(api_key=""))


def test_cli_refuses_to_start_without_a_key(monkeypatch: pytest.MonkeyPatch, capsys):
    import privexbot_enclave

    monkeypatch.delenv("ENCLAVE_API_KEY", raising=False)
    assert privexbot_enclave.main([]) == 2
    assert "ENCLAVE_API_KEY" in capsys.readouterr().err
