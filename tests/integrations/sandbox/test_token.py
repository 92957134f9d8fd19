from __future__ import annotations

import base64

import pytest
from django.test import Client

from integrations.sandbox import services
from integrations.sandbox.models import SandboxApplication, SandboxToken
from tests.integrations.sandbox.helpers import (
    ALL_SCOPES,
    API,
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_URL,
    fetch_token,
)

pytestmark = pytest.mark.django_db


def test_it_issues_a_bearer_token_for_good_credentials(client, application) -> None:
    response = fetch_token(client)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token_type", "access_token", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == ALL_SCOPES
    assert response["Cache-Control"] == "no-store"
    me = client.get(API + "Agent/me", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.status_code == 200


def test_it_accepts_credentials_as_http_basic(client, application) -> None:
    # Most OAuth clients send the client credentials this way by default.
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    response = fetch_token(
        client, headers={"Authorization": f"Basic {basic}"}, client_id=None, client_secret=None
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


def test_it_issues_different_tokens_each_time(client, application) -> None:
    first = fetch_token(client).json()["access_token"]
    second = fetch_token(client).json()["access_token"]
    assert first != second
    assert len(first) >= 32


def test_it_stores_secrets_and_tokens_only_as_digests(client, application) -> None:
    token = fetch_token(client).json()["access_token"]
    stored = [
        str(value)
        for model in (SandboxApplication, SandboxToken)
        for row in model.objects.values()
        for value in row.values()
    ]
    assert stored, "expected rows to scan"
    assert not [v for v in stored if CLIENT_SECRET in v or token in v]
    assert SandboxApplication.objects.get().secret_hash != CLIENT_SECRET


@pytest.mark.parametrize(
    "form",
    [
        {"client_secret": "wrong"},
        {"client_id": "nobody"},
        {"client_secret": ""},
        {"client_id": None, "client_secret": None},
    ],
)
def test_it_refuses_bad_client_credentials(client, application, form) -> None:
    response = fetch_token(client, **form)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.json()["error_description"]
    assert SandboxToken.objects.count() == 0


def test_it_refuses_other_grant_types(client, application) -> None:
    response = fetch_token(client, grant_type="password")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_it_refuses_a_missing_grant_type(client, application) -> None:
    response = fetch_token(client, grant_type=None)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_it_refuses_unknown_scopes(client, application) -> None:
    response = fetch_token(client, scope="read:tickets launch:missiles")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert "launch:missiles" in response.json()["error_description"]


def test_it_accepts_the_all_scope(client, application) -> None:
    response = fetch_token(client, scope="all")
    assert response.status_code == 200
    assert response.json()["scope"] == "all"


def test_it_answers_a_wrong_tenant_with_a_500_that_is_not_json(client, db) -> None:
    services.create_application(CLIENT_ID, CLIENT_SECRET, tenant="acme")
    assert fetch_token(client, query="?tenant=acme").status_code == 200
    wrong = fetch_token(client, query="?tenant=other")
    assert wrong.status_code == 500
    assert wrong["Content-Type"].startswith("text/plain")


def test_it_is_exempt_from_csrf(application) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert fetch_token(strict).status_code == 200


def test_it_answers_get_with_405(client, application) -> None:
    assert client.get(TOKEN_URL).status_code == 405


def test_it_refuses_expired_tokens(client, application) -> None:
    token = services.issue_token(CLIENT_ID, expires_in=0)
    response = client.get(API + "Agent/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_it_forgets_an_applications_expired_tokens_when_issuing(client, application) -> None:
    services.issue_token(CLIENT_ID, expires_in=0)
    fetch_token(client)
    assert SandboxToken.objects.count() == 1
