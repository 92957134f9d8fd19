"""Reading the phone numbers Halo stores into numbers an SMS provider accepts.

Halo keeps numbers as people typed them ("07700 900123", "(555) 010-2030",
"+61 4 1234 5678", "0049 151 2345678"); Twilio and every other provider want E.164
("+447700900123"). Google's libphonenumber (the `phonenumbers` package) reads them,
with the tenant's country for numbers written without a country code.

We only ever send to a number we could parse and that libphonenumber calls a mobile:
a code sent to a landline or to a misread number is a code lost (or, worse, read by
someone else). Each refusal says what to correct in Halo, because the number must be
fixed there: a technician must never type in a number the caller gives.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers.geodata.locale import LOCALE_DATA

from mspprocess.errors import ReadableError
from tickettab.masking import DOT, mask_phone

DEFAULT_REGION = "GB"
# Longer than any number written by hand with spaces, a prefix and an extension;
# anything longer is not a phone number (and is not worth parsing).
MAX_INPUT = 64
# US and Canadian numbers do not tell mobiles from landlines: they come back as
# FIXED_LINE_OR_MOBILE, and refusing them would refuse every North American mobile.
SMS_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
# Regions phonenumbers knows but has no English name for in its locale data.
EXTRA_NAMES = {"AC": "Ascension Island", "TA": "Tristan da Cunha", "XK": "Kosovo"}
FIX_IN_HALO = (
    "Ask your Halo administrator to put the user's mobile number in the Mobile field of "
    "the user in Halo, then refresh."
)


class Problem(StrEnum):
    EMPTY = "empty"
    UNREADABLE = "unreadable"
    INVALID = "invalid"
    NOT_MOBILE = "not_mobile"


@dataclass(frozen=True)
class SmsNumber:
    """A number we may send to: E.164 for the provider, masked for people and storage."""

    e164: str
    masked: str


class PhoneProblem(ReadableError):
    """A Halo number we will not send to; `message` tells the technician what to fix."""

    def __init__(self, kind: Problem, message: str, masked: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.masked = masked


def region_name(region: str) -> str:
    names = LOCALE_DATA.get(region, {})
    name = names.get("en", "")
    # The locale data points languages at each other ("*aa": same as Afar's entry).
    while name.startswith("*"):
        name = names.get(name[1:], "")
    return name or EXTRA_NAMES.get(region, region)


def region_choices() -> list[tuple[str, str]]:
    """Every region phonenumbers can read national numbers for, by English name."""
    pairs = [(code, region_name(code)) for code in phonenumbers.SUPPORTED_REGIONS]
    return sorted(pairs, key=lambda pair: pair[1])


def mask_parsed(number: phonenumbers.PhoneNumber) -> str:
    """+61 491 570 156 → +61 ••• ••• 156: the country code and the last three digits,
    enough for the caller to confirm "my number ending 156" and no more."""
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    prefix = f"+{number.country_code}"
    rest = international.removeprefix(prefix)
    total = sum(ch.isdigit() for ch in rest)
    seen, out = 0, []
    for ch in rest:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - 3 else DOT)
        else:
            out.append(" " if ch in " -" else ch)
    return prefix + "".join(out)


def _shown(raw: str) -> str:
    """A number we could not parse, masked for the message (never shown whole)."""
    return mask_phone(raw) if raw.isascii() and raw.isprintable() else DOT * 6


def _unreadable(raw: str) -> PhoneProblem:
    return PhoneProblem(
        Problem.UNREADABLE,
        f"The mobile number in Halo for this user ({_shown(raw)}) cannot be read as a phone "
        f"number. {FIX_IN_HALO}",
        _shown(raw),
    )


def _invalid(raw: str, region: str) -> PhoneProblem:
    return PhoneProblem(
        Problem.INVALID,
        f"The mobile number in Halo for this user ({_shown(raw)}) is not a valid phone "
        f"number (read as a number in {region_name(region)} unless it starts with + and a "
        f"country code). Check its digits and country code. {FIX_IN_HALO}",
        _shown(raw),
    )


def _not_mobile(number: phonenumbers.PhoneNumber) -> PhoneProblem:
    kind = phonenumbers.number_type(number)
    what = "a landline" if kind == PhoneNumberType.FIXED_LINE else "not a mobile number"
    masked = mask_parsed(number)
    return PhoneProblem(
        Problem.NOT_MOBILE,
        f"The mobile number in Halo for this user ({masked}) is {what}: SMS cannot reach it. "
        f"{FIX_IN_HALO}",
        masked,
    )


def parse_mobile(raw: str, region: str = DEFAULT_REGION) -> SmsNumber:
    """The E.164 form of a Halo number, or PhoneProblem saying what to fix in Halo."""
    text = (raw or "").strip()
    if not text:
        raise PhoneProblem(
            Problem.EMPTY,
            f"No mobile number in Halo for this user. {FIX_IN_HALO} Never use a number the "
            "caller gives you.",
        )
    # Control characters (NUL, bidi overrides) never belong in a number someone typed.
    if len(text) > MAX_INPUT or any(unicodedata.category(ch).startswith("C") for ch in text):
        raise _unreadable(text)
    try:
        # Fullwidth or Arabic-Indic digits are read as the digits they are; the E.164
        # form we send is plain ASCII whatever was stored.
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        raise _unreadable(text) from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid(text, region)
    if phonenumbers.number_type(number) not in SMS_TYPES:
        raise _not_mobile(number)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return SmsNumber(e164, mask_parsed(number))


def sms_number(mobile: str, phone: str, region: str = DEFAULT_REGION) -> SmsNumber:
    """The number to text for a Halo user: the Mobile field, else the Phone field.

    Both come from the user's record in Halo (never from the ticket), so both are as
    trustworthy as each other; many users have their mobile in the Phone field. The
    Phone field is used only when it holds a valid mobile. When neither can be used,
    the problem reported is the Mobile field's: that is where the fix belongs.
    """
    try:
        return parse_mobile(mobile, region)
    except PhoneProblem as mobile_problem:
        if not phone.strip():
            raise
        try:
            return parse_mobile(phone, region)
        except PhoneProblem:
            raise mobile_problem from None
