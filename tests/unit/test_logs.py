"""The JSON log lines: one object per line, every field escaped; the per-RPC line written
straight to the same stream, only when the privexbot.rpc logger is enabled for INFO."""

from __future__ import annotations

import io
import json
import logging

import pytest

from privexbot import logs


@pytest.fixture
def lines():
    """configure() into a buffer; yields a function returning the parsed lines so far."""
    stream = io.StringIO()
    with logs.configured("INFO", stream):
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_message_line(lines):
    logging.getLogger("privexbot.test").warning('quote " backslash \\ newline \n %s', "é")
    (line,) = lines()
    assert line["level"] == "WARNING" and line["logger"] == "privexbot.test"
    assert line["message"] == 'quote " backslash \\ newline \n é'
    assert line["time"].endswith("Z") and len(line["time"]) == len("2026-01-01T00:00:00.000Z")


def test_exceptions_are_one_field(lines):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("privexbot.test").exception("failed")
    (line,) = lines()
    assert line["message"] == "failed"
    assert "Traceback" in line["exception"] and "ValueError: boom" in line["exception"]


def test_the_rpc_line_carries_its_fields_and_escapes_what_a_client_sent(lines):
    fields = {
        "method": "/privexbot.v1.AuthService/GetCurrentUser",
        "code": "OK",
        "duration_ms": 0.123,
        "client_ip": '1.2.3.4", "code": "forged\n',  # from X-Forwarded-For
    }
    assert logs.rpc_log.enabled()
    logs.rpc_log.write(fields)
    logging.getLogger("privexbot.test").info("after")
    rpc, after = lines()  # one line each, in order, on the one stream
    assert {key: rpc[key] for key in fields} == fields
    assert rpc["message"] == "rpc" and rpc["logger"] == "privexbot.rpc"
    assert rpc["level"] == "INFO" and rpc["time"].endswith("Z")
    assert after["message"] == "after"


def test_log_level_turns_the_rpc_line_off(lines):
    logs.configure("WARNING", io.StringIO())
    assert not logs.rpc_log.enabled()
    logging.getLogger(logs.RPC_LOGGER).setLevel(logging.INFO)  # a logger's own level wins
    try:
        assert logs.rpc_log.enabled()
    finally:
        logging.getLogger(logs.RPC_LOGGER).setLevel(logging.NOTSET)


def test_records_skip_thread_and_process_lookups(lines):
    record = logging.getLogger("privexbot.test").makeRecord(
        "privexbot.test", logging.INFO, __file__, 0, "x", (), None
    )
    assert record.thread is None and record.process is None


def test_configured_puts_back_what_configure_changed():
    root = logging.getLogger()
    before = root.handlers[:], root.level, logs.rpc_log.stream, logging.logThreads
    with logs.configured("ERROR", io.StringIO()):
        assert root.level == logging.ERROR and logging.logThreads is False
    assert (root.handlers, root.level, logs.rpc_log.stream, logging.logThreads) == before
