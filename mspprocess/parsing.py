"""Reading numbers out of untrusted text, the one way the project does it.

`str.isdigit()` accepts superscripts, full-width and Arabic-Indic digits, which `int()` then
either rejects or reads; and `int()` on thousands of digits is slow before any
length check. So ids are ASCII digits of bounded length, checked by a pattern first.
"""

from __future__ import annotations

import re
import unicodedata

_ID = re.compile(r"[0-9]{1,10}", re.ASCII)


def parse_id(raw: object) -> int | None:
    """A positive id (ASCII digits, at most 10 of them), or None for anything else."""
    if not isinstance(raw, str) or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if value > 0 else None


def has_control_characters(text: str) -> bool:
    """NUL (which PostgreSQL cannot store), other C0/C1 controls and Unicode format
    characters such as bidi overrides: nothing a person types into a text box means
    them, and some of them disguise what a stored text says. Newlines and tabs are
    allowed."""
    return any((unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\r\t") for ch in text)
