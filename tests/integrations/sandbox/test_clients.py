"""The sandbox's `GET /api/Client` (Halo's client companies), and the Halo client's
`clients()` that reads it, as the Identity providers' client picker does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.halo.client import HaloClient
from integrations.halo.errors import HaloBusy
from integrations.sandbox import services
from integrations.sandbox.models import SandboxClient
from integrations.sandbox.replies import RATE_LIMIT_MESSAGE
from tests.factories import TenantFactory
from tests.hostile import ANY_INPUT, HOSTILE
from tests.integrations.sandbox.helpers import CLIENT_ID, Api

pytestmark = pytest.mark.django_db

SHARED_OPENAPI = Path("/work/shared/halo/openapi-subset.json")
SEEDED = ["Harbour Dental Practice", "Kestrel Logistics", "Oakfield Solicitors"]


def names(reply) -> list[str]:
    return [c["name"] for c in reply.json()["clients"]]


def test_it_lists_the_seeded_clients_with_their_count(api: Api) -> None:
    reply = api.get("Client", order="name")
    assert reply.status_code == 200
    assert reply.json()["record_count"] == 3
    assert names(reply) == SEEDED
    kestrel = reply.json()["clients"][1]
    assert kestrel == {"id": 12, "name": "Kestrel Logistics", "inactive": False}


def test_it_searches_names_in_any_case(api: Api) -> None:
    reply = api.get("Client", search="KEST")
    assert names(reply) == ["Kestrel Logistics"]
    assert reply.json()["record_count"] == 1
    assert api.get("Client", search="no such client").json() == {"record_count": 0, "clients": []}


def test_it_pages_as_halo_does(api: Api) -> None:
    reply = api.get("Client", pageinate="true", page_size=2, page_no=2, order="name").json()
    assert reply["page_no"] == 2 and reply["page_size"] == 2
    assert reply["record_count"] == 3
    assert [c["name"] for c in reply["clients"]] == ["Oakfield Solicitors"]
    capped = api.get("Client", pageinate="true", page_size=5000).json()
    assert capped["page_size"] == 100


def test_it_leaves_out_inactive_clients_unless_asked(api: Api) -> None:
    SandboxClient.objects.create(id=15, name="Kestrel Freight (closed)", inactive=True)
    assert names(api.get("Client", search="kestrel")) == ["Kestrel Logistics"]
    both = api.get("Client", search="kestrel", includeinactive="true", order="name")
    assert names(both) == ["Kestrel Freight (closed)", "Kestrel Logistics"]
    only = api.get("Client", includeinactive="true", includeactive="false")
    assert only.json()["clients"] == [
        {"id": 15, "name": "Kestrel Freight (closed)", "inactive": True}
    ]


def test_it_orders_by_id_unless_asked_otherwise(api: Api) -> None:
    assert [c["id"] for c in api.get("Client").json()["clients"]] == [12, 13, 14]
    newest_first = api.get("Client", order="name", orderdesc="true")
    assert names(newest_first) == list(reversed(SEEDED))


def test_it_answers_in_any_case_with_or_without_a_slash(client, bearer: str) -> None:
    for path in ("api/client", "api/CLIENT/", "api/Client"):
        reply = client.get(f"/sandbox/halo/{path}", HTTP_AUTHORIZATION=bearer)
        assert reply.status_code == 200, path
        assert reply.json()["record_count"] == 3


def test_it_needs_read_customers(api: Api) -> None:
    services.set_permissions(CLIENT_ID, ["read:tickets", "edit:tickets"])
    reply = api.get("Client")
    assert reply.status_code == 403
    assert "read:customers" in reply.content.decode()


def test_it_refuses_a_request_without_a_token(client) -> None:
    assert client.get("/sandbox/halo/api/Client").status_code == 401


def test_it_refuses_bad_parameters_as_halo_does(api: Api) -> None:
    bad_page = api.get("Client", pageinate="true", page_no="²")
    assert bad_page.status_code == 400 and "page_no" in bad_page.json()
    nul = api.get("Client", search="Kes\x00trel")
    assert nul.status_code == 400 and "search" in nul.json()
    assert api.get("Client", search="x" * 10_000).json()["record_count"] == 0


def test_it_counts_client_lists_against_the_rate_limit(api: Api, settings) -> None:
    settings.HALO_SANDBOX_RATE_LIMIT = 2
    assert api.get("Client").status_code == 200
    assert api.get("Client").status_code == 200
    refused = api.get("Client")
    assert refused.status_code == 429
    assert refused.json() == {"Message": RATE_LIMIT_MESSAGE}
    assert services.request_counts()["GET Client"] == 3


LIST_PARAMETERS = (
    *("search", "page_size", "page_no", "pageinate", "count", "order", "orderdesc"),
    *("includeactive", "includeinactive", "includedetails"),
)


@HOSTILE
@given(params=st.dictionaries(st.sampled_from(LIST_PARAMETERS), ANY_INPUT, max_size=4))
def test_it_survives_any_list_parameters(api: Api, params) -> None:
    reply = api.get("Client", **params)
    assert reply.status_code in (200, 400)
    if reply.status_code == 200:
        assert reply.json()["record_count"] <= 3


@pytest.mark.skipif(not SHARED_OPENAPI.exists(), reason="Halo's OpenAPI subset is not here")
def test_it_answers_fields_of_halos_area_schema(api: Api) -> None:
    # A client is an "Area" in Halo's spec (GET /Client/{id} is tagged Area).
    area = json.loads(SHARED_OPENAPI.read_text())["components"]["schemas"]["Area"]["properties"]
    python_types = {"integer": int, "string": str, "boolean": bool}
    for detailed in ("true", "false"):
        for record in api.get("Client", includedetails=detailed).json()["clients"]:
            for field, value in record.items():
                assert field in area, f"{field} is not a field of Halo's Area"
                assert type(value) is python_types[area[field]["type"]], field


# -- the Halo client's clients() against the live sandbox -------------------------------

live = pytest.mark.django_db(transaction=True)


@live
def test_it_reads_one_page_of_clients_through_the_halo_client(live_halo) -> None:
    conn = live_halo.connect(TenantFactory())
    before = services.request_counts().get("GET Client", 0)
    with HaloClient(conn.credentials()) as halo:
        found, total = halo.clients("oak")
        page_two, all_clients = halo.clients(page=2, page_size=2)
    assert [(c["id"], c["name"]) for c in found] == [(14, "Oakfield Solicitors")]
    assert total == 1
    assert [c["name"] for c in page_two] == ["Oakfield Solicitors"]  # ordered by name
    assert all_clients == 3
    assert services.request_counts()["GET Client"] == before + 2  # one call per page


@live
def test_it_raises_halo_busy_when_the_share_is_spent(live_halo) -> None:
    conn = live_halo.connect(TenantFactory())
    conn.call_share = 0
    conn.save(update_fields=["call_share"])
    with pytest.raises(HaloBusy) as caught, HaloClient(conn.credentials()) as halo:
        halo.clients("kest")
    assert str(caught.value).startswith("Halo is busy")
    assert "Try again in" in str(caught.value)
    assert "GET Client" not in services.request_counts()
