"""Reading numbers out of untrusted text, the one way the project does it.

`str.isdigit()` accepts superscripts, full-width and Arabic-Indic digits, which `int()` then
either rejects or reads; and `int()` on thousands of digits is slow before any
length check. So ids are ASCII digits of bounded length, checked by a pattern first,
and so are the numbers of forms (`AsciiIntegerField`). Text a person types holds no
control characters (`reject_control_characters`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

_ID = re.compile(r"[0-9]{1,10}", re.ASCII)
_INTEGER = re.compile(r"-?[0-9]{1,10}", re.ASCII)
# The largest value of a 32-bit integer column (Halo's ids and counts are int32).
INT32_MAX = 2**31 - 1
CONTROL_CHARACTERS = (
    "This text contains invisible control characters. Type it again without "
    "pasting from another program."
)


def parse_id(raw: object) -> int | None:
    """A positive id (ASCII digits, at most 10 of them), or None for anything else."""
    if not isinstance(raw, str) or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if value > 0 else None


def parse_integer(raw: object) -> int | None:
    """A whole number (ASCII digits, at most 10, perhaps after a minus sign; spaces
    around it ignored), or None for anything else."""
    text = raw.strip() if isinstance(raw, str) else ""
    return int(text) if _INTEGER.fullmatch(text) else None


def has_control_characters(text: str) -> bool:
    """NUL (which PostgreSQL cannot store), other C0/C1 controls and Unicode format
    characters such as bidi overrides: nothing a person types into a text box means
    them, and some of them disguise what a stored text says. Newlines and tabs are
    allowed."""
    return any((unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\r\t") for ch in text)


def reject_control_characters(value: str) -> None:
    """A form validator: refuses what `has_control_characters` finds."""
    if has_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS, code="control_characters")


class AsciiIntegerField(forms.IntegerField):
    """An IntegerField that reads only what `parse_integer` reads. Django's reads any
    digits int() does (Oriya "2୩" is 23, full-width digits too) and "20.0", and tries
    thousands of digits; here those get the field's "invalid" message, like any other
    non-number."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str) and value.strip() and parse_integer(value) is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
