from __future__ import annotations

import pytest

from mspprocess.core.people import display_name, possessive
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("first", "email", "expected"),
    [
        ("Sam", "am@example.com", "Sam Rivera"),
        ("", "am@example.com", "am@example.com"),
        ("", "", "am"),
    ],
)
@pytest.mark.django_db
def test_it_names_people_by_name_then_email_then_username(first, email, expected) -> None:
    user = UserFactory(
        username="am", first_name=first, last_name="Rivera" if first else "", email=email
    )
    assert display_name(user) == expected


def test_it_names_nobody_as_nothing() -> None:
    assert display_name(None) == ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Acme IT Services", "Acme IT Services'"),
        ("KESTREL SYSTEMS", "KESTREL SYSTEMS'"),
        ("Kestrel", "Kestrel's"),
        ("", ""),
    ],
)
def test_it_writes_possessives(name: str, expected: str) -> None:
    assert possessive(name) == expected
