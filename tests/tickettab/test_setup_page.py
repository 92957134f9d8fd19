"""The set-up page: the seed guide one step at a time, each ticked from what we see."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.models import HaloConnection
from integrations.sandbox import seed
from integrations.sandbox import services as sandbox
from integrations.sandbox.models import SandboxAllowedTab, SandboxCustomTab
from tests.factories import (
    AdminMembershipFactory,
    MembershipFactory,
    TenantFactory,
    VerificationFactory,
)
from tests.hostile import HOSTILE_QUICK, TEXT
from tests.integrations.halo.helpers import install_dns
from tickettab.models import Tab, VerificationSettings

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sandbox_mounted(sandbox_mounted: None) -> None:
    """Against the sandbox over HTTP, even where HALO_SANDBOX is off."""


@pytest.fixture
def admin(client):
    m = AdminMembershipFactory(tenant=TenantFactory(name="Globex IT"))
    client.force_login(m.user)
    return m


def url(m, rest: str = "") -> str:
    return f"/t/{m.tenant.slug}/setup/{rest}"


def current(client, m) -> str:
    return client.get(url(m, "progress/")).json()["current"]


def connect_form(live_halo, **overrides) -> dict[str, str]:
    return live_halo.form() | {"setup-country": "AU"} | overrides


def test_it_starts_at_the_api_application_in_halos_words(admin, client) -> None:
    response = client.get(url(admin))
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["state"].current.key == "application"
    assert "Configuration &gt; Integrations &gt; Halo API" in body
    assert "Client ID and Secret (Services)" in body
    assert "Is a HaloPSA Administrator" in body
    for permission in ("read:tickets", "edit:tickets", "read:customers"):
        assert f"<code>{permission}</code>" in body
    assert current(client, admin) == "application"


def test_it_walks_a_workspace_from_credentials_to_the_installed_tab(
    admin, client, live_halo
) -> None:
    sandbox.set_custom_tabs_allowed(False)
    response = client.post(url(admin), connect_form(live_halo))
    assert response.status_code == 302
    assert response.url.endswith("/setup/#step-connect")
    assert VerificationSettings.for_tenant(admin.tenant).country == "AU"

    page = client.get(url(admin))
    assert page.context["state"].current.key == "tab"
    types = page.context["ticket_types"]
    assert [t.name for t in types] == [t.name for t in page.context["ticket_types"]]
    assert types and not any(t.tab_shows for t in types)
    assert "MSP Process is connected to your Halo" in page.content.decode()

    picked = [str(t.id) for t in types]
    response = client.post(url(admin, "install/"), {"ticket_types": picked})
    assert response.status_code == 302
    page = client.get(url(admin))
    body = page.content.decode()
    assert page.context["report"]["ok"] is True
    assert "Created the custom tab “MSP Process” in Halo" in body
    assert "One paste is left" in body  # Halo's API cannot set the secret
    tab = Tab.objects.get(tenant=admin.tenant)
    [halo_tab] = SandboxCustomTab.objects.all()
    assert tab.halo_tab_id == halo_tab.id
    assert SandboxAllowedTab.objects.filter(tab=halo_tab).count() == len(types)
    assert page.context["state"].current.key == "verify"
    # The report is shown once, after the redirect that followed the install; the
    # types are asked of Halo again only when the admin comes back for them.
    later = client.get(url(admin))
    assert later.context["report"] is None
    assert later.context["ticket_types"] is None
    assert 'href="?types=1#step-tab"' in later.content.decode()
    again = client.get(url(admin) + "?types=1").context["ticket_types"]
    assert again and all(t.tab_shows for t in again)

    VerificationFactory(tenant=admin.tenant, status="verified")
    assert current(client, admin) == ""
    assert "Set-up is complete" in client.get(url(admin)).content.decode()


def test_it_says_exactly_why_halo_refused_and_keeps_the_manual_steps(
    admin, client, live_halo
) -> None:
    client.post(url(admin), connect_form(live_halo))
    sandbox.create_application(
        live_halo.client_id, live_halo.client_secret, agent_id=seed.VIEWING_AGENT_ID
    )
    types = [str(t.id) for t in client.get(url(admin)).context["ticket_types"]]
    client.post(url(admin, "install/"), {"ticket_types": types})

    page = client.get(url(admin))
    body = page.content.decode()
    assert page.context["report"]["needs_admin"] is True
    assert "is not one" in body and "Is a HaloPSA Administrator" in body
    assert "The custom tab was not created: nothing was changed in Halo." in body
    assert '<details open id="tab-manual">' in body
    assert SandboxCustomTab.objects.count() == 0
    assert Tab.objects.get(tenant=admin.tenant).halo_tab_id is None


def test_it_removes_the_tab_it_installed(admin, client, live_halo) -> None:
    client.post(url(admin), connect_form(live_halo))
    types = [str(t.id) for t in client.get(url(admin)).context["ticket_types"]]
    client.post(url(admin, "install/"), {"ticket_types": types})

    client.post(url(admin, "remove/"))
    page = client.get(url(admin))
    assert "Deleted the custom tab from Halo." in page.content.decode()
    assert SandboxCustomTab.objects.count() == 0
    assert Tab.objects.get(tenant=admin.tenant).halo_tab_id is None


def test_it_saves_nothing_when_one_of_the_values_is_wrong(admin, client, live_halo) -> None:
    response = client.post(url(admin), connect_form(live_halo, **{"setup-country": "ZZ"}))
    assert response.status_code == 200
    assert "Choose a country from the list." in response.content.decode()
    admin.tenant.refresh_from_db()
    assert not admin.tenant.halo_connection.client_id  # the credentials wait too
    assert sandbox.request_counts() == {}


@pytest.mark.parametrize(
    ("ids", "says"),
    [
        ([], "Pick at least one ticket type"),
        (["abc"], "Pick ticket types from the list."),
        (["٣"], "Pick ticket types from the list."),
        (["99999999999"], "Pick ticket types from the list."),
        (["0"], "Pick ticket types from the list."),
        ([str(i) for i in range(1, 502)], "more ticket types than Halo could have"),
    ],
)
def test_it_refuses_ticket_types_that_are_not_from_the_list(admin, client, ids, says) -> None:
    response = client.post(url(admin, "install/"), {"ticket_types": ids}, follow=True)
    assert response.status_code == 200
    assert says in response.content.decode()
    assert sandbox.request_counts() == {}


@HOSTILE_QUICK
@given(values=st.lists(TEXT, max_size=4))
def test_it_survives_any_ticket_type_input(admin, client, values: list[str]) -> None:
    response = client.post(url(admin, "install/"), {"ticket_types": values})
    assert response.status_code == 302  # back to the page, with a message or a report
    assert SandboxCustomTab.objects.count() == 0  # not connected: nothing reached Halo


@pytest.mark.parametrize(
    ("method", "rest"),
    [("get", ""), ("get", "progress/"), ("post", "install/"), ("post", "remove/")],
)
def test_it_is_not_found_for_another_workspace_and_forbidden_to_technicians(
    client, method: str, rest: str
) -> None:
    other = AdminMembershipFactory()
    ours = TenantFactory()
    client.force_login(other.user)
    assert getattr(client, method)(f"/t/{ours.slug}/setup/{rest}").status_code == 404
    tech = MembershipFactory(tenant=ours)
    client.force_login(tech.user)
    assert getattr(client, method)(f"/t/{ours.slug}/setup/{rest}").status_code in (403, 404)
    assert SandboxCustomTab.objects.count() == 0


@HOSTILE_QUICK
@given(
    field=st.sampled_from(["resource_server", "client_id", "client_secret", "setup-country"]),
    value=TEXT,
)
def test_it_survives_any_value_and_saves_nothing_half(
    client, live_halo, monkeypatch, field: str, value: str
) -> None:
    install_dns(monkeypatch)  # a hostile address never leaves the machine
    m = AdminMembershipFactory()
    client.force_login(m.user)
    before = VerificationSettings.for_tenant(m.tenant).country
    response = client.post(url(m), connect_form(live_halo, **{field: value}))
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: neither the credentials nor the country
        conn = HaloConnection.objects.get(tenant=m.tenant)
        assert conn.client_id == ""
        assert VerificationSettings.objects.get(tenant=m.tenant).country == before
