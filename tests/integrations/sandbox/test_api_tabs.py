"""api/Tabs: custom tabs through Halo's API, for applications of an admin agent."""

from __future__ import annotations

import pytest

from integrations.sandbox import seed, services
from integrations.sandbox.models import SandboxCustomTab
from tests.integrations.sandbox.helpers import CLIENT_ID, Api

pytestmark = pytest.mark.django_db

TAB = {
    "name": "MSP Process",
    "url": "https://msp.example.com/tab/k/?ticket_id=$FAULTID",
    "sequence": 3,
    "tableid": 1,
}


def test_it_creates_a_tab_from_an_array(api: Api) -> None:
    response = api.post("Tabs", [TAB])
    assert response.status_code == 200
    created = response.json()
    assert {k: created[k] for k in TAB} == TAB
    tab = SandboxCustomTab.objects.get(pk=created["id"])
    assert (tab.url, tab.secret, tab.enabled) == (TAB["url"], "", True)
    assert services.request_counts() == {"POST Tabs": 1}


def test_it_never_sets_a_secret_through_the_api(api: Api) -> None:
    created = api.post("Tabs", [TAB | {"secret": "from-the-api"}]).json()
    assert "secret" not in created
    assert SandboxCustomTab.objects.get(pk=created["id"]).secret == ""


def test_it_updates_a_tab_by_id_and_keeps_its_secret(api: Api) -> None:
    tab = SandboxCustomTab.objects.create(name="Old", url="https://old.example.com/", secret="s")
    updated = api.post("Tabs", [{"id": tab.id, "name": "New"}]).json()
    assert (updated["id"], updated["name"], updated["url"]) == (tab.id, "New", tab.url)
    tab.refresh_from_db()
    assert (tab.name, tab.secret) == ("New", "s")
    assert api.post("Tabs", [{"id": 9999, "name": "x"}]).status_code == 404


def test_it_lists_reads_and_deletes_tabs(api: Api) -> None:
    first = api.post("Tabs", [TAB]).json()
    both = api.post("Tabs", [TAB | {"name": "Other", "sequence": 1}, TAB]).json()
    assert len(both) == 2
    assert [t["name"] for t in api.get("tabs/").json()] == ["Other", "MSP Process", "MSP Process"]
    assert api.get(f"Tabs/{first['id']}").json()["url"] == TAB["url"]
    deleted = api.client.delete(
        f"/sandbox/halo/api/Tabs/{first['id']}", HTTP_AUTHORIZATION=api.bearer
    )
    assert deleted.status_code == 200
    assert api.get(f"Tabs/{first['id']}").status_code == 404
    assert services.request_counts()["DELETE Tabs/{id}"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{"url": TAB["url"]}], "[0].name"),
        ([{"name": "x"}], "[0].url"),
        ([TAB | {"url": "javascript:alert(1)"}], "[0].url"),
        ([TAB | {"sequence": "first"}], "[0].sequence"),
        ([TAB | {"tableid": 2**40}], "[0].tableid"),
        ([TAB | {"name": "n" * 500}], "[0].name"),
        ([TAB, "not an object"], "[1]"),
        (TAB, "$"),
        ([], "$"),
    ],
)
def test_it_refuses_bad_tabs_field_by_field(api: Api, body, field: str) -> None:
    response = api.post("Tabs", body)
    assert response.status_code == 400
    assert field in response.json()
    assert SandboxCustomTab.objects.count() == 0


def test_it_refuses_a_body_that_is_not_json(api: Api) -> None:
    response = api.client.post(
        "/sandbox/halo/api/Tabs", "{", content_type="application/json",
        HTTP_AUTHORIZATION=api.bearer,
    )  # fmt: skip
    assert response.status_code == 400


def test_it_needs_an_admin_agent(client) -> None:
    services.create_application(CLIENT_ID, "secret", agent_id=seed.VIEWING_AGENT_ID)
    api = Api(client, "Bearer " + services.issue_token(CLIENT_ID))
    tab = SandboxCustomTab.objects.create(name="Kept", url="https://x.example.com/")
    for response in (
        api.post("Tabs", [TAB]),
        api.get("Tabs"),
        api.get(f"Tabs/{tab.id}"),
        client.delete(f"/sandbox/halo/api/Tabs/{tab.id}", HTTP_AUTHORIZATION=api.bearer),
    ):
        assert response.status_code == 403
        assert response.content == b""
    assert SandboxCustomTab.objects.count() == 1
    services.set_agent(seed.VIEWING_AGENT_ID, is_admin=True)
    assert api.post("Tabs", [TAB]).status_code == 200
