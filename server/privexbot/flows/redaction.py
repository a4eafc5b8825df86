"""What of a value may be shown (streamed in node events, stored in runs): secrets a run
used are replaced wherever they appear, values under secret-looking keys are hidden, long
strings and large values are cut."""

from __future__ import annotations

import json
import re

REDACTED = "[redacted]"
MAX_STRING = 2000
MAX_ITEMS = 50
MAX_SHOWN_BYTES = 16 * 1024
SECRET_KEY = re.compile(r"(authorization|password|passwd|secret|token|api[-_]?key|cookie)", re.I)


class Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        """A secret the run used: never shown from now on."""
        if secret:
            self._secrets.add(secret)

    def text(self, value: str, limit: int = MAX_STRING) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        if len(value) > limit:
            value = value[:limit] + f"… ({len(value) - limit} more characters)"
        return value

    def shown(self, value, depth: int = 0):
        """``value`` as JSON-able data, redacted and truncated."""
        shown = self._walk(value, depth)
        try:
            size = len(json.dumps(shown))
        except (TypeError, ValueError):
            return self.text(repr(shown))
        if size > MAX_SHOWN_BYTES:
            return self.text(json.dumps(shown), MAX_SHOWN_BYTES // 4)
        return shown

    def _walk(self, value, depth: int):
        if depth > 8:
            return "…"
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bool | int | float) or value is None:
            return value
        if isinstance(value, dict):
            items = list(value.items())[:MAX_ITEMS]
            return {
                str(k): REDACTED if SECRET_KEY.search(str(k)) else self._walk(v, depth + 1)
                for k, v in items
            }
        if isinstance(value, list | tuple):
            return [self._walk(v, depth + 1) for v in value[:MAX_ITEMS]]
        return self.text(str(value))
