"""Structured logging: one JSON object per line on stderr.

Every logger's records go through ``JsonFormatter``; the per-RPC line (``rpc_log``) is
written straight to the same stream, without a LogRecord (see ``RpcLog``). While a span
is active (tracing on) a line also carries its ``trace_id`` and ``span_id``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from typing import TextIO

from privexbot import tracing

RPC_LOGGER = "privexbot.rpc"

# One encoder for every line (json.dumps with separators builds a new one each call).
_encode = json.JSONEncoder(separators=(",", ":")).encode
_quote = json.encoder.encode_basestring_ascii  # a JSON string, as _encode writes one
# (second, its "YYYY-MM-DDTHH:MM:SS"): lines within a second share the formatted time.
_second: tuple[int, str] = (-1, "")


def _timestamp(created: float) -> str:
    """``created`` (time.time()) as "YYYY-MM-DDTHH:MM:SS.mmmZ"."""
    global _second
    second = int(created)
    cached = _second
    if cached[0] != second:
        cached = _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{cached[1]}.{int((created - second) * 1000):03d}Z"


def _head(created: float, level: str, logger: str, message: str) -> str:
    """The fields every line starts with, up to ``message`` (and the active span's ids), the
    object left open."""
    line = (
        f'{{"time":"{_timestamp(created)}","level":"{level}",'
        f'"logger":{_quote(logger)},"message":{_quote(message)}'
    )
    span = tracing.ids()
    return line if span is None else f'{line},"trace_id":"{span[0]}","span_id":"{span[1]}"'


class JsonFormatter(logging.Formatter):
    """A record as ``{"time", "level", "logger", "message"}``, plus ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        line = _head(record.created, record.levelname, record.name, record.getMessage())
        if record.exc_info:
            line += ',"exception":' + _quote(self.formatException(record.exc_info))
        return line + "}"


class RpcLog:
    """The one line per RPC (an access log): a JSON object like the other lines, with
    ``message`` "rpc" and the call's fields, written when the ``privexbot.rpc`` logger is
    enabled for INFO (``LOG_LEVEL``).

    It is written straight to ``stream`` rather than as a LogRecord through a handler: in
    the running server the record, the handler's lock and the formatter measured ~30 us of
    a ~300 us cheap RPC (bench/rpc_overhead.py), more than everything else the line costs.
    Lines are whole ``write`` calls on the event loop's thread, so they don't interleave.
    """

    def __init__(self) -> None:
        self._logger = logging.getLogger(RPC_LOGGER)
        self.stream: TextIO | None = None  # None: whatever sys.stderr is when a line is due

    def enabled(self) -> bool:
        return self._logger.isEnabledFor(logging.INFO)

    def write(self, fields: dict) -> None:
        head = _head(time.time(), "INFO", RPC_LOGGER, "rpc")
        (self.stream or sys.stderr).write(f"{head},{_encode(fields)[1:]}\n")


rpc_log = RpcLog()


def configure(level: str = "INFO", stream: TextIO | None = None) -> None:
    """JSON lines on ``stream`` (default stderr), from every logger and ``rpc_log``.

    Records skip the thread and process fields, which no line shows: the logging HOWTO's
    "Optimization" settings."""
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    rpc_log.stream = stream


@contextlib.contextmanager
def configured(level: str, stream: TextIO):
    """``configure`` for the block, then everything it changed as it was (benchmarks, tests)."""
    root = logging.getLogger()
    flags = ("logThreads", "logProcesses", "logMultiprocessing")
    saved = root.handlers[:], root.level, rpc_log.stream, [getattr(logging, f) for f in flags]
    configure(level, stream)
    try:
        yield
    finally:
        root.handlers[:], level_was, rpc_log.stream, values = saved
        root.setLevel(level_was)
        for flag, value in zip(flags, values, strict=True):
            setattr(logging, flag, value)
