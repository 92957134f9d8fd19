"""Which provider user is the caller: the contact's email, or a Halo field the admin names."""

from __future__ import annotations

import pytest

from identity.adapters import NoSuchUser
from identity.matching import field_value, login_for
from identity.models import IdentityProvider

RECORD = {
    "id": 201,
    "emailaddress": "alice.morgan@kestrel.example.com",
    "Networklogin": "KESTREL\\amorgan",
    "client_id": 12,
    "customfields": [
        {"id": 7, "name": "CFupn", "label": "UPN", "value": "alice@kestrel.onmicrosoft.com"},
        {"id": 8, "name": "CFempty", "label": "Empty", "value": ""},
        "not a field",
    ],
}


def provider(match_field: str = "") -> IdentityProvider:
    return IdentityProvider(name="Kestrel's Duo", kind="duo", match_field=match_field)


def test_it_uses_the_contacts_email_by_default() -> None:
    assert login_for(provider(), RECORD["emailaddress"], RECORD) == RECORD["emailaddress"]


def test_it_says_what_to_fix_when_the_contact_has_no_email() -> None:
    with pytest.raises(NoSuchUser, match="no email address in Halo"):
        login_for(provider(), "", RECORD)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("networklogin", "KESTREL\\amorgan"),  # a field of the record, in any case
        ("UPN", "alice@kestrel.onmicrosoft.com"),  # a custom field by label
        ("cfupn", "alice@kestrel.onmicrosoft.com"),  # or by name
        ("client_id", "12"),
    ],
)
def test_it_reads_the_field_the_admin_names(field, expected) -> None:
    assert login_for(provider(field), "someone@else.example", RECORD) == expected


@pytest.mark.parametrize("field", ["Empty", "nosuchfield", "customfields"])
def test_it_says_when_the_named_field_is_empty(field) -> None:
    with pytest.raises(NoSuchUser, match=f"field “{field}” is empty"):
        login_for(provider(field), "alice@kestrel.example.com", RECORD)


@pytest.mark.parametrize("value", ["a" * 300, "alice\x00@kestrel.example.com", "a\nb"])
def test_it_refuses_a_value_that_is_no_sign_in_name(value) -> None:
    with pytest.raises(NoSuchUser, match="not a sign-in name"):
        login_for(provider("UPN"), "", {"customfields": [{"label": "UPN", "value": value}]})


def test_it_ignores_values_that_are_not_text() -> None:
    record = {"upn": {"nested": "x"}, "customfields": [{"label": "upn", "value": ["x"]}]}
    assert field_value(record, "upn") == ""
