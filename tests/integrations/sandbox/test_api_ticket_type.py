"""POST api/TicketType: which custom tabs each ticket type shows, for an admin agent."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from integrations.sandbox import seed, services
from integrations.sandbox.models import SandboxAllowedTab, SandboxCustomTab, SandboxTicketType
from tests.integrations.sandbox.helpers import API, CLIENT_ID, PAGES, Api, iframes
from tests.integrations.sandbox.schema import assert_fields_in_schema

pytestmark = pytest.mark.django_db

URL = "https://msp.example.com/tab/k/?ticket_id=$FAULTID"


@pytest.fixture
def tabs(application) -> tuple[SandboxCustomTab, SandboxCustomTab]:
    return (
        services.configure_custom_tab(URL, name="MSP Process"),
        services.configure_custom_tab("https://other.example.com/", name="Other"),
    )


def _state() -> dict[int, tuple[bool, list[int]]]:
    """Every type's "allow all" switch and its allowed tabs: what a refusal must keep."""
    types = SandboxTicketType.objects.prefetch_related("allowed_entries")
    return {
        t.id: (t.allowall_iframe_customtabs, [e.tab_id for e in t.allowed_entries.all()])
        for t in types
    }


def _ticket_of_type(type_id: int) -> int:
    return seed.TICKETS[[row[1] for row in seed.TICKETS].index(type_id)][0]


def test_it_allows_tabs_one_by_one_and_answers_the_updated_types(api: Api, tabs) -> None:
    ours, _ = tabs
    body = [
        {"id": 2, "allowall_iframe_customtabs": False, "allowed_iframe_customtabs": [
            {"iframetab_id": ours.id, "tickettype_id": 2},
        ]},
        {"id": 3, "allowall_iframe_customtabs": False},
    ]  # fmt: skip
    response = api.post("TicketType", body)
    assert response.status_code == 200
    updated = response.json()
    assert isinstance(updated, list)
    assert [t["id"] for t in updated] == [2, 3]
    [entry] = updated[0]["allowed_iframe_customtabs"]
    assert entry["iframetab_id"] == ours.id
    assert entry["iframetab_name"] == "MSP Process"
    assert entry["tickettype_id"] == 2
    assert isinstance(entry["id"], int)
    assert_fields_in_schema("RequestType", updated)
    assert _state()[2] == (False, [ours.id])
    assert _state()[3] == (False, [])
    listed = {t["id"]: t for t in api.get("TicketType").json()}
    assert listed[2]["allowed_iframe_customtabs"] == [entry]
    assert "allowed_iframe_customtabs" not in listed[3]  # empty: left out, as Halo does
    assert api.get("TicketType/2").json()["allowed_iframe_customtabs"] == [entry]
    assert services.request_counts()["POST TicketType"] == 1


def test_it_replaces_the_list_and_keeps_the_ids_of_entries_that_stay(api: Api, tabs) -> None:
    ours, other = tabs
    first = api.post("TicketType", [{"id": 1, "allowed_iframe_customtabs": [
        {"iframetab_id": other.id},
    ]}]).json()  # fmt: skip
    kept = first[0]["allowed_iframe_customtabs"][0]
    both = api.post(
        "TicketType",
        [{"id": 1, "allowed_iframe_customtabs": [kept, {"iframetab_id": ours.id}]}],
    ).json()
    entries = both[0]["allowed_iframe_customtabs"]
    assert [e["iframetab_id"] for e in entries] == [other.id, ours.id]
    assert entries[0]["id"] == kept["id"]
    only_ours = api.post(
        "TicketType", [{"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": ours.id}]}]
    ).json()
    assert [e["iframetab_id"] for e in only_ours[0]["allowed_iframe_customtabs"]] == [ours.id]
    cleared = api.post("TicketType", [{"id": 1, "allowed_iframe_customtabs": []}])
    assert cleared.status_code == 200
    assert _state()[1] == (True, [])  # "allow all" left as it was: not sent


