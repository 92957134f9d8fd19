"""SSWS API tokens are checked by the sandbox, and every reply carries Okta's
rate-limit headers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import requests
from django.apps import apps

from integrations.okta_sandbox import ratelimit, services
from integrations.okta_sandbox.models import sha256_hex
from integrations.okta_sandbox.seed import HARRY, SEED_TOKEN

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def one_window(monkeypatch) -> None:
    """Every request in the same one-minute window (the live server runs in a
    thread of this process), so that counts do not reset mid-test."""
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_750_000_000.0))


RATE_HEADERS = ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset")


def assert_invalid_token(response: requests.Response) -> None:
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["errorCode"] == "E0000011"
    assert body["errorSummary"] == "Invalid token provided"
    assert body["errorLink"] == "E0000011"
    assert body["errorId"] and body["errorCauses"] == []


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "SSWS",
        "SSWS ",
        "SSWS wrong-token",
        f"Bearer {SEED_TOKEN}",
        f"Basic {SEED_TOKEN}",
        f"SSWS {SEED_TOKEN}x",
        f"SSWS {SEED_TOKEN[:-1]}",
    ],
)
def test_it_refuses_a_missing_or_wrong_token(okta, authorization) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path in (
        ("GET", f"users/{HARRY}"),
        ("GET", "users"),
        ("GET", f"users/{HARRY}/factors"),
        ("POST", f"users/{HARRY}/factors/opfOakHarryIphone208/verify"),
        ("GET", "no/such/route"),
    ):
        assert_invalid_token(
            requests.request(method, f"{okta.api}/{path}", headers=headers, timeout=10)
        )


def test_it_refuses_the_token_before_saying_whether_a_user_exists(okta) -> None:
    headers = okta.headers("wrong")
    assert_invalid_token(
        requests.get(f"{okta.api}/users/nobody@example.com", headers=headers, timeout=10)
    )


def test_it_accepts_the_seeded_token_and_a_created_one(okta) -> None:
    assert okta.get(f"users/{HARRY}").status_code == 200
    services.create_token("00test-token-made-by-the-test-suite-xxxxxx")
    okta.token = "00test-token-made-by-the-test-suite-xxxxxx"
    assert okta.get(f"users/{HARRY}").status_code == 200


def test_it_stores_tokens_only_hashed(okta) -> None:
    secret = "00another-token-nobody-may-read-back-xxxxx"
    services.create_token(secret)
    # Every row of the sandbox's tables, as the database holds them (any backend).
    dump = "\n".join(
        str(list(model.objects.values()))
        for model in apps.get_app_config("okta_sandbox").get_models()
    )
    assert sha256_hex(secret) in dump  # the hash is there: the scan does see the tokens
    assert secret not in dump
    assert SEED_TOKEN not in dump


def test_it_sends_rate_limit_headers_on_every_reply(okta, one_window) -> None:
    first = okta.get(f"users/{HARRY}")
    second = okta.get(f"users/{HARRY}")
    refused = requests.get(f"{okta.api}/users/{HARRY}", timeout=10)
    for response in (first, second, refused):
        assert all(name in response.headers for name in RATE_HEADERS), response.headers
    limit = int(first.headers["X-Rate-Limit-Limit"])
    assert int(first.headers["X-Rate-Limit-Remaining"]) < limit
    assert int(second.headers["X-Rate-Limit-Remaining"]) == (
        int(first.headers["X-Rate-Limit-Remaining"]) - 1
    )
    assert first.headers["X-Rate-Limit-Reset"] == "1750000020"  # the minute's end, epoch s


def test_it_answers_429_e0000047_past_the_limit(okta, settings, one_window) -> None:
    settings.OKTA_SANDBOX_RATE_LIMIT = 2
    answers = [okta.get("users/me-does-not-matter") for _ in range(3)]
    assert [r.status_code for r in answers[:2]] == [404, 404]
    assert answers[2].status_code == 429
    assert answers[2].json()["errorCode"] == "E0000047"
    assert answers[2].headers["X-Rate-Limit-Remaining"] == "0"
