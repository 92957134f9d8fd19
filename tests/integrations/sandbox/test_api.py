from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.sandbox import services
from tests.integrations.sandbox.helpers import API, CLIENT_ID, Api

pytestmark = pytest.mark.django_db

TICKET_FIELDS = {
    "id", "summary", "details", "tickettype_id", "tickettype_name", "status_id",
    "status_name", "client_id", "client_name", "site_id", "site_name", "user_id",
    "user_name", "user_email", "agent_id", "agent_name", "priority_id", "sla_id",
    "dateoccurred", "lastactiondate",
}  # fmt: skip
USER_FIELDS = {
    "id", "name", "firstname", "surname", "emailaddress", "phonenumber", "mobilenumber",
    "client_id", "client_name", "site_id", "site_name", "inactive",
}  # fmt: skip
AGENT_FIELDS = {
    "id", "name", "firstname", "surname", "email", "initials", "isdisabled", "is_admin",
}  # fmt: skip


def test_it_requires_a_bearer_token(client, application) -> None:
    missing = client.get(API + "Tickets/1001")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get(API + "Tickets/1001", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_token"


def test_it_returns_the_agent_the_application_logs_in_as(api: Api) -> None:
    response = api.get("Agent/me")
    assert response.status_code == 200
    me = response.json()
    assert set(me) == AGENT_FIELDS
    assert (me["id"], me["name"], me["initials"], me["isdisabled"]) == (
        1,
        "API Integration",
        "AI",
        False,
    )


def test_it_follows_the_applications_agent(client, db) -> None:
    services.create_application("other", "other-secret", agent_id=3)
    bearer = "Bearer " + services.issue_token("other")
    me = client.get(API + "Agent/me", HTTP_AUTHORIZATION=bearer).json()
    assert me["name"] == "Tom Fletcher"


def test_it_returns_an_agent_by_id(api: Api) -> None:
    agent = api.get("Agent/2").json()
    assert set(agent) == AGENT_FIELDS
    assert agent["email"] == "priya.shah@msp.example.com"


def test_it_returns_a_ticket_as_a_bare_object(api: Api) -> None:
    response = api.get("Tickets/1001")
    assert response.status_code == 200
    ticket = response.json()
    assert set(ticket) == TICKET_FIELDS
    assert ticket["id"] == 1001
    assert (ticket["user_id"], ticket["user_name"]) == (201, "Alice Morgan")
    assert ticket["user_email"] == "alice.morgan@kestrel.example.com"
    assert (ticket["client_id"], ticket["client_name"]) == (12, "Kestrel Logistics")
    assert (ticket["tickettype_id"], ticket["tickettype_name"]) == (3, "Account Change")
    assert (ticket["agent_id"], ticket["agent_name"]) == (2, "Priya Shah")
    assert ticket["status_name"] == "New"
    assert ticket["dateoccurred"] == "2025-03-03T08:30:00.000"


def test_it_has_a_ticket_without_an_end_user(api: Api) -> None:
    ticket = api.get("Tickets/1015", includedetails="true").json()
    assert (ticket["user_id"], ticket["user_name"], ticket["user_email"]) == (0, "", "")
    assert ticket["agent_id"] == 0


def test_it_leaves_empty_fields_out_unless_details_are_asked_for(api: Api) -> None:
    ticket = api.get("Tickets/1015").json()
    assert "user_name" not in ticket
    assert "user_email" not in ticket
    assert ticket["user_id"] == 0  # zero is a value, not an empty one
    assert "mobilenumber" not in api.get("Users/205").json()
    assert api.get("Users/205", includedetails="true").json()["mobilenumber"] == ""
    listed = api.get("TicketType").json()
    assert all("allowed_iframe_customtabs" not in t for t in listed)
    assert listed[3]["allowall_iframe_customtabs"] is False  # False is a value too


@pytest.mark.parametrize(
    "path", ["Tickets/999", "Users/999", "Agent/999", "TicketType/99", "Tabs/999"]
)
def test_it_answers_unknown_ids_with_a_halo_404(api: Api, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert set(response.json()) == {"ClassName", "Message"}


@pytest.mark.parametrize("path", ["Nonsense", "Tickets/abc", "Tickets/1001/extra"])
def test_it_answers_unknown_routes_with_an_html_404(api: Api, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"404" in response.content
    assert services.request_counts() == {"GET {unknown}": 1}


def test_it_pages_tickets(api: Api) -> None:
    body = api.get("Tickets", pageinate="true", page_size=5, page_no=2).json()
    assert set(body) == {"page_no", "page_size", "record_count", "tickets"}
    assert (body["page_no"], body["page_size"], body["record_count"]) == (2, 5, 20)
    assert [t["id"] for t in body["tickets"]] == [1006, 1007, 1008, 1009, 1010]
    assert set(body["tickets"][0]) == TICKET_FIELDS


def test_it_returns_an_empty_page_past_the_end(api: Api) -> None:
    body = api.get("Tickets", pageinate="true", page_size=10, page_no=3).json()
    assert (body["record_count"], body["tickets"]) == (20, [])


def test_it_caps_pages_at_100(api: Api) -> None:
    body = api.get("Tickets", pageinate="true", page_size=500, page_no=1).json()
    assert body["page_size"] == 100
    assert len(body["tickets"]) == 20


def test_it_filters_tickets_by_type(api: Api) -> None:
    body = api.get("Tickets", pageinate="true", page_size=50, requesttype_id=4).json()
    assert body["record_count"] == 2
    assert {t["tickettype_name"] for t in body["tickets"]} == {"Project"}


def test_it_lists_tickets_without_paging(api: Api) -> None:
    body = api.get("Tickets", count=3).json()
    assert set(body) == {"record_count", "tickets"}
    assert body["record_count"] == 20
    assert len(body["tickets"]) == 3


def test_it_refuses_a_non_number_page_size(api: Api) -> None:
    response = api.get("Tickets", pageinate="true", page_size="lots")
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_it_returns_an_end_user(api: Api) -> None:
    user = api.get("Users/201").json()
    assert set(user) == USER_FIELDS
    assert user["name"] == "Alice Morgan"
    assert user == api.get("Users/201", includedetails="true").json()  # nothing empty
    assert user["mobilenumber"] == "+61 491 570 156"
    assert (user["client_name"], user["site_name"]) == ("Kestrel Logistics", "Head Office")
    assert user["inactive"] is False


def test_it_has_users_without_a_mobile_and_without_an_email(api: Api) -> None:
    detailed = {"includedetails": "true"}
    assert api.get("Users/205", **detailed).json()["mobilenumber"] == ""
    assert api.get("Users/205", **detailed).json()["emailaddress"]
    assert api.get("Users/209", **detailed).json()["emailaddress"] == ""
    assert api.get("Users/209", **detailed).json()["mobilenumber"]


def test_it_lists_ticket_types_as_a_bare_array(api: Api) -> None:
    types = api.get("TicketType", includedetails="true").json()
    assert isinstance(types, list)
    assert [t["name"] for t in types] == [
        "Incident",
        "Service Request",
        "Account Change",
        "Project",
    ]
    allowed = {t["name"]: t["allowall_iframe_customtabs"] for t in types}
    assert allowed == {
        "Incident": True,
        "Service Request": True,
        "Account Change": True,
        "Project": False,
    }
    assert all(t["allowed_iframe_customtabs"] == [] for t in types)


def test_it_switches_custom_tabs_for_all_ticket_types(api: Api) -> None:
    services.set_custom_tabs_allowed(True)
    assert all(t["allowall_iframe_customtabs"] for t in api.get("TicketType").json())
    services.set_custom_tabs_allowed(False, tickettype_id=1)
    allowed = {t["id"]: t["allowall_iframe_customtabs"] for t in api.get("TicketType").json()}
    assert allowed == {1: False, 2: True, 3: True, 4: True}


@pytest.mark.parametrize(
    ("path", "permission"),
    [
        ("Tickets/1001", "read:tickets"),
        ("Tickets", "read:tickets"),
        ("TicketType", "read:tickets"),
        ("Agent/me", "read:tickets"),
        ("Agent/2", "read:tickets"),
        ("Users/201", "read:customers"),
        ("Users", "read:customers"),
    ],
)
def test_it_forbids_reads_the_application_may_not_make(api: Api, path, permission) -> None:
    assert api.get(path).status_code == 200
    others = [p for p in services.PERMISSIONS if p != permission]
    services.set_permissions(CLIENT_ID, others)
    response = api.get(path)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")  # Halo's 403s are not JSON
    assert permission in response.content.decode()


def test_it_limits_a_token_to_the_scope_it_asked_for(client, application) -> None:
    bearer = "Bearer " + services.issue_token(CLIENT_ID, scope="read:tickets")
    assert client.get(API + "Tickets/1001", HTTP_AUTHORIZATION=bearer).status_code == 200
    assert client.get(API + "Users/201", HTTP_AUTHORIZATION=bearer).status_code == 403


@pytest.mark.parametrize("path", ["tickets/1001", "TICKETS/1001", "Tickets/1001/", "tIcKeTs/1001/"])
def test_it_answers_routes_in_any_case_with_or_without_a_slash(api: Api, path: str) -> None:
    assert api.get(path).json()["id"] == 1001
    assert services.request_counts() == {"GET Tickets/{id}": 1}


@pytest.mark.parametrize("path", ["agent/me", "AGENT/ME/", "tickettype", "TicketType/", "USERS"])
def test_it_answers_every_route_in_any_case(api: Api, path: str) -> None:
    assert api.get(path).status_code == 200


def test_it_answers_the_api_prefix_in_any_case(client, bearer: str) -> None:
    response = client.get("/sandbox/halo/API/Tickets/1001", HTTP_AUTHORIZATION=bearer)
    assert response.json()["id"] == 1001


def test_it_reverses_routes_in_halos_spelling() -> None:
    assert reverse("sandbox:api_ticket", kwargs={"id": 1001}) == API + "Tickets/1001"
    assert reverse("sandbox:api_ticket_types") == API + "TicketType"
    assert reverse("sandbox:api_agent_me") == API + "Agent/me"


def test_it_refuses_methods_a_resource_does_not_have(api: Api) -> None:
    response = api.client.delete(API + "Tickets/1001", HTTP_AUTHORIZATION=api.bearer)
    assert response.status_code == 405


def test_it_lists_users(api: Api) -> None:
    body = api.get("Users", count=1).json()
    assert body["record_count"] == 12
    assert [u["id"] for u in body["users"]] == [201]
    harbour = api.get("Users", client_id=13).json()
    assert [u["id"] for u in harbour["users"]] == [205, 206, 207]
    page = api.get("Users", pageinate="true", page_size=5, page_no=3).json()
    assert (page["page_no"], page["record_count"]) == (3, 12)
    assert [u["id"] for u in page["users"]] == [211, 212]
    assert api.get("Users", site_id="x").status_code == 400
