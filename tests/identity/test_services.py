"""identity/services.py: adding, changing, testing and removing a provider, and the
Halo clients it serves; each write audited, secrets never in the trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from identity import adapters, lookup, services
from identity.lookup import provider_for_client
from identity.models import IdentityProvider, ProviderClient
from integrations.duo_sandbox.seed import DEMO_IKEY, DEMO_SKEY
from integrations.okta_sandbox.seed import SEED_TOKEN
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Tenant
from tests.factories import (
    AdminMembershipFactory,
    IdentityProviderFactory,
    OktaProviderFactory,
    ProviderClientFactory,
    TenantFactory,
    VerificationFactory,
)

pytestmark = pytest.mark.django_db
live = pytest.mark.django_db(transaction=True)
Action = AuditEvent.Action

DUO = {
    "name": "Kestrel's Duo",
    "duo_integration_key": "DIABCDEFGHIJKLMNOPQR",
    "duo_secret_key": "a-new-duo-secret-key-0000000000000000001",
    "duo_api_host": "api-1a2b3c4d.duosecurity.com",
    "match_field": "",
}


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def answers(monkeypatch: pytest.MonkeyPatch, outcome: str | Exception) -> list[Any]:
    """The adapters' connection test, answering `outcome` (or raising it); the calls."""
    calls: list[Any] = []

    def fake(provider: IdentityProvider) -> str:
        calls.append(provider)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(adapters, "test_connection", fake)
    return calls


# -- add, change, remove -----------------------------------------------------------------


def test_it_adds_a_provider_and_audits_it_without_its_secret() -> None:
    m = AdminMembershipFactory()
    provider = services.add_provider(m.tenant, "duo", DUO, actor=m.user)
    provider.refresh_from_db()
    assert provider.kind == "duo" and provider.name == "Kestrel's Duo"
    assert provider.duo_secret_key == DUO["duo_secret_key"]
    assert provider.updated_by == m.user
    (event,) = events(Action.IDENTITY_PROVIDER_ADDED)
    assert event.tenant == m.tenant and event.actor == m.user
    assert event.detail == "Kestrel's Duo (Duo)"
    assert DUO["duo_secret_key"] not in str(event.fields) + event.detail


def test_it_refuses_a_second_provider_of_the_same_name() -> None:
    existing = IdentityProviderFactory(name="Kestrel's Duo")
    with pytest.raises(services.NameTaken, match=r"Another identity provider .* “Kestrel's Duo”"):
        services.add_provider(existing.tenant, "duo", DUO)
    assert IdentityProvider.objects.count() == 1
    assert not events(Action.IDENTITY_PROVIDER_ADDED)


def test_it_keeps_the_stored_secret_when_the_form_leaves_it_blank() -> None:
    provider = IdentityProviderFactory()
    stored = provider.duo_secret_key
    changed = services.change_provider(provider, DUO | {"duo_secret_key": ""})
    assert changed == ["name"]
    provider.refresh_from_db()
    assert provider.duo_secret_key == stored
    (event,) = events(Action.IDENTITY_PROVIDER_CHANGED)
    assert event.fields == ["name"]


def test_it_names_a_changed_secret_in_the_trail_but_never_its_value() -> None:
    provider = IdentityProviderFactory(name=DUO["name"])
    changed = services.change_provider(provider, DUO)
    assert changed == ["duo_secret_key"]
    (event,) = events(Action.IDENTITY_PROVIDER_CHANGED)
    assert event.summary.startswith("Secret key changed")
    assert DUO["duo_secret_key"] not in event.summary


def test_it_clears_the_last_test_when_the_keys_change_not_the_name(monkeypatch) -> None:
    answers(monkeypatch, "Connected to Duo.")
    provider = IdentityProviderFactory()
    services.test_provider(provider)
    services.change_provider(provider, {**_stored(provider), "name": "Renamed"})
    provider.refresh_from_db()
    assert provider.last_test_ok is True and provider.last_tested_at is not None
    services.change_provider(
        provider, {**_stored(provider), "duo_api_host": "api-9z.duosecurity.com"}
    )
    provider.refresh_from_db()
    assert provider.last_test_ok is None and provider.last_tested_at is None
    assert provider.last_test_message == ""


def test_it_writes_nothing_when_nothing_changed() -> None:
    provider = IdentityProviderFactory()
    assert services.change_provider(provider, _stored(provider) | {"duo_secret_key": ""}) == []
    assert not events(Action.IDENTITY_PROVIDER_CHANGED)


def test_it_changes_only_the_fields_of_the_providers_kind() -> None:
    provider = OktaProviderFactory()
    services.change_provider(
        provider, _stored(provider) | {"duo_api_host": "api-x.duosecurity.com"}
    )
    provider.refresh_from_db()
    assert provider.duo_api_host == ""


