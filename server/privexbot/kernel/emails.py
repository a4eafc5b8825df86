"""Email addresses: one rule for every email the contract takes (``(rules).email``).

Refused: Unicode control and format characters (categories Cc and Cf: NUL, BEL, ESC, bidi
overrides, zero-width joiners), whitespace or a second ``@``, parts that are too long, and a
domain that is not a valid IDNA name. Accepted addresses are normalised before any storage or
uniqueness check: NFC, trimmed, lower-cased, the domain in its ASCII (IDNA) form.
"""

from __future__ import annotations

import unicodedata

import idna

from privexbot.kernel.errors import InvalidArgument

MAX_LENGTH = 254
MAX_LOCAL_LENGTH = 64
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}


def _split(value: str) -> tuple[str, str, str]:
    """(local part, ASCII domain, problem); the problem is "" for an acceptable address."""
    text = unicodedata.normalize("NFC", value.strip())
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in text):
        return "", "", "contains a control, format or space character"
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or "@" in local:
        return "", "", "is not an email address (name@domain)"
    if len(local) > MAX_LOCAL_LENGTH:
        return "", "", f"has a part before @ longer than {MAX_LOCAL_LENGTH} characters"
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return "", "", "has a domain that is not a valid internet name"
    if "." not in ascii_domain:
        return "", "", "has a domain without a dot"
    if len(local) + 1 + len(ascii_domain) > MAX_LENGTH:
        return "", "", f"is longer than {MAX_LENGTH} characters"
    return local, ascii_domain, ""


def problem(value: str) -> str:
    """Why ``value`` is not an acceptable email address; "" when it is."""
    return _split(value)[2]


def normalize(value: str, field: str = "email") -> str:
    """The stored form of ``value``; INVALID_ARGUMENT naming ``field`` when it is refused."""
    local, domain, why = _split(value)
    if why:
        raise InvalidArgument.field(field, why, "INVALID_EMAIL")
    return f"{local}@{domain}".lower()
