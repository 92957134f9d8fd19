"""Reading the sandbox's delivered messages: who they were for, and the codes in them."""

from __future__ import annotations

import re
from email.utils import parseaddr

import phonenumbers

# Six digits, optionally written "123 456" or "123-456", standing on their own: not
# part of a longer number ("+44 7700 900201"), a word or a URL-safe token.
CODE_RE = re.compile(r"(?<![\w+/=-])(?<!\d[ -])(\d{3})[ -]?(\d{3})(?![ -]?\d)(?![\w/=-])")


# The sandbox's Halo is a British MSP's: a number stored without a country code (or
# with the UK's international prefix 00) is read as dialled from the UK, as the tab
# reads it with a workspace whose country is the United Kingdom (the default).
SANDBOX_REGION = "GB"


def destination_key(to: str) -> str:
    """An email address in lower case, or a phone number's digits in E.164 (without
    the +), so that the number as stored in Halo ("0061 491 570 158", "+61 (0)491 570
    159") finds the messages the tab sent to its E.164 form ("+61491570158")."""
    if "@" in to:
        _, address = parseaddr(to)
        return (address or to).strip().lower()
    digits = "".join(ch for ch in to if ch.isdigit())
    try:
        number = phonenumbers.parse(to, SANDBOX_REGION)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(number):
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def find_code(text: str) -> str | None:
    """The last one-time code in `text`, as six digits."""
    found = CODE_RE.findall(text)
    if not found:
        return None
    first, second = found[-1]
    return first + second
