"""Reading Halo's numbers as people typed them into E.164, or a clear refusal."""

from __future__ import annotations

import pytest

from tickettab import phones
from tickettab.phones import PhoneProblem, Problem

E, U, BAD, N = Problem.EMPTY, Problem.UNREADABLE, Problem.INVALID, Problem.NOT_MOBILE


def fullwidth(text: str) -> str:
    """Digits as a Japanese or Chinese keyboard types them (U+FF10...)."""
    return "".join(chr(0xFF10 + int(ch)) if ch.isdigit() else ch for ch in text)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        # United Kingdom
        ("07400 123456", "GB", "+447400123456"),
        ("+44 7400 123456", "GB", "+447400123456"),
        ("+44 (0)7400 123456", "GB", "+447400123456"),
        ("0044 7400 123456", "GB", "+447400123456"),
        ("07400-123-456", "GB", "+447400123456"),
        ("+44 7700 900123", "GB", BAD),  # Ofcom's drama range: not a real mobile
        ("07700 900123", "GB", BAD),
        ("020 7946 0201", "GB", N),  # a London landline
        ("+44 20 7946 0201", "US", N),  # written with its country code: any region
        ("0800 123 4567", "GB", N),  # freephone
        # United States and Canada: mobile or landline cannot be told apart
        ("(201) 555-0123", "US", "+12015550123"),
        ("201.555.0123", "US", "+12015550123"),
        ("1-201-555-0123", "US", "+12015550123"),
        ("+1 (201) 555-0123", "GB", "+12015550123"),
        ("001 201 555 0123", "GB", "+12015550123"),  # the UK's international prefix
        ("(555) 010-2030", "US", BAD),  # no area code 555
        ("(416) 555-0123", "CA", "+14165550123"),
        ("1-800-555-0199", "US", N),  # toll-free
        # Australia
        ("0491 570 156", "AU", "+61491570156"),
        ("+61 4 9157 0156", "GB", "+61491570156"),
        ("+61 (0)491 570 156", "GB", "+61491570156"),
        ("+61 4 1234 5678", "US", "+61412345678"),
        ("(02) 9876 5432", "AU", N),  # Sydney landline
        # Germany
        ("0151 23456789", "DE", "+4915123456789"),
        ("+49 151 23456789", "GB", "+4915123456789"),
        ("0049 151 2345678", "GB", BAD),  # one digit short for a 0151 mobile
        ("030 1234567", "DE", N),  # Berlin landline
        # France, the Netherlands, Ireland, New Zealand, South Africa
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+33 6 12 34 56 78", "DE", "+33612345678"),
        ("01 23 45 67 89", "FR", N),
        ("06-12345678", "NL", "+31612345678"),
        ("+31 (0)6 1234 5678", "GB", "+31612345678"),
        ("085 012 3456", "IE", "+353850123456"),
        ("021 123 4567", "NZ", "+64211234567"),
        ("082 123 4567", "ZA", "+27821234567"),
        # A national number read with the wrong country
        ("0491 570 156", "GB", BAD),
        # Empty, garbage, hostile
        ("", "GB", E),
        ("   ", "GB", E),
        ("n/a", "GB", U),
        ("call reception", "GB", U),
        (fullwidth("123"), "GB", BAD),  # fullwidth digits are digits, but three are no number
        (fullwidth("07400 123456"), "GB", "+447400123456"),  # fullwidth: sent as ASCII
        ("0" * 300, "GB", U),
        ("07400 123456" + " " * 60 + "9", "GB", U),  # too long to be typed by hand
        ("07400\x00123456", "GB", U),  # NUL
        ("07400 123456\u202e", "GB", U),  # a bidi override
        ("+", "GB", U),
    ],
)
def test_it_reads_real_world_formats(raw: str, region: str, expected: str | Problem) -> None:
    if isinstance(expected, Problem):
        with pytest.raises(PhoneProblem) as e:
            phones.parse_mobile(raw, region)
        assert e.value.kind == expected
        assert "in Halo" in e.value.message
    else:
        number = phones.parse_mobile(raw, region)
        assert number.e164 == expected
        assert number.e164.isascii()


def test_it_tells_the_technician_what_to_fix_in_halo() -> None:
    with pytest.raises(PhoneProblem) as e:
        phones.parse_mobile("020 7946 0201", "GB")
    message = e.value.message
    assert "is a landline" in message
    assert "Mobile field of the user in Halo" in message
    assert "then refresh" in message
    assert "7946 0201" not in message and "+44 •• •••• •201" in message

    with pytest.raises(PhoneProblem) as e:
        phones.parse_mobile("07700 900123", "GB")
    assert "not a valid phone number" in e.value.message
    assert "United Kingdom" in e.value.message
    assert "900123" not in e.value.message

    with pytest.raises(PhoneProblem, match="No mobile number in Halo"):
        phones.parse_mobile("", "GB")


def test_it_masks_from_the_parsed_number() -> None:
    assert phones.parse_mobile("0491 570 156", "AU").masked == "+61 ••• ••• 156"
    assert phones.parse_mobile("001 (201) 555-0123", "GB").masked == "+1 ••• ••• •123"
    assert phones.parse_mobile("07400123456", "GB").masked == "+44 •••• •••456"


def test_it_uses_the_phone_field_when_it_holds_the_mobile() -> None:
    assert phones.sms_number("020 7946 0201", "07400 123456", "GB").e164 == "+447400123456"
    assert phones.sms_number("", "07400 123456", "GB").e164 == "+447400123456"
    # Neither works: the Mobile field's problem, since that is where the fix belongs.
    with pytest.raises(PhoneProblem) as e:
        phones.sms_number("020 7946 0201", "020 7946 0202", "GB")
    assert e.value.kind == Problem.NOT_MOBILE and "•201" in e.value.message
    with pytest.raises(PhoneProblem) as e:
        phones.sms_number("", "020 7946 0202", "GB")
    assert e.value.kind == Problem.EMPTY
    # The Mobile field wins when both hold mobiles.
    assert phones.sms_number("0491 570 156", "0491 570 157", "AU").e164 == "+61491570156"


def test_it_names_countries_for_the_setting() -> None:
    choices = dict(phones.region_choices())
    assert choices["GB"] == "United Kingdom"
    assert choices["US"] == "United States"
    assert choices["DE"] == "Germany"
    assert choices["XK"] == "Kosovo"
    assert all(name and not name.startswith("*") for name in choices.values())
    names = [name for _, name in phones.region_choices()]
    assert names == sorted(names)