def test_it_shows_a_tab_on_a_ticket_whose_type_allows_it_one_by_one(
    api: Api, client: Client, tabs
) -> None:
    ours, other = tabs
    services.set_custom_tabs_allowed(False)
    ticket = _ticket_of_type(2)
    page = client.get(f"{PAGES}tickets/{ticket}/?tab={ours.id}").content.decode()
    assert "Custom tabs are not allowed" in page
    assert iframes(page) == []

    api.post("TicketType", [{"id": 2, "allowed_iframe_customtabs": [{"iframetab_id": ours.id}]}])
    page = client.get(f"{PAGES}tickets/{ticket}/?tab={ours.id}").content.decode()
    assert f'id="custom-tab-{ours.id}"' in page
    assert f'id="custom-tab-{other.id}"' not in page  # only the allowed tab
    assert "Custom tabs are not allowed" not in page
    [frame] = iframes(page)
    assert frame["src"].startswith("https://msp.example.com/tab/k/?ticket_id=")
    # Another type's tickets still show none; "allow all" still shows every tab.
    assert iframes(client.get(f"{PAGES}tickets/{_ticket_of_type(3)}/").content.decode()) == []
    services.set_custom_tabs_allowed(True, tickettype_id=3)
    page = client.get(f"{PAGES}tickets/{_ticket_of_type(3)}/").content.decode()
    assert f'id="custom-tab-{ours.id}"' in page
    assert f'id="custom-tab-{other.id}"' in page


def test_it_shows_the_tabs_allowed_one_by_one_on_the_config_page(
    api: Api, client: Client, tabs
) -> None:
    ours, _ = tabs
    api.post("TicketType", [{"id": 4, "allowed_iframe_customtabs": [{"iframetab_id": ours.id}]}])
    page = client.get(f"{PAGES}config/customtabs/").content.decode()
    assert 'id="allowed-4"' in page
    assert "Allowed one by one: MSP Process" in page
    # The "allow all" switches leave the one-by-one lists as they are.
    client.post(f"{PAGES}config/tickettypes/", {"allow": ["1"]})
    assert _state()[4] == (False, [ours.id])


def test_it_takes_a_deleted_tab_off_every_list(api: Api, tabs) -> None:
    ours, other = tabs
    both = [{"iframetab_id": ours.id}, {"iframetab_id": other.id}]
    api.post("TicketType", [
        {"id": 1, "allowed_iframe_customtabs": both},
        {"id": 2, "allowed_iframe_customtabs": [{"iframetab_id": ours.id}]},
    ])  # fmt: skip
    response = api.client.delete(f"{API}Tabs/{ours.id}", HTTP_AUTHORIZATION=api.bearer)
    assert response.status_code == 200
    assert _state()[1][1] == [other.id]
    assert _state()[2][1] == []


def test_it_refuses_an_unknown_tab_or_ticket_type(api: Api, tabs) -> None:
    before = _state()
    unknown_tab = api.post(
        "TicketType", [{"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": 9999}]}]
    )
    assert unknown_tab.status_code == 400
    assert unknown_tab.json() == {"[0].allowed_iframe_customtabs": "Tab 9999 was not found."}
    unknown_type = api.post("TicketType", [{"id": 9999, "allowall_iframe_customtabs": False}])
    assert unknown_type.status_code == 404
    assert "9999" in unknown_type.json()["Message"]
    assert _state() == before


def test_it_needs_an_admin_agent_to_post(client: Client, tabs) -> None:
    services.create_application(CLIENT_ID, "secret", agent_id=seed.VIEWING_AGENT_ID)
    api = Api(client, "Bearer " + services.issue_token(CLIENT_ID))
    before = _state()
    refused = api.post("TicketType", [{"id": 1, "allowall_iframe_customtabs": False}])
    assert (refused.status_code, refused.content) == (403, b"")
    assert api.get("TicketType").status_code == 200  # reading needs no administrator
    assert _state() == before
    services.set_agent(seed.VIEWING_AGENT_ID, is_admin=True)
    services.set_permissions(CLIENT_ID, ["read:tickets", "read:customers"])
    assert api.post("TicketType", [{"id": 1}]).status_code == 403  # edit:tickets, as Tabs
    services.set_permissions(CLIENT_ID, ["all"])
    assert api.post("TicketType", [{"id": 1}]).status_code == 200
    assert services.request_counts()["POST TicketType"] == 3


