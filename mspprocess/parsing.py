"""Reading numbers out of untrusted text, the one way the project does it.

`str.isdigit()` accepts superscripts, full-width and Arabic-Indic digits, which `int()` then
either rejects or reads; and `int()` on thousands of digits is slow before any
length check. So ids are ASCII digits of bounded length, checked by a pattern first.
"""

from __future__ import annotations

import re

_ID = re.compile(r"[0-9]{1,10}", re.ASCII)


def parse_id(raw: object) -> int | None:
    """A positive id (ASCII digits, at most 10 of them), or None for anything else."""
    if not isinstance(raw, str) or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if value > 0 else None
