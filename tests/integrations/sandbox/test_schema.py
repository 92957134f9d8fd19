"""Every field the sandbox returns is in Halo's own schema for that object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrations.sandbox import extract_schema, schema
from tests.integrations.sandbox.helpers import Api
from tests.integrations.sandbox.schema import assert_fields_in_schema

pytestmark = pytest.mark.django_db

SHARED_OPENAPI = Path("/work/shared/halo/openapi-subset.json")


def test_it_returns_agents_as_in_the_uname_schema(api: Api) -> None:
    assert_fields_in_schema("Uname", api.get("Agent/me").json())
    for agent_id in (1, 2, 3):
        assert_fields_in_schema("Uname", api.get(f"Agent/{agent_id}").json())


def test_it_returns_tickets_as_in_the_faults_schema(api: Api) -> None:
    listed = api.get("Tickets", pageinate="true", page_size=100).json()["tickets"]
    assert len(listed) == 20
    assert_fields_in_schema("Faults", listed)
    for ticket in listed:
        assert_fields_in_schema("Faults", api.get(f"Tickets/{ticket['id']}").json())


def test_it_returns_users_as_in_the_users_schema(api: Api) -> None:
    for user_id in range(201, 213):
        assert_fields_in_schema("Users", api.get(f"Users/{user_id}").json())
    assert_fields_in_schema("Users", api.get("Users", count=100).json()["users"])


def test_it_returns_ticket_types_as_in_the_requesttype_schema(api: Api) -> None:
    assert_fields_in_schema("RequestType", api.get("TicketType").json())


def test_it_returns_actions_as_in_the_actions_schema(api: Api) -> None:
    posted = api.post("Actions", [{"ticket_id": 1001, "outcome": "Private Note", "note": "n"}])
    assert_fields_in_schema("Actions", posted.json())
    assert_fields_in_schema("Actions", api.get("Actions", ticket_id=1001).json()["actions"])


def test_it_returns_new_endpoints_as_in_their_schemas(api: Api) -> None:
    assert_fields_in_schema("RequestType", api.get("TicketType/1", includedetails="true").json())
    api.post("Actions", [{"ticket_id": 1001, "outcome": "Private Note", "note": "n"}])
    assert_fields_in_schema("Actions", api.get("Actions/1", ticket_id=1001).json())
    tab = {"name": "MSP Process", "url": "https://x.example.com/", "sequence": 1, "tableid": 1}
    assert_fields_in_schema("Tabname", tab)  # what the client may send
    created = api.post("Tabs", [tab]).json()
    assert_fields_in_schema("Tabname", created)
    assert_fields_in_schema("Tabname", api.get("Tabs").json())
    assert_fields_in_schema("Tabname", api.get(f"Tabs/{created['id']}").json())


def test_it_returns_every_record_with_details_as_in_its_schema(api: Api) -> None:
    detailed = {"includedetails": "true"}
    assert_fields_in_schema("Uname", api.get("Agent/me", **detailed).json())
    assert_fields_in_schema("Faults", api.get("Tickets/1015", **detailed).json())
    assert_fields_in_schema("Users", api.get("Users/205", **detailed).json())
    assert_fields_in_schema("RequestType", api.get("TicketType", **detailed).json())


def test_it_finds_fields_halo_does_not_have() -> None:
    with pytest.raises(AssertionError, match=r"Actions\.who is not a field"):
        assert_fields_in_schema("Actions", {"ticket_id": 1001, "who": "Priya"})


def test_it_finds_values_of_the_wrong_type() -> None:
    with pytest.raises(AssertionError, match=r"ticket_id is str"):
        assert_fields_in_schema("Actions", {"ticket_id": "1001"})
    with pytest.raises(AssertionError, match=r"hiddenfromuser is int"):
        assert_fields_in_schema("Actions", {"hiddenfromuser": 1})
    with pytest.raises(AssertionError, match=r"id is null"):
        assert_fields_in_schema("Actions", {"id": None})


def test_it_names_the_item_of_a_list_that_is_wrong() -> None:
    with pytest.raises(AssertionError, match=r"Actions\[1\]\.bogus"):
        assert_fields_in_schema("Actions", [{"ticket_id": 1}, {"bogus": True}])


def test_it_checks_nested_objects_it_has_the_schema_for() -> None:
    good = {"allowed_iframe_customtabs": [{"iframetab_id": 1, "tickettype_id": 2}]}
    assert_fields_in_schema("RequestType", good)
    with pytest.raises(AssertionError, match=r"\[0\]\.colour is not a field"):
        assert_fields_in_schema("RequestType", {"allowed_iframe_customtabs": [{"colour": 1}]})


def test_it_accepts_a_typical_note_body() -> None:
    body = [
        {
            "ticket_id": 1001,
            "outcome": "Private Note",
            "note": "Caller verified.",
            "hiddenfromuser": True,
            "timetaken": 0,
            "sendemail": False,
        }
    ]
    assert schema.problems("Actions", body[0]) == []
    assert_fields_in_schema("Actions", body)


def test_it_extracts_schemas_without_the_ones_they_reference() -> None:
    openapi = {
        "components": {
            "schemas": {
                "Actions": {
                    "type": "object",
                    "properties": {
                        "note": {"type": "string", "nullable": True, "description": "x"},
                        "asset": {"$ref": "#/components/schemas/Asset"},
                    },
                },
                "Asset": {"type": "object", "properties": {"id": {"type": "integer"}}},
            }
        }
    }
    extracted = extract_schema.extract(openapi, ["Actions"])
    assert extracted == {
        "Actions": {
            "type": "object",
            "properties": {
                "asset": {"$ref": "Asset"},
                "note": {"type": "string", "nullable": True},
            },
        }
    }
    rendered = json.loads(extract_schema.render(extracted, "test"))
    assert rendered["schemas"] == extracted


@pytest.mark.skipif(not SHARED_OPENAPI.exists(), reason="Halo's OpenAPI subset is not here")
def test_it_keeps_the_committed_copy_up_to_date() -> None:
    openapi = json.loads(SHARED_OPENAPI.read_text())
    fresh = extract_schema.extract(openapi, extract_schema.WANTED)
    assert fresh == schema.schemas(), "run integrations/sandbox/extract_schema.py"