def test_it_removes_a_provider_with_its_clients_but_keeps_the_history() -> None:
    provider = IdentityProviderFactory(name="Kestrel's Duo")
    ProviderClientFactory(provider=provider, halo_client_id=12)
    verification = VerificationFactory(tenant=provider.tenant, provider=provider)
    services.remove_provider(provider)
    assert not IdentityProvider.objects.exists()
    assert not ProviderClient.objects.exists()
    assert provider_for_client(provider.tenant, 12) is None
    verification.refresh_from_db()
    assert verification.provider is None
    (event,) = events(Action.IDENTITY_PROVIDER_REMOVED)
    assert event.detail == "Kestrel's Duo (Duo)" and event.tenant == provider.tenant


# -- the connection test -----------------------------------------------------------------


def test_it_stores_and_audits_a_passing_test(monkeypatch) -> None:
    calls = answers(monkeypatch, "Connected to Duo at api-1a2b3c4d.duosecurity.com.")
    provider = IdentityProviderFactory(name="Kestrel's Duo")
    result = services.test_provider(provider)
    assert result.ok and calls == [provider]
    provider.refresh_from_db()
    assert provider.last_test_ok is True
    assert provider.last_test_message == "Connected to Duo at api-1a2b3c4d.duosecurity.com."
    (event,) = events(Action.IDENTITY_PROVIDER_TESTED)
    assert event.detail == "Kestrel's Duo (Duo): connected"


def test_it_stores_the_providers_words_when_the_test_fails(monkeypatch) -> None:
    answers(monkeypatch, adapters.ProviderError("Duo refused the integration key. Copy it again."))
    provider = IdentityProviderFactory()
    result = services.test_provider(provider)
    assert not result.ok
    assert result.message == "Duo refused the integration key. Copy it again."
    provider.refresh_from_db()
    assert provider.last_test_ok is False
    assert provider.last_test_message == "Duo refused the integration key. Copy it again."
    assert events(Action.IDENTITY_PROVIDER_TESTED)[0].detail.endswith(": failing")


def test_it_clips_a_long_message_to_what_is_stored(monkeypatch) -> None:
    answers(monkeypatch, adapters.ProviderError("Duo said: " + "x" * 1000))
    provider = IdentityProviderFactory()
    services.test_provider(provider)
    provider.refresh_from_db()
    assert len(provider.last_test_message) == 300 and provider.last_test_message.endswith("…")


@live
def test_it_tests_against_the_duo_and_okta_sandboxes(idp_live: str) -> None:
    tenant = TenantFactory()
    duo = services.add_provider(
        tenant,
        "duo",
        DUO
        | {"duo_integration_key": DEMO_IKEY, "duo_secret_key": DEMO_SKEY}
        | {"duo_api_host": f"{idp_live}/sandbox/duo"},
    )
    okta = services.add_provider(
        tenant,
        "okta",
        {"name": "Oakfield's Okta", "okta_org_url": f"{idp_live}/sandbox/okta"}
        | {"okta_api_token": SEED_TOKEN},
    )
    assert services.test_provider(duo).ok
    assert services.test_provider(okta).ok
    wrong = services.add_provider(
        tenant,
        "okta",
        {"name": "Wrong", "okta_org_url": f"{idp_live}/sandbox/okta"}
        | {"okta_api_token": "00not-the-token"},
    )
    failed = services.test_provider(wrong)
    assert not failed.ok and failed.message
    wrong.refresh_from_db()
    assert wrong.last_test_ok is False and wrong.last_test_message == failed.message


# -- the Halo clients --------------------------------------------------------------------


def test_it_sets_the_clients_and_audits_what_changed() -> None:
    provider = IdentityProviderFactory(name="Kestrel's Duo")
    ProviderClientFactory(provider=provider, halo_client_id=13, halo_client_name="Harbour Dental")
    change = services.set_clients(provider, {12: "Kestrel Logistics"})
    assert change.added == ["Kestrel Logistics"] and change.removed == ["Harbour Dental"]
    assert provider_for_client(provider.tenant, 12) == provider
    assert provider_for_client(provider.tenant, 13) is None
    (event,) = events(Action.IDENTITY_PROVIDER_CLIENTS)
    assert event.detail == "Kestrel's Duo: added Kestrel Logistics; removed Harbour Dental"
    # The same again: nothing to write, nothing to audit.
    assert not services.set_clients(provider, {12: "Kestrel Logistics"}).changed
    assert len(events(Action.IDENTITY_PROVIDER_CLIENTS)) == 1


