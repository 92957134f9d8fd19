"""Which provider serves a Halo client: the tab's copy, and the push's fresh read."""

from __future__ import annotations

import pytest

from identity import lookup
from identity.models import IdentityProvider, ProviderClient
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

KESTREL = 12


def connect(tenant, client_id: int = KESTREL, name: str = "Kestrel's Duo") -> IdentityProvider:
    provider = IdentityProvider.objects.create(tenant=tenant, kind="duo", name=name)
    ProviderClient.objects.create(
        tenant=tenant, provider=provider, halo_client_id=client_id, halo_client_name="Kestrel"
    )
    return provider


def test_it_finds_the_provider_of_a_client_and_no_other() -> None:
    tenant = TenantFactory()
    provider = connect(tenant)
    option = lookup.push_option(tenant, KESTREL)
    assert option == lookup.PushOption(provider.pk, "Kestrel's Duo", "Duo Mobile")
    assert lookup.push_option(tenant, 13) is None
    assert lookup.push_option(tenant, 0) is None
    assert lookup.provider_for_client(tenant, KESTREL) == provider
    assert lookup.provider_for_client(tenant, 13) is None


def test_it_never_answers_with_another_workspaces_provider() -> None:
    mine, theirs = TenantFactory(), TenantFactory()
    connect(theirs)
    assert lookup.push_option(mine, KESTREL) is None
    assert lookup.provider_for_client(mine, KESTREL) is None


def test_it_asks_the_database_once_per_workspace_while_its_copy_is_fresh(
    django_assert_num_queries,
) -> None:
    tenant = TenantFactory()
    connect(tenant)
    with django_assert_num_queries(1):
        lookup.push_option(tenant, KESTREL)
        lookup.push_option(tenant, 13)
        lookup.push_option(tenant, KESTREL)


def test_it_sees_a_change_once_its_copy_is_older_than_the_memo(monkeypatch) -> None:
    tenant = TenantFactory()
    now = [1000.0]
    monkeypatch.setattr(lookup.time, "monotonic", lambda: now[0])
    assert lookup.push_option(tenant, KESTREL) is None
    connect(tenant)
    assert lookup.push_option(tenant, KESTREL) is None  # the copy, as documented
    # The push reads the database: never a stale answer where it matters.
    assert lookup.provider_for_client(tenant, KESTREL) is not None
    now[0] += lookup.MEMO_SECONDS
    assert lookup.push_option(tenant, KESTREL) is not None


def test_it_forgets_a_workspaces_copy_when_told() -> None:
    tenant = TenantFactory()
    assert lookup.push_option(tenant, KESTREL) is None
    connect(tenant)
    lookup.forget(tenant.pk)
    assert lookup.push_option(tenant, KESTREL) is not None
