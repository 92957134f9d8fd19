"""api/authinfo, TicketType/{id}, Actions/{id} and the hosted authorisation server."""

from __future__ import annotations

import pytest

from integrations.sandbox import services
from tests.integrations.sandbox.helpers import API, CLIENT_ID, CLIENT_SECRET, Api, fetch_token

pytestmark = pytest.mark.django_db

HOSTED_TOKEN_URL = "/sandbox/halo/hosted-auth/token"
NOTE = {"ticket_id": 1001, "outcome": "Private Note", "note": "Caller verified."}


def test_it_answers_authinfo_without_a_token(client) -> None:
    response = client.get(API + "authinfo")
    assert response.status_code == 200
    assert response.json() == {
        "auth_url": "http://testserver/sandbox/halo/auth",
        "tenant_id": "sandbox",
    }
    assert services.request_counts() == {"GET authinfo": 1}


def test_it_points_authinfo_at_the_hosted_auth_server(client, settings) -> None:
    settings.HALO_SANDBOX_HOSTED_AUTH_HOST = "localhost:8000"
    settings.HALO_SANDBOX_TENANT = "acme"
    info = client.get(API + "AuthInfo/").json()
    assert info == {
        "auth_url": "http://localhost:8000/sandbox/halo/hosted-auth",
        "tenant_id": "acme",
    }


def test_it_returns_one_ticket_type(api: Api) -> None:
    found = api.get("TicketType/4")
    assert found.status_code == 200
    assert (found.json()["id"], found.json()["name"]) == (4, "Project")
    assert found.json()["allowall_iframe_customtabs"] is False
    assert services.request_counts()["GET TicketType/{id}"] == 1


def test_it_returns_one_action_of_a_ticket(api: Api) -> None:
    api.post("Actions", [NOTE])
    api.post("Actions", [NOTE | {"note": "Second."}])
    second = api.get("Actions/2", ticket_id=1001)
    assert second.status_code == 200
    assert (second.json()["id"], second.json()["note"]) == (2, "Second.")
    assert api.get("Actions/3", ticket_id=1001).status_code == 404
    assert api.get("Actions/1", ticket_id=1002).status_code == 404
    assert "ticket_id" in api.get("Actions/1").json()
    assert api.get("Actions/1", ticket_id="x").status_code == 400


def test_it_can_answer_a_one_item_post_with_a_list_of_one(api: Api) -> None:
    assert isinstance(api.post("Actions", [NOTE]).json(), dict)
    services.set_actions_reply_as_list(True)
    reply = api.post("Actions", [NOTE]).json()
    assert isinstance(reply, list) and len(reply) == 1
    assert reply[0]["id"] == 2


def test_it_serves_the_hosted_token_endpoint_with_the_right_tenant(client, application) -> None:
    response = client.post(
        HOSTED_TOKEN_URL + "?tenant=sandbox",
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"
    assert services.request_counts() == {"POST hosted-auth/token": 1}


@pytest.mark.parametrize("query", ["", "?tenant=other", "?tenant="])
def test_it_answers_a_wrong_or_missing_tenant_with_a_500(client, application, query) -> None:
    response = client.post(
        HOSTED_TOKEN_URL + query,
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert response.status_code == 500
    assert not response["Content-Type"].startswith("application/json")


def test_it_serves_the_hosted_server_only_on_its_own_host(client, application, settings) -> None:
    settings.HALO_SANDBOX_HOSTED_AUTH_HOST = "localhost"
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "x"}
    elsewhere = client.post(HOSTED_TOKEN_URL + "?tenant=sandbox", form)
    assert elsewhere.status_code == 404
    there = client.post(HOSTED_TOKEN_URL + "?tenant=sandbox", form, HTTP_HOST="localhost")
    assert there.status_code == 401  # reached: the secret is wrong
    assert fetch_token(client).status_code == 200  # the instance's own auth stays


@pytest.mark.parametrize("path", ["Tickets", "Users", "Agent", "TicketType", "Tabs"])
def test_it_answers_an_id_too_big_for_any_record_with_a_404(api: Api, path: str) -> None:
    assert api.get(f"{path}/{10**30}").status_code == 404
    assert api.get(f"Actions/{10**30}", ticket_id=1001).status_code == 404
