"""Reading the sandbox's delivered messages: who they were for, and the codes in them."""

from __future__ import annotations

import re
from email.utils import parseaddr

# Six digits, optionally written "123 456" or "123-456", standing on their own: not
# part of a longer number ("+44 7700 900201"), a word or a URL-safe token.
CODE_RE = re.compile(r"(?<![\w+/=-])(?<!\d[ -])(\d{3})[ -]?(\d{3})(?![ -]?\d)(?![\w/=-])")


def destination_key(to: str) -> str:
    """An email address in lower case, or a phone number's digits."""
    if "@" in to:
        _, address = parseaddr(to)
        return (address or to).strip().lower()
    return "".join(ch for ch in to if ch.isdigit())


def find_code(text: str) -> str | None:
    """The last one-time code in `text`, as six digits."""
    found = CODE_RE.findall(text)
    if not found:
        return None
    first, second = found[-1]
    return first + second
