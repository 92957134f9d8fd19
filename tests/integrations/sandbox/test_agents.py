"""A token may do only what both its application and its "Agent to log in as" may do."""

from __future__ import annotations

import pytest

from integrations.sandbox import seed, services
from integrations.sandbox.models import SandboxAgent
from tests.integrations.sandbox.helpers import API, CLIENT_ID, CLIENT_SECRET, Api, fetch_token

pytestmark = pytest.mark.django_db


def test_it_refuses_what_the_agent_may_not_do_though_the_application_may(client) -> None:
    services.create_application(CLIENT_ID, CLIENT_SECRET, agent_id=seed.READ_ONLY_AGENT_ID)
    api = Api(client, "Bearer " + services.issue_token(CLIENT_ID))
    assert api.get("Tickets/1001").status_code == 200
    refused = api.get("Users/201")
    assert refused.status_code == 403
    assert "read:customers" in refused.content.decode()
    assert api.post("Actions", [{"ticket_id": 1001, "outcome": "Note"}]).status_code == 403


def test_it_refuses_what_the_application_may_not_do_though_the_agent_may(api: Api) -> None:
    services.set_permissions(CLIENT_ID, ["read:tickets"])
    assert api.get("Tickets/1001").status_code == 200
    assert api.get("Users/201").status_code == 403


def test_it_applies_an_agents_new_permissions_to_tokens_already_issued(api: Api) -> None:
    assert api.get("Users/201").status_code == 200
    services.set_agent(seed.DEFAULT_AGENT_ID, permissions=["read:tickets", "edit:tickets"])
    assert api.get("Users/201").status_code == 403
    services.set_agent(seed.DEFAULT_AGENT_ID, permissions=["all"])
    assert api.get("Users/201").status_code == 200


def test_it_refuses_a_token_to_a_disabled_agents_application(client) -> None:
    services.create_application(CLIENT_ID, CLIENT_SECRET, agent_id=seed.DISABLED_AGENT_ID)
    response = fetch_token(client)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "Agent to log in as" in response.json()["error_description"]


def test_it_refuses_a_token_once_the_agent_is_deleted(client, application) -> None:
    assert fetch_token(client).status_code == 200
    bearer = "Bearer " + services.issue_token(CLIENT_ID)
    SandboxAgent.objects.filter(pk=seed.DEFAULT_AGENT_ID).delete()
    assert fetch_token(client).status_code == 400
    # Tokens issued before stop working: the application cannot log in any more.
    assert client.get(API + "Agent/me", HTTP_AUTHORIZATION=bearer).status_code == 401


def test_it_stops_tokens_when_the_agent_is_disabled(api: Api) -> None:
    assert api.get("Agent/me").status_code == 200
    services.set_agent(seed.DEFAULT_AGENT_ID, disabled=True)
    assert api.get("Agent/me").status_code == 401


def test_it_seeds_an_admin_default_agent_and_limited_ones(db) -> None:
    services.ensure_seeded()
    default = SandboxAgent.objects.get(pk=seed.DEFAULT_AGENT_ID)
    assert default.is_admin and default.allows("edit:tickets")
    limited = SandboxAgent.objects.get(pk=seed.READ_ONLY_AGENT_ID)
    assert limited.allows("read:tickets") and not limited.allows("read:customers")
    assert not SandboxAgent.objects.get(pk=seed.DISABLED_AGENT_ID).allows("read:tickets")


def test_it_refuses_unknown_permissions_and_agents(db) -> None:
    with pytest.raises(ValueError):
        services.set_agent(seed.DEFAULT_AGENT_ID, permissions=["delete:everything"])
    with pytest.raises(SandboxAgent.DoesNotExist):
        services.set_agent(999, is_admin=True)
