"""The Identity providers pages (/t/<slug>/identity/…): who may see them, what they
show, and what they save; the connection test against the Duo and Okta sandboxes and
the client picker against the Halo sandbox, all served live."""

from __future__ import annotations

import pytest

from identity import adapters, halo_clients
from identity.models import IdentityProvider, ProviderClient
from integrations.duo_sandbox.seed import DEMO_IKEY, DEMO_SKEY
from integrations.okta_sandbox.seed import SEED_TOKEN
from integrations.sandbox import services as halo_sandbox
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Membership
from tests.factories import (
    AdminMembershipFactory,
    IdentityProviderFactory,
    MembershipFactory,
    OktaProviderFactory,
    ProviderClientFactory,
)

pytestmark = pytest.mark.django_db
live = pytest.mark.django_db(transaction=True)
Action = AuditEvent.Action

STORED_SECRETS = (
    "stored-duo-secret-key-do-not-show-0001",
    "00stored-okta-token-do-not-show-000001",
)


@pytest.fixture
def admin(client) -> Membership:
    m = AdminMembershipFactory(tenant__name="Acme IT")
    client.force_login(m.user)
    return m


@pytest.fixture
def connected_ok(monkeypatch) -> list[IdentityProvider]:
    """The adapters' connection test, passing without the network; the providers tested."""
    tested: list[IdentityProvider] = []

    def fake(provider: IdentityProvider) -> str:
        tested.append(provider)
        return f"Connected to {provider.get_kind_display()}: the keys work."

    monkeypatch.setattr(adapters, "test_connection", fake)
    return tested


def at(m: Membership, path: str = "") -> str:
    return f"/t/{m.tenant.slug}/identity/{path}"


def pages(provider: IdentityProvider) -> list[str]:
    base = f"/t/{provider.tenant.slug}/identity/"
    return [
        base,
        f"{base}new/duo/",
        f"{base}new/okta/",
        f"{base}{provider.pk}/",
        f"{base}{provider.pk}/remove/",
        f"{base}{provider.pk}/clients/",
    ]


# -- who may see them ---------------------------------------------------------------------

ALL = [
    ("get", ""),
    ("get", "new/duo/"),
    ("post", "new/okta/"),
    ("get", "{pk}/"),
    ("post", "{pk}/"),
    ("post", "{pk}/test/"),
    ("get", "{pk}/remove/"),
    ("post", "{pk}/remove/"),
    ("get", "{pk}/clients/"),
    ("post", "{pk}/clients/"),
]


@pytest.mark.parametrize(("method", "path"), ALL)
def test_it_answers_404_to_another_workspaces_admin(client, method: str, path: str) -> None:
    provider = IdentityProviderFactory()
    outsider = AdminMembershipFactory()
    client.force_login(outsider.user)
    address = f"/t/{provider.tenant.slug}/identity/{path.format(pk=provider.pk)}"
    assert getattr(client, method)(address).status_code == 404
    # Nor through their own workspace's address: the provider is not theirs.
    own = f"/t/{outsider.tenant.slug}/identity/{path.format(pk=provider.pk)}"
    if "{pk}" in path:
        assert getattr(client, method)(own).status_code == 404
    assert IdentityProvider.objects.filter(pk=provider.pk).exists()


@pytest.mark.parametrize(("method", "path"), ALL)
def test_it_answers_403_to_a_technician(client, method: str, path: str) -> None:
    provider = IdentityProviderFactory()
    tech = MembershipFactory(tenant=provider.tenant)
    client.force_login(tech.user)
    response = getattr(client, method)(at(tech, path.format(pk=provider.pk)))
    assert response.status_code == 403
    assert IdentityProvider.objects.filter(pk=provider.pk).exists()


