"""No input to the Halo sandbox gives a 500, and a refused input changes nothing.

Property-based, with the shared strategies (tests/hostile.py). The sandbox stands for
a Halo: its pages (tickets, Custom Tabs, Halo API applications, devices) and its API
(the token endpoints, ids in routes, query parameters, JSON bodies) get arbitrary
text, digits of other scripts, NUL and control characters, huge numbers and long
strings. Its answers are Halo's (400 keyed by field, 401, 404 and so on), never a 500
of its own making; only the deliberate 500 of a wrong hosted tenant is allowed, where
the test asks for it.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.sandbox import seed, services
from integrations.sandbox.models import (
    SandboxAction,
    SandboxApplication,
    SandboxCustomTab,
    SandboxSwitch,
    SandboxTicketType,
)
from tests.hostile import ANY_INPUT, HOSTILE, HOSTILE_QUICK, JSON_SCALAR, JSON_VALUE, TEXT
from tests.integrations.sandbox.helpers import API, CLIENT_ID, CLIENT_SECRET, PAGES, Api

pytestmark = pytest.mark.django_db

# Ids in an address: the routes take any run of ASCII digits.
HUGE_ID = st.one_of(
    st.integers(min_value=0, max_value=10**30),
    st.sampled_from([2**31, 2**63, 10**4000 + 1]),
)
KEYS = TEXT.filter(lambda s: "\x00" not in s)  # a query key with NUL never leaves a browser
API_ANSWERS = (200, 400, 401, 403, 404, 405)
TAB = {"name": "MSP Process", "url": "https://msp.example.com/tab/k/?ticket_id=$FAULTID"}
NOTE = {"ticket_id": 1001, "outcome": "Private Note", "note": "Caller verified."}


@pytest.fixture(autouse=True)
def _seeded(db) -> None:
    """Seeded first: a page seeds the sandbox on its first visit, which is no change."""
    seed.ensure_seeded()


def query(*names: str) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.one_of(st.sampled_from(names), KEYS), ANY_INPUT, max_size=4)


def stored() -> list[Any]:
    """What the sandbox holds that a request could change (not its request log)."""
    return [
        list(SandboxAction.objects.order_by("pk").values()),
        list(SandboxCustomTab.objects.order_by("pk").values()),
        list(SandboxApplication.objects.order_by("pk").values()),
        list(SandboxTicketType.objects.order_by("pk").values()),
        list(SandboxSwitch.objects.order_by("pk").values()),
    ]


def post_json(api: Api, path: str, raw: str | bytes):
    return api.client.post(
        API + path, raw, content_type="application/json", HTTP_AUTHORIZATION=api.bearer
    )


# --- the pages --------------------------------------------------------------------


@HOSTILE_QUICK
@given(params=query("agent", "tab"), ticket=st.sampled_from([1001, 1002, 999999]))
def test_it_survives_any_query_on_the_ticket_pages(client, params, ticket) -> None:
    assert client.get(PAGES + "tickets/", params).status_code in (200, 404)
    assert client.get(f"{PAGES}tickets/{ticket}/", params).status_code in (200, 404)


@HOSTILE
@given(params=query("to", "user"))
def test_it_survives_any_filter_of_the_devices(client, params) -> None:
    assert client.get(PAGES + "devices/", params).status_code == 200


@HOSTILE_QUICK
@given(id=HUGE_ID.filter(lambda n: not 0 < n < 10**5))  # the seeded ids are small
def test_it_answers_404_for_any_unknown_id_in_a_page_address(client, id) -> None:
    before = stored()
    for path in ("tickets/{}/", "config/customtabs/{}/", "config/api/{}/"):
        assert client.get(PAGES + path.format(id)).status_code == 404
    for path in (
        "config/customtabs/{}/",
        "config/customtabs/{}/delete/",
        "config/api/{}/",
        "config/api/{}/rotate/",
        "config/api/{}/delete/",
    ):
        assert client.post(PAGES + path.format(id), {"name": "x"}).status_code == 404
    assert stored() == before


@HOSTILE
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            name: ANY_INPUT
            for name in ("name", "url", "sequence", "secret", "remove_secret", "enabled")
        },
    )
)
def test_it_survives_any_custom_tab_form(client, data) -> None:
    tab = SandboxCustomTab.objects.create(name="Old", url="https://old.example.com/", secret="s")
    before = stored()
    for path in ("config/customtabs/", f"config/customtabs/{tab.pk}/"):
        response = client.post(PAGES + path, data)
        assert response.status_code in (200, 302)
        if response.status_code == 200:  # refused: the form again, with the reasons
            assert response.context["form"].errors
            assert stored() == before


@HOSTILE
@given(field=st.sampled_from(["name", "url", "sequence", "secret"]), value=ANY_INPUT)
def test_it_survives_any_value_of_one_custom_tab_field(client, field, value) -> None:
    before = stored()
    data = TAB | {"sequence": "0", "enabled": "on", field: value}
    response = client.post(PAGES + "config/customtabs/", data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert stored() == before


@HOSTILE
@given(allow=st.lists(ANY_INPUT, max_size=4), preload=ANY_INPUT)
def test_it_survives_any_tab_switches(client, allow, preload) -> None:
    response = client.post(PAGES + "config/tickettypes/", {"allow": allow})
    assert response.status_code == 302
    response = client.post(PAGES + "config/customtabs/loading/", {"preload": preload})
    assert response.status_code == 302


@HOSTILE
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "name": ANY_INPUT,
            "agent": ANY_INPUT,
            "permissions": st.lists(ANY_INPUT, max_size=3),
            "tenant": ANY_INPUT,
        },
    )
)
def test_it_survives_any_api_application_form(client, application, data) -> None:
    before = stored()
    for path in ("config/api/", f"config/api/{application.pk}/"):
        response = client.post(PAGES + path, data)
        assert response.status_code in (200, 302)
        if "form" in (response.context or {}) and response.context["form"].errors:
            assert stored() == before


@HOSTILE
@given(field=st.sampled_from(["name", "agent", "tenant"]), value=ANY_INPUT)
def test_it_survives_any_value_of_one_api_application_field(
    client, application, field, value
) -> None:
    before = stored()
    data = {"name": "Globex PSA", "agent": "1", "permissions": ["all"], "tenant": ""}
    response = client.post(f"{PAGES}config/api/{application.pk}/", data | {field: value})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors
        assert stored() == before


# --- the authorisation server -------------------------------------------------------


@HOSTILE
@given(
    grant=st.one_of(st.just("client_credentials"), ANY_INPUT),
    client_id=st.one_of(st.just(CLIENT_ID), ANY_INPUT),
    secret=st.one_of(st.just(CLIENT_SECRET), ANY_INPUT),
    scope=ANY_INPUT,
    tenant=ANY_INPUT,
)
def test_it_survives_any_token_request(
    client, application, grant, client_id, secret, scope, tenant
) -> None:
    form = {"grant_type": grant, "client_id": client_id, "client_secret": secret, "scope": scope}
    before = stored()
    response = client.post(f"{PAGES}auth/token?tenant=x", form)
    assert response.status_code in (200, 400, 401)
    assert stored() == before
    # The hosted server answers a wrong tenant with its deliberate 500 page.
    response = client.post(f"{PAGES}hosted-auth/token", form | {"tenant": tenant})
    assert response.status_code in (200, 400, 401, 500)
    if response.status_code == 500:
        assert tenant != "sandbox"


@HOSTILE
@given(
    client_id=ANY_INPUT,
    secret=ANY_INPUT,
    raw=st.one_of(ANY_INPUT, st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode())),
)
def test_it_survives_any_basic_credentials(client, application, client_id, secret, raw) -> None:
    pair = f"{client_id}:{secret}".encode("utf-8", "surrogatepass")
    for value in (base64.b64encode(pair).decode(), raw):
        response = client.post(
            f"{PAGES}auth/token",
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=f"Basic {value}",
        )
        assert response.status_code in (400, 401)


@HOSTILE
@given(bearer=ANY_INPUT)
def test_it_refuses_any_bearer_token(client, application, bearer) -> None:
    response = client.get(API + "Tickets", HTTP_AUTHORIZATION=f"Bearer {bearer}")
    assert response.status_code == 401


# --- the API -----------------------------------------------------------------------


@HOSTILE
@given(
    route=st.sampled_from(["Agent", "Tickets", "Users", "TicketType", "Actions", "Tabs"]),
    id=HUGE_ID,
    params=query("ticket_id", "includedetails"),
)
def test_it_survives_any_id_in_an_api_route(api, route, id, params) -> None:
    response = api.get(f"{route}/{id}", **params)
    assert response.status_code in API_ANSWERS


@HOSTILE
@given(
    route=st.sampled_from(
        ["Tickets", "Users", "Client", "Actions", "TicketType", "Tabs", "Agent/me"]
    ),
    params=query(
        *("page_size", "page_no", "count", "pageinate", "includedetails"),
        *("requesttype_id", "client_id", "site_id", "ticket_id"),
        *("search", "includeinactive", "order", "orderdesc"),
    ),
)
def test_it_survives_any_query_on_the_api(api, route, params) -> None:
    response = api.get(route, **params)
    assert response.status_code in API_ANSWERS


@HOSTILE
@given(
    params=st.fixed_dictionaries(
        {"pageinate": st.just("true")},
        optional={name: ANY_INPUT for name in ("page_size", "page_no", "count")},
    )
)
def test_it_survives_any_page_of_tickets(api, params) -> None:
    response = api.get("Tickets", **params)
    assert response.status_code in (200, 400)


@HOSTILE
@given(field=st.sampled_from([*NOTE, "hiddenfromuser", "timetaken"]), value=JSON_VALUE)
def test_it_survives_any_value_in_a_posted_action(api, field, value) -> None:
    before = stored()
    response = api.post("Actions", [NOTE | {field: value}])
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert stored() == before


@HOSTILE
@given(body=JSON_VALUE)
def test_it_survives_any_json_posted_as_actions(api, body) -> None:
    before = stored()
    response = api.post("Actions", body)
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert stored() == before


@HOSTILE
@given(field=st.sampled_from(["id", "name", "url", "sequence", "tableid"]), value=JSON_VALUE)
def test_it_survives_any_value_in_a_posted_tab(api, field, value) -> None:
    before = stored()
    response = api.post("Tabs", [TAB | {field: value}])
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert stored() == before


@HOSTILE
@given(body=JSON_VALUE)
def test_it_survives_any_json_posted_as_tabs(api, body) -> None:
    before = stored()
    response = api.post("Tabs", body)
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert stored() == before


@HOSTILE
@given(
    raw=st.one_of(
        st.binary(max_size=60),
        ANY_INPUT,
        JSON_SCALAR.map(lambda v: json.dumps(v)),
    ),
    route=st.sampled_from(["Actions", "Tabs"]),
)
def test_it_survives_any_body_that_is_not_an_array(api, raw, route) -> None:
    before = stored()
    response = post_json(api, route, raw)
    assert response.status_code == 400
    assert stored() == before


@HOSTILE_QUICK
@given(rest=TEXT.filter(lambda s: "\x00" not in s))
def test_it_answers_any_unknown_api_route_with_halos_404(client, rest) -> None:
    response = client.get(API + "Nothing" + rest)
    assert response.status_code in (404, 401)


# Each of these once gave a 500 (some on PostgreSQL only, which refuses NUL and
# numbers past its columns; some on SQLite only, which refuses integers past 64 bits).
@pytest.mark.parametrize(
    "change",
    [
        {"ticket_id": "\u00b2"},
        {"ticket_id": "\uff11\uff10\uff10\uff11"},
        {"ticket_id": 10**30},
        {"ticket_id": "9" * 30},
        {"ticket_id": 2**31},
        {"outcome": "Private\x00Note"},
        {"note": "Caller\x00verified."},
        {"outcome": "x" * 101},
        {"timetaken": float("nan")},
        {"timetaken": float("inf")},
        {"timetaken": 10**400},
    ],
)
def test_it_refuses_a_posted_action_that_no_column_takes(api, change) -> None:
    before = stored()
    response = api.post("Actions", [NOTE | change])
    assert response.status_code == 400
    assert list(response.json()) == [f"[0].{next(iter(change))}"]
    assert stored() == before


@pytest.mark.parametrize("change", [{"name": "MSP\x00"}, {"url": TAB["url"] + "\x00"}])
def test_it_refuses_a_posted_tab_with_nul(api, change) -> None:
    before = stored()
    response = api.post("Tabs", [TAB | change])
    assert response.status_code == 400
    assert stored() == before


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("Tickets", {"requesttype_id": "9" * 30}),
        ("Tickets", {"requesttype_id": "\uff11"}),
        ("Tickets", {"pageinate": "true", "page_no": "9" * 18}),
        ("Tickets", {"pageinate": "true", "page_size": "2147483648"}),
        ("Users", {"client_id": "9" * 30}),
        ("Users", {"site_id": "-9223372036854775809"}),
        ("Actions", {"ticket_id": "1001", "count": "9" * 30}),
        ("Actions/1", {"ticket_id": "9" * 30}),
    ],
)
def test_it_refuses_a_number_beyond_halos_int32(api, path, params) -> None:
    response = api.get(path, **params)
    assert response.status_code == 400
    assert "is not valid" in next(iter(response.json().values()))


@pytest.mark.parametrize("route", ["Tickets", "Users", "Agent", "TicketType", "Tabs", "Actions"])
@pytest.mark.parametrize("id", ["9" * 5000, "2147483648"])
def test_it_answers_404_for_an_id_beyond_halos_int32(api, route, id) -> None:
    response = api.get(f"{route}/{id}", ticket_id="1001")
    assert response.status_code == 404
    assert response.json()["Message"] == f"No record has the id {id}."


@pytest.mark.parametrize("client_id", ["\x00", "sandbox-test-client\x00"])
def test_it_refuses_a_client_id_with_nul(client, application, client_id) -> None:
    form = {"grant_type": "client_credentials", "client_id": client_id}
    response = client.post(f"{PAGES}auth/token", form | {"client_secret": CLIENT_SECRET})
    assert response.status_code == 401
    pair = base64.b64encode(f"{client_id}:{CLIENT_SECRET}".encode()).decode()
    response = client.post(
        f"{PAGES}auth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {pair}",
    )
    assert response.status_code == 401


@pytest.mark.parametrize("value", ["\x80", "\u00e9t\u00e9", "not base64!"])
def test_it_refuses_basic_credentials_that_are_not_base64(client, application, value) -> None:
    response = client.post(
        f"{PAGES}auth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {value}",
    )
    assert response.status_code == 401


def test_it_grants_each_scope_once(client, application) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "all " * 60 + "read:tickets read:tickets",
    }
    response = client.post(f"{PAGES}auth/token", form)
    assert response.status_code == 200
    assert response.json()["scope"] == "all read:tickets"


@pytest.mark.parametrize("to", ["\x00@example.com", "jane\x00@example.com"])
def test_it_finds_no_message_for_an_address_with_nul(client, to) -> None:
    response = client.get(PAGES + "devices/", {"to": to})
    assert response.status_code == 200
    assert response.context["total"] == 0


def test_it_still_takes_a_note_after_all_that(api) -> None:
    """The usual case, so that the refusals above are not everything failing."""
    response = api.post("Actions", [NOTE])
    assert response.status_code == 200
    assert services.posted_actions(1001)[-1]["note"] == "Caller verified."


@pytest.mark.parametrize("path", ["Actions", "Tabs", "TicketType"])
def test_it_refuses_json_nested_too_deep_to_read(api, path: str) -> None:
    before = stored()
    response = post_json(api, path, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert response.json() == {"$": "The request body is not valid JSON."}
    assert stored() == before