def test_it_counts_posts_against_the_rate_limit(api: Api, tabs) -> None:
    services.set_rate_limit(1)
    assert api.post("TicketType", [{"id": 1}]).status_code == 200
    assert api.post("TicketType", [{"id": 1}]).status_code == 429
    assert [(r["endpoint"], r["status"]) for r in services.request_log()] == [
        ("TicketType", 200),
        ("TicketType", 429),
    ]


HOSTILE_ITEMS = [
    "not an object",
    None,
    [],
    {},
    {"id": True},
    {"id": "1"},
    {"id": "1\x00"},
    {"id": 1.0},
    {"id": 0},
    {"id": -1},
    {"id": 2**31},
    {"id": 2**70},
    {"id": 10**400},
    {"id": 1, "allowall_iframe_customtabs": "true"},
    {"id": 1, "allowall_iframe_customtabs": 1},
    {"id": 1, "allowed_iframe_customtabs": "all"},
    {"id": 1, "allowed_iframe_customtabs": {"iframetab_id": 1}},
    {"id": 1, "allowed_iframe_customtabs": [1]},
    {"id": 1, "allowed_iframe_customtabs": [None]},
    {"id": 1, "allowed_iframe_customtabs": [{}]},
    {"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": True}]},
    {"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": "1"}]},
    {"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": "\x00"}]},
    {"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": 2**64}]},
    {"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": -5}]},
    {"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": 1.5}]},
    {"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": 1, "id": "x"}]},
    {"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": 1, "tickettype_id": 2**40}]},
    {"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": 1, "tickettype_id": 2}]},
    {"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": 1, "iframetab_name": 5}]},
]


@pytest.mark.parametrize("item", HOSTILE_ITEMS, ids=range(len(HOSTILE_ITEMS)))
def test_it_refuses_a_malformed_item_field_by_field(api: Api, tabs, item) -> None:
    ours, _ = tabs
    if isinstance(item, dict):  # make tab 1 mean our tab, whatever id it got
        item = json.loads(
            json.dumps(item).replace('"iframetab_id": 1,', f'"iframetab_id": {ours.id},')
        )
    before = _state()
    response = api.post("TicketType", [{"id": 2, "allowed_iframe_customtabs": []}, item])
    assert response.status_code == 400
    errors = response.json()
    assert errors and all(key.startswith("[1]") for key in errors), errors
    assert all(isinstance(v, str) and len(v) < 200 for v in errors.values())
    assert _state() == before  # nothing applied, not even the valid first item


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"null",
        b"true",
        b"42",
        b'"TicketType"',
        b'{"id": 1}',
        b"[]",
        b"\xff\xfe[1]",
        b"[" * 100_000 + b"]" * 100_000,
        b'[{"id": NaN}]',
        b'[{"id": 1e999}]',
        '[{"id": 1, "allowed_iframe_customtabs": [{"iframetab_id": "\u0000"}]}]'.encode(),
    ],
)
def test_it_refuses_a_body_that_is_not_an_array_of_objects(api: Api, tabs, body: bytes) -> None:
    before = _state()
    response = api.client.post(
        f"{API}TicketType", body, content_type="application/json", HTTP_AUTHORIZATION=api.bearer
    )
    assert response.status_code == 400
    assert response.json()
    assert _state() == before


def test_it_ignores_fields_it_does_not_honour(api: Api, tabs) -> None:
    ignored = {"name": "Renamed\x00", "sequence": "x", "\x00": [], "use": None}
    response = api.post("TicketType", [{"id": 1, "allowall_iframe_customtabs": None, **ignored}])
    assert response.status_code == 200
    assert SandboxTicketType.objects.get(pk=1).name == "Incident"
    assert SandboxAllowedTab.objects.count() == 0
