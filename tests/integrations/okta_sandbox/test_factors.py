"""Each seeded person's factors, as Okta lists them."""

from __future__ import annotations

import pytest

from integrations.okta_sandbox.seed import (
    HARRY,
    JACK,
    KAVYA,
    LIAM,
    RECEPTION_LEEDS,
    RECEPTION_LONDON,
)

pytestmark = pytest.mark.django_db(transaction=True)

EXPECTED = {
    HARRY: {("push", "ACTIVE"), ("token:software:totp", "ACTIVE"), ("sms", "ACTIVE")},
    JACK: {("push", "ACTIVE"), ("sms", "PENDING_ACTIVATION")},
    KAVYA: {("sms", "ACTIVE"), ("call", "ACTIVE")},
    LIAM: {("push", "ACTIVE")},
    RECEPTION_LONDON: {("push", "ACTIVE")},
    RECEPTION_LEEDS: set(),
}


@pytest.mark.parametrize("user_id", list(EXPECTED))
def test_it_lists_each_seeded_users_factors(okta, user_id) -> None:
    response = okta.get(f"users/{user_id}/factors")
    assert response.status_code == 200
    factors = response.json()
    assert {(f["factorType"], f["status"]) for f in factors} == EXPECTED[user_id]
    for factor in factors:
        assert factor["provider"] == "OKTA"
        assert factor["_links"]["self"]["href"].endswith(f"/users/{user_id}/factors/{factor['id']}")
        if factor["status"] == "ACTIVE":
            assert factor["_links"]["verify"]["href"].endswith("/verify")


def test_it_describes_the_push_device(okta) -> None:
    factors = okta.get(f"users/{HARRY}/factors").json()
    push = next(f for f in factors if f["factorType"] == "push")
    assert push["id"].startswith("opf")
    assert push["profile"]["name"] == "Harry's iPhone"
    assert push["profile"]["platform"] == "IOS"
    assert push["profile"]["credentialId"] == "harry.evans@oakfield.example.com"


def test_it_gives_sms_and_call_factors_their_numbers(okta) -> None:
    factors = {f["factorType"]: f for f in okta.get(f"users/{KAVYA}/factors").json()}
    assert factors["sms"]["profile"]["phoneNumber"] == "+61491570737"
    assert factors["call"]["profile"]["phoneNumber"].startswith("+44")


def test_it_answers_404_for_an_unknown_user_or_factor(okta) -> None:
    assert okta.get("users/00uNoSuchUser0000000/factors").json()["errorCode"] == "E0000007"
    response = okta.get(f"users/{HARRY}/factors/opfNoSuchFactor00000")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "E0000007"
    # Another user's factor is not this user's.
    assert okta.get(f"users/{KAVYA}/factors/opfOakHarryIphone208").status_code == 404
