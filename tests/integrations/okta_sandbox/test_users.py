"""Finding the caller: by id, login or shortname, and by search (two matches)."""

from __future__ import annotations

import pytest

from integrations.okta_sandbox.seed import (
    HARRY,
    KAVYA,
    LIAM,
    RECEPTION_LEEDS,
    RECEPTION_LONDON,
    SHARED_EMAIL,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "key",
    [
        HARRY,
        "harry.evans@oakfield.example.com",
        "Harry.Evans@Oakfield.Example.com",  # Okta's logins ignore case
        "harry.evans",  # a login's shortname
    ],
)
def test_it_finds_a_user_by_id_login_or_shortname(okta, key) -> None:
    response = okta.get(f"users/{key}")
    assert response.status_code == 200
    user = response.json()
    assert user["id"] == HARRY
    assert user["status"] == "ACTIVE"
    assert user["profile"]["login"] == "harry.evans@oakfield.example.com"
    assert user["profile"]["email"] == "harry.evans@oakfield.example.com"
    assert user["profile"]["firstName"] == "Harry"
    assert user["profile"]["lastName"] == "Evans"
    assert user["_links"]["self"]["href"] == f"{okta.api}/users/{HARRY}"


def test_it_answers_404_e0000007_for_an_unknown_user(okta) -> None:
    response = okta.get("users/nobody@oakfield.example.com")
    assert response.status_code == 404
    body = response.json()
    assert body["errorCode"] == "E0000007"
    assert body["errorSummary"].startswith("Not found: ")


def test_it_reports_a_locked_out_user(okta) -> None:
    user = okta.get("users/liam.obrien@oakfield.example.com").json()
    assert user["id"] == LIAM
    assert user["status"] == "LOCKED_OUT"


def test_it_searches_by_email_and_finds_one(okta) -> None:
    response = okta.get("users", search='profile.email eq "KAVYA.RAO@oakfield.example.com"')
    assert response.status_code == 200
    assert [u["id"] for u in response.json()] == [KAVYA]


def test_it_searches_by_email_and_finds_two(okta) -> None:
    response = okta.get("users", search=f'profile.email eq "{SHARED_EMAIL}"')
    assert response.status_code == 200
    found = response.json()
    assert sorted(u["id"] for u in found) == sorted([RECEPTION_LONDON, RECEPTION_LEEDS])
    assert {u["profile"]["email"] for u in found} == {SHARED_EMAIL}
    assert len({u["profile"]["login"] for u in found}) == 2


def test_it_searches_and_finds_nobody(okta) -> None:
    response = okta.get("users", search='profile.email eq "nobody@oakfield.example.com"')
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    "expression",
    ["profile.email", 'profile.email ne "x"', 'profile.email eq "x" and id eq "y"', "eq"],
)
def test_it_refuses_a_search_it_cannot_read(okta, expression) -> None:
    response = okta.get("users", search=expression)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "E0000031"


def test_it_lists_users(okta) -> None:
    found = okta.get("users").json()
    assert {HARRY, KAVYA, LIAM} <= {u["id"] for u in found}