@pytest.mark.parametrize(("method", "path"), ALL)
def test_it_sends_anonymous_visitors_to_sign_in(client, method: str, path: str) -> None:
    provider = IdentityProviderFactory()
    response = getattr(client, method)(
        f"/t/{provider.tenant.slug}/identity/{path.format(pk=provider.pk)}"
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_it_links_the_page_in_the_nav_for_admins_only(client, admin) -> None:
    assert f'href="{at(admin)}"' in client.get(f"/t/{admin.tenant.slug}/").content.decode()
    tech = MembershipFactory(tenant=admin.tenant)
    client.force_login(tech.user)
    assert f'href="{at(admin)}"' not in client.get(f"/t/{admin.tenant.slug}/").content.decode()


# -- the list ----------------------------------------------------------------------------


def test_it_explains_what_a_provider_is_for_when_there_is_none(client, admin) -> None:
    body = client.get(at(admin)).content.decode()
    assert 'id="empty-state"' in body
    assert "Let technicians send a push to the caller's Duo Mobile or Okta Verify" in body
    assert f'href="{at(admin, "new/duo/")}"' in body and "Add Duo" in body
    assert f'href="{at(admin, "new/okta/")}"' in body and "Add Okta" in body


def test_it_lists_each_provider_with_its_clients_and_last_test(client, admin) -> None:
    duo = IdentityProviderFactory(tenant=admin.tenant, name="Kestrel's Duo", last_test_ok=True)
    duo.last_tested_at = duo.created
    duo.save()
    ProviderClientFactory(provider=duo, halo_client_name="Kestrel Logistics")
    okta = OktaProviderFactory(tenant=admin.tenant, name="Oakfield's Okta", last_test_ok=False)
    okta.last_tested_at, okta.last_test_message = okta.created, "Okta refused the API token."
    okta.save()
    IdentityProviderFactory(name="Someone else's Duo")  # another workspace's
    body = client.get(at(admin)).content.decode()
    assert 'id="empty-state"' not in body
    assert "Kestrel&#x27;s Duo" in body and "Kestrel Logistics" in body
    assert "Oakfield&#x27;s Okta" in body
    assert "✓ Connected" in body
    assert "✗ Failed" in body and "Okta refused the API token." in body
    assert "Pick the clients" in body  # Oakfield's Okta serves none yet
    assert "Someone else&#x27;s Duo" not in body


# -- adding and editing ------------------------------------------------------------------


def test_it_shows_only_the_fields_of_the_kind(client, admin) -> None:
    duo = client.get(at(admin, "new/duo/")).content.decode()
    assert 'name="duo_integration_key"' in duo and 'name="duo_api_host"' in duo
    assert 'name="okta_org_url"' not in duo and 'name="okta_api_token"' not in duo
    assert "Applications" in duo and "Auth API" in duo  # where in Duo's Admin Panel
    okta = client.get(at(admin, "new/okta/")).content.decode()
    assert 'name="okta_org_url"' in okta and 'name="okta_api_token"' in okta
    assert 'name="duo_secret_key"' not in okta
    assert "Security → API → Tokens" in okta


def test_it_answers_404_to_an_unknown_kind(client, admin) -> None:
    assert client.get(at(admin, "new/azure/")).status_code == 404
    assert client.post(at(admin, "new/DUO/"), {"name": "x"}).status_code == 404
    assert not IdentityProvider.objects.exists()


@live
def test_it_adds_duo_and_tests_it_against_the_sandbox_at_once(client, admin, idp_live) -> None:
    response = client.post(
        at(admin, "new/duo/"),
        {
            "name": "Kestrel's Duo",
            "duo_integration_key": DEMO_IKEY,
            "duo_secret_key": DEMO_SKEY,
            "duo_api_host": f"{idp_live}/sandbox/duo",
            "match_field": "",
        },
        follow=True,
    )
    provider = IdentityProvider.objects.get(tenant=admin.tenant)
    assert response.redirect_chain[-1][0] == at(admin, f"{provider.pk}/")
    body = response.content.decode()
    assert "Saved. Connection test passed: Connected to Duo" in body
    assert "✓ Connected" in body and 'id="test-message"' in body
    assert DEMO_SKEY not in body
    assert provider.last_test_ok is True and provider.updated_by == admin.user
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [Action.IDENTITY_PROVIDER_ADDED, Action.IDENTITY_PROVIDER_TESTED]


@live
def test_it_shows_okta_refusing_a_token_without_a_500(client, admin, idp_live) -> None:
    response = client.post(
        at(admin, "new/okta/"),
        {
            "name": "Oakfield's Okta",
            "okta_org_url": f"{idp_live}/sandbox/okta",
            "okta_api_token": "00not-the-seeded-token",
        },
        follow=True,
    )
    assert response.status_code == 200
    provider = IdentityProvider.objects.get(tenant=admin.tenant)
    assert provider.last_test_ok is False and provider.last_test_message
    body = response.content.decode()
    assert "Saved, but the connection test failed" in body
    assert "✗ Not connected" in body
    # Then the right token, and the "Test connection" button.
    client.post(
        at(admin, f"{provider.pk}/"),
        {"name": provider.name}
        | {"okta_org_url": f"{idp_live}/sandbox/okta", "okta_api_token": SEED_TOKEN},
    )
    provider.refresh_from_db()
    assert provider.last_test_ok is True and provider.okta_api_token == SEED_TOKEN
    body = client.post(at(admin, f"{provider.pk}/test/"), follow=True).content.decode()
    assert "Connection test passed: Connected to Okta" in body
    assert SEED_TOKEN not in body


def test_it_keeps_the_stored_secret_when_left_blank(client, admin, connected_ok) -> None:
    provider = IdentityProviderFactory(tenant=admin.tenant, name="Kestrel's Duo")
    response = client.post(
        at(admin, f"{provider.pk}/"),
        {
            "name": "Kestrel Duo",
            "duo_integration_key": provider.duo_integration_key,
            "duo_secret_key": "",
            "duo_api_host": provider.duo_api_host,
        },
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.name == "Kestrel Duo"
    assert provider.duo_secret_key == STORED_SECRETS[0]
    assert connected_ok == [provider]  # tested on save
    event = AuditEvent.objects.get(action=Action.IDENTITY_PROVIDER_CHANGED)
    assert event.fields == ["name"]


def test_it_asks_for_the_secret_of_a_new_provider(client, admin, connected_ok) -> None:
    response = client.post(
        at(admin, "new/duo/"),
        {
            "name": "Kestrel's Duo",
            "duo_integration_key": "DIABCDEFGHIJKLMNOPQR",
            "duo_api_host": "api-1a2b3c4d.duosecurity.com",
        },
    )
    assert response.status_code == 200
    assert "Paste the secret key" in response.content.decode()
    assert not IdentityProvider.objects.exists() and not connected_ok


def test_it_explains_a_wrong_address_and_a_taken_name(
    client, admin, connected_ok, settings
) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False  # production's rule: Duo's own hosts only
    IdentityProviderFactory(tenant=admin.tenant, name="Kestrel's Duo")
    response = client.post(
        at(admin, "new/duo/"),
        {
            "name": "kestrel's duo",
            "duo_integration_key": "DIABCDEFGHIJKLMNOPQR",
            "duo_secret_key": "secret",
            "duo_api_host": "https://admin-1a2b3c4d.duosecurity.com/",
        },
    )
    errors = response.context["form"].errors
    assert "Another identity provider is called" in errors["name"][0]
    assert "not a Duo API hostname" in errors["duo_api_host"][0]
    assert IdentityProvider.objects.count() == 1 and not connected_ok


def test_it_never_renders_a_stored_secret(client, admin) -> None:
    duo = IdentityProviderFactory(tenant=admin.tenant)
    okta = OktaProviderFactory(tenant=admin.tenant)
    ProviderClientFactory(provider=duo)
    for provider in (duo, okta):
        for address in pages(provider):
            body = client.get(address).content.decode()
            assert client.get(address).status_code == 200, address
            for secret in STORED_SECRETS:
                assert secret not in body, address
    edit = client.get(at(admin, f"{duo.pk}/")).content.decode()
    assert "Stored — leave empty to keep it" in edit


def test_it_tests_the_connection_only_by_post(client, admin, monkeypatch) -> None:
    def refuse(provider: IdentityProvider) -> str:
        raise adapters.ProviderError("Duo refused the integration key.")

    monkeypatch.setattr(adapters, "test_connection", refuse)
    provider = IdentityProviderFactory(tenant=admin.tenant)
    assert client.get(at(admin, f"{provider.pk}/test/")).status_code == 405
    body = client.post(at(admin, f"{provider.pk}/test/"), follow=True).content.decode()
    assert "The connection test failed: Duo refused the integration key." in body
    provider.refresh_from_db()
    assert provider.last_test_ok is False
    assert AuditEvent.objects.filter(action=Action.IDENTITY_PROVIDER_TESTED).count() == 1


# -- removing ----------------------------------------------------------------------------


def test_it_asks_before_removing_and_removes_on_post(client, admin) -> None:
    provider = IdentityProviderFactory(tenant=admin.tenant, name="Kestrel's Duo")
    ProviderClientFactory(provider=provider, halo_client_name="Kestrel Logistics")
    confirm = client.get(at(admin, f"{provider.pk}/remove/")).content.decode()
    assert "Remove Kestrel&#x27;s Duo?" in confirm and "Kestrel Logistics" in confirm
    assert IdentityProvider.objects.exists()
    response = client.post(at(admin, f"{provider.pk}/remove/"), follow=True)
    assert response.redirect_chain[-1][0] == at(admin)
    assert "is removed" in response.content.decode()
    assert not IdentityProvider.objects.exists() and not ProviderClient.objects.exists()
    assert AuditEvent.objects.filter(action=Action.IDENTITY_PROVIDER_REMOVED).exists()


# -- the Halo clients --------------------------------------------------------------------


@live
def test_it_shows_the_mapping_without_calling_halo(client, admin, live_halo) -> None:
    live_halo.connect(admin.tenant)
    provider = IdentityProviderFactory(tenant=admin.tenant)
    ProviderClientFactory(provider=provider, halo_client_id=12, halo_client_name="Kestrel")
    body = client.get(at(admin, f"{provider.pk}/clients/")).content.decode()
    assert 'id="client-12"' in body and "checked" in body
    assert halo_sandbox.request_counts() == {}


@live
def test_it_searches_halo_and_saves_the_picked_clients(client, admin, live_halo) -> None:
    live_halo.connect(admin.tenant)
    provider = IdentityProviderFactory(tenant=admin.tenant, name="Kestrel's Duo")
    ProviderClientFactory(provider=provider, halo_client_id=13, halo_client_name="Harbour")
    body = client.get(at(admin, f"{provider.pk}/clients/"), {"q": "kest"}).content.decode()
    assert 'id="result-12"' in body and "Kestrel Logistics" in body
    assert 'name="name_12" value="Kestrel Logistics"' in body
    assert halo_sandbox.request_counts()["GET Client"] == 1
    # Tick Kestrel, untick Harbour.
    response = client.post(
        at(admin, f"{provider.pk}/clients/"),
        {"client": ["12"], "name_12": "Kestrel Logistics"},
        follow=True,
    )
    assert "1 client added and 1 client removed" in response.content.decode()
    assert list(provider.clients.values_list("halo_client_id", "halo_client_name")) == [
        (12, "Kestrel Logistics")
    ]
    event = AuditEvent.objects.get(action=Action.IDENTITY_PROVIDER_CLIENTS)
    assert event.actor == admin.user
    assert halo_sandbox.request_counts()["GET Client"] == 1  # saving asked Halo nothing


@live
def test_it_says_halo_is_busy_and_when_to_try_again(client, admin, live_halo) -> None:
    conn = live_halo.connect(admin.tenant)
    conn.call_share = 0
    conn.save(update_fields=["call_share"])
    provider = IdentityProviderFactory(tenant=admin.tenant)
    response = client.get(at(admin, f"{provider.pk}/clients/"), {"q": "kest"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="halo-error"' in body and "Halo is busy" in body
    assert "Try again in" in body and "seconds." in body


@live
def test_it_says_halo_is_busy_after_halos_429(client, admin, live_halo) -> None:
    live_halo.connect(admin.tenant)
    halo_sandbox.set_faults(status=429, status_count=None, scope="token")
    provider = IdentityProviderFactory(tenant=admin.tenant)
    response = client.get(at(admin, f"{provider.pk}/clients/"), {"q": ""})
    assert response.status_code == 200
    assert "API limit was reached" in response.content.decode()
    assert "Try again in 5 seconds." in response.content.decode()


@live
def test_it_shows_halos_failure_in_words(client, admin, live_halo) -> None:
    live_halo.connect(admin.tenant)
    halo_sandbox.set_faults(status=500, status_count=None)
    provider = IdentityProviderFactory(tenant=admin.tenant)
    response = client.get(at(admin, f"{provider.pk}/clients/"), {"q": "kest"})
    assert response.status_code == 200
    assert "Halo answered with a server error (HTTP 500)" in response.content.decode()


def test_it_asks_to_connect_halo_before_searching(client, admin) -> None:
    provider = IdentityProviderFactory(tenant=admin.tenant)
    body = client.get(at(admin, f"{provider.pk}/clients/"), {"q": "kest"}).content.decode()
    assert 'id="halo-not-connected"' in body
    assert "Connect your Halo first" in body


def test_it_refuses_a_client_of_another_provider_naming_it(client, admin) -> None:
    okta = OktaProviderFactory(tenant=admin.tenant, name="Oakfield's Okta")
    ProviderClientFactory(provider=okta, halo_client_id=14, halo_client_name="Oakfield")
    duo = IdentityProviderFactory(tenant=admin.tenant)
    ProviderClientFactory(provider=duo, halo_client_id=13, halo_client_name="Harbour")
    response = client.post(
        at(admin, f"{duo.pk}/clients/"),
        {"client": ["12", "14"], "name_12": "Kestrel", "name_14": "Oakfield"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Oakfield already verifies with Oakfield&#x27;s Okta" in body
    assert list(duo.clients.values_list("halo_client_id", flat=True)) == [13]
    assert list(okta.clients.values_list("halo_client_id", flat=True)) == [14]


@live
def test_it_marks_search_results_another_provider_serves(client, admin, live_halo) -> None:
    live_halo.connect(admin.tenant)
    okta = OktaProviderFactory(tenant=admin.tenant, name="Oakfield's Okta")
    ProviderClientFactory(provider=okta, halo_client_id=14, halo_client_name="Oakfield")
    duo = IdentityProviderFactory(tenant=admin.tenant)
    body = client.get(at(admin, f"{duo.pk}/clients/"), {"q": ""}).content.decode()
    assert "uses Oakfield&#x27;s Okta" in body
    assert 'name="name_14"' not in body  # not offered
    assert 'name="name_12" value="Kestrel Logistics"' in body


@live
def test_it_pages_through_halos_clients_one_call_a_page(
    client, admin, live_halo, monkeypatch
) -> None:
    monkeypatch.setattr(halo_clients, "PAGE_SIZE", 2)
    live_halo.connect(admin.tenant)
    provider = IdentityProviderFactory(tenant=admin.tenant)
    first = client.get(at(admin, f"{provider.pk}/clients/"), {"q": ""}).content.decode()
    assert "Harbour Dental Practice" in first and "Oakfield Solicitors" not in first
    assert "?q=&amp;page=2" in first and "Previous" not in first
    second = client.get(
        at(admin, f"{provider.pk}/clients/"), {"q": "", "page": "2"}
    ).content.decode()
    assert "Oakfield Solicitors" in second and "Harbour Dental Practice" not in second
    assert "?q=&amp;page=1" in second and "Next" not in second
    assert halo_sandbox.request_counts()["GET Client"] == 2
