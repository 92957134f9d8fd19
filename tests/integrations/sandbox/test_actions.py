from __future__ import annotations

import pytest
from django.test import Client

from integrations.sandbox import services
from integrations.sandbox.models import SandboxAction, SandboxTicket
from tests.integrations.sandbox.helpers import API, CLIENT_ID, Api

pytestmark = pytest.mark.django_db

NOTE = {
    "ticket_id": 1001,
    "outcome": "Private Note",
    "note": "Caller verified by SMS code to +44 7700 900***.",
    "hiddenfromuser": True,
    "timetaken": 0.05,
    "sendemail": False,
}


def test_it_posts_a_note_and_answers_with_one_object(api: Api) -> None:
    response = api.post("Actions", [NOTE])
    assert response.status_code == 200
    action = response.json()
    assert isinstance(action, dict)
    assert action["id"] == 1
    assert {k: action[k] for k in NOTE} == NOTE
    assert action["who_agentid"] == 1
    assert action["actionby_application_id"] == CLIENT_ID


def test_it_stores_the_note(api: Api) -> None:
    before = SandboxTicket.objects.get(pk=1001).lastactiondate
    api.post("Actions", [NOTE])
    stored = SandboxAction.objects.get()
    assert (stored.ticket_id, stored.outcome, stored.note) == (1001, NOTE["outcome"], NOTE["note"])
    assert stored.hiddenfromuser is True
    assert stored.timetaken == 0.05
    assert stored.who_id == 1
    assert SandboxTicket.objects.get(pk=1001).lastactiondate > before
    assert services.posted_actions(1001)[0]["note"] == NOTE["note"]


def test_it_numbers_actions_within_their_ticket(api: Api) -> None:
    assert api.post("Actions", [NOTE]).json()["id"] == 1
    assert api.post("Actions", [NOTE]).json()["id"] == 2
    assert api.post("Actions", [{**NOTE, "ticket_id": 1002}]).json()["id"] == 1


def test_it_answers_several_items_with_a_list(api: Api) -> None:
    body = api.post("Actions", [NOTE, {**NOTE, "note": "second"}]).json()
    assert [a["note"] for a in body] == [NOTE["note"], "second"]
    assert [a["id"] for a in body] == [1, 2]


def test_it_keys_missing_fields_like_halo(api: Api) -> None:
    response = api.post("Actions", [{"note": "no ticket, no outcome"}])
    assert response.status_code == 400
    assert response.json() == {
        "[0].ticket_id": "The ticket_id field is required.",
        "[0].outcome": "The outcome field is required.",
    }
    assert SandboxAction.objects.count() == 0


def test_it_keys_errors_by_item(api: Api) -> None:
    response = api.post("Actions", [NOTE, {**NOTE, "outcome": ""}])
    assert response.status_code == 400
    assert list(response.json()) == ["[1].outcome"]
    assert SandboxAction.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("ticket_id", "one"), ("hiddenfromuser", "yes"), ("timetaken", "long"), ("note", 5)],
)
def test_it_refuses_values_of_the_wrong_type(api: Api, field: str, value) -> None:
    response = api.post("Actions", [{**NOTE, field: value}])
    assert response.status_code == 400
    assert f"[0].{field}" in response.json()


def test_it_answers_an_unknown_ticket_with_404(api: Api) -> None:
    response = api.post("Actions", [{**NOTE, "ticket_id": 999}])
    assert response.status_code == 404
    assert set(response.json()) == {"ClassName", "Message"}
    assert SandboxAction.objects.count() == 0


@pytest.mark.parametrize("body", [NOTE, [], "note"])
def test_it_wants_a_json_array(api: Api, body) -> None:
    response = api.post("Actions", body)
    assert response.status_code == 400
    assert "$" in response.json()


def test_it_refuses_a_body_that_is_not_json(api: Api) -> None:
    response = api.client.post(
        API + "Actions", "{not json", content_type="application/json",
        HTTP_AUTHORIZATION=api.bearer,
    )  # fmt: skip
    assert response.status_code == 400


def test_it_needs_edit_tickets_to_post(api: Api) -> None:
    services.set_permissions(CLIENT_ID, ["read:tickets", "read:customers"])
    response = api.post("Actions", [NOTE])
    assert response.status_code == 403
    assert "edit:tickets" in response.content.decode()
    assert SandboxAction.objects.count() == 0


def test_it_is_exempt_from_csrf(bearer: str) -> None:
    api = Api(Client(enforce_csrf_checks=True), bearer)
    assert api.post("Actions", [NOTE]).status_code == 200


def test_it_lists_a_tickets_actions_newest_first(api: Api) -> None:
    api.post("Actions", [{**NOTE, "note": "first"}])
    api.post("Actions", [{**NOTE, "note": "second"}])
    api.post("Actions", [{**NOTE, "ticket_id": 1002, "note": "elsewhere"}])
    body = api.get("Actions", ticket_id=1001).json()
    assert body["record_count"] == 2
    assert [a["note"] for a in body["actions"]] == ["second", "first"]
    limited = api.get("Actions", ticket_id=1001, count=1).json()
    assert (limited["record_count"], len(limited["actions"])) == (2, 1)


def test_it_lists_no_actions_for_a_fresh_ticket(api: Api) -> None:
    assert api.get("Actions", ticket_id=1003).json() == {"record_count": 0, "actions": []}


def test_it_wants_a_ticket_id_to_list_actions(api: Api) -> None:
    assert api.get("Actions").status_code == 400
    assert api.get("Actions", ticket_id=999).status_code == 404