def test_it_shows_a_changed_mapping_in_this_processs_tab_at_once() -> None:
    lookup.forget()
    provider = IdentityProviderFactory(name="Kestrel's Duo")
    assert lookup.push_option(provider.tenant, 12) is None  # now remembered for a while
    services.set_clients(provider, {12: "Kestrel Logistics"})
    option = lookup.push_option(provider.tenant, 12)
    assert option is not None and option.name == "Kestrel's Duo"
    services.change_provider(provider, _stored(provider) | {"name": "Kestrel Duo"})
    assert lookup.push_option(provider.tenant, 12).name == "Kestrel Duo"
    services.remove_provider(provider)
    assert lookup.push_option(provider.tenant, 12) is None


def test_it_keeps_the_name_a_client_was_picked_with() -> None:
    provider = IdentityProviderFactory()
    services.set_clients(provider, {12: "Kestrel Logistics"})
    services.set_clients(provider, {12: "Kestrel Logistics Ltd", 14: "Oakfield"})
    names = dict(provider.clients.values_list("halo_client_id", "halo_client_name"))
    assert names == {12: "Kestrel Logistics", 14: "Oakfield"}


def test_it_refuses_a_client_of_another_provider_and_saves_nothing() -> None:
    okta = OktaProviderFactory(name="Oakfield's Okta")
    ProviderClientFactory(provider=okta, halo_client_id=14, halo_client_name="Oakfield")
    duo = IdentityProviderFactory(tenant=okta.tenant)
    ProviderClientFactory(provider=duo, halo_client_id=13, halo_client_name="Harbour")
    with pytest.raises(services.ClientTaken) as refused:
        services.set_clients(duo, {12: "Kestrel", 14: "Oakfield"})  # 13 would go, 12 come
    assert "Oakfield already verifies with Oakfield's Okta" in refused.value.message
    assert provider_for_client(okta.tenant, 14) == okta  # not moved
    assert sorted(duo.clients.values_list("halo_client_id", flat=True)) == [13]
    assert not events(Action.IDENTITY_PROVIDER_CLIENTS)


def test_it_lets_another_workspace_use_the_same_client() -> None:
    ProviderClientFactory(halo_client_id=12)
    other = IdentityProviderFactory()
    assert services.set_clients(other, {12: "Kestrel"}).added == ["Kestrel"]


def test_it_leaves_nothing_half_saved_when_the_database_refuses(monkeypatch) -> None:
    provider = IdentityProviderFactory()
    ProviderClientFactory(provider=provider, halo_client_id=13)

    def race(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("idp_one_provider_per_client")

    monkeypatch.setattr(ProviderClient.objects, "bulk_create", race)
    with pytest.raises(services.ClientTaken, match="Another admin changed"):
        services.set_clients(provider, {12: "Kestrel"})
    assert list(provider.clients.values_list("halo_client_id", flat=True)) == [13]
    assert not events(Action.IDENTITY_PROVIDER_CLIENTS)


@pytest.mark.parametrize("ident", [0, -1, 2**31, True])
def test_it_refuses_ids_halo_never_has(ident: int) -> None:
    with pytest.raises(ValueError, match="positive 32-bit"):
        services.set_clients(IdentityProviderFactory(), {ident: "x"})
    assert not ProviderClient.objects.exists()


def _stored(provider: IdentityProvider) -> dict[str, str]:
    names = ("name", "duo_integration_key", "duo_api_host", "okta_org_url", "match_field")
    return {name: getattr(provider, name) for name in names}


# -- the demo ----------------------------------------------------------------------------


def test_it_connects_the_demos_providers_once(settings) -> None:
    settings.DEBUG = True
    call_command("demo")
    call_command("demo")
    acme = Tenant.objects.get(slug="acme")
    kinds = dict(IdentityProvider.objects.filter(tenant=acme).values_list("name", "kind"))
    assert kinds == {"Kestrel's Duo": "duo", "Oakfield's Okta": "okta"}
    duo = provider_for_client(acme, 12)
    assert duo is not None and duo.duo_integration_key == DEMO_IKEY
    assert duo.duo_secret_key == DEMO_SKEY
    assert duo.duo_api_host == f"{settings.PUBLIC_BASE_URL}/sandbox/duo"
    okta = provider_for_client(acme, 14)
    assert okta is not None and okta.okta_api_token == SEED_TOKEN
    assert okta.okta_org_url == f"{settings.PUBLIC_BASE_URL}/sandbox/okta"
    assert provider_for_client(acme, 13) is None
    assert len(events(Action.IDENTITY_PROVIDER_ADDED)) == 2  # the second run changed nothing
    assert len(events(Action.IDENTITY_PROVIDER_CLIENTS)) == 2
    assert not events(Action.IDENTITY_PROVIDER_CHANGED)
