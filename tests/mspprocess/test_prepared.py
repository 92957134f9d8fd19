"""mspprocess/prepared.py: a query compiled once gives what the ORM gives."""

from __future__ import annotations

import pytest

from integrations.models import HaloConnection
from mspprocess.prepared import PreparedQuery
from tests.factories import TenantFactory
from tickettab import tabauth
from tickettab.models import Tab, VerificationSettings

pytestmark = pytest.mark.django_db


def orm_tab(key: str) -> Tab:
    return Tab.objects.select_related(
        "tenant__halo_connection", "tenant__verification_settings"
    ).for_key(key)


def connected_tab() -> Tab:
    tenant = TenantFactory(name="Acme IT")
    HaloConnection.objects.create(
        tenant=tenant, base_url="https://acme.halopsa.com", client_secret="s3cret-value"
    )
    VerificationSettings.objects.update_or_create(tenant=tenant, defaults={"country": "AU"})
    tab, _ = Tab.objects.get_or_create(tenant=tenant)  # a connection gets its tab
    tab.ensure_keys()
    tab.save()
    return tab


def test_it_builds_the_same_objects_as_the_orm(django_assert_num_queries) -> None:
    tab = connected_tab()
    expected = orm_tab(tab.key)
    with django_assert_num_queries(1):
        found = tabauth.tab_for_key(tab.key)
        # Related objects are attached: reading them asks nothing more.
        conn, prefs = found.tenant.halo_connection, found.tenant.verification_settings
    assert found.pk == expected.pk and found.tenant.name == "Acme IT"
    assert found.secret == expected.secret and found.key == tab.key  # decrypted
    assert conn.client_secret == "s3cret-value" and conn.tenant is found.tenant
    assert prefs.country == "AU"
    assert found.created == expected.created and found.created.tzinfo is not None
    assert found._state.adding is False and found._state.db == "default"


def test_it_knows_a_missing_related_row_without_asking_again(django_assert_num_queries) -> None:
    tenant = TenantFactory()
    tab = Tab.objects.create(tenant=tenant)
    tab.ensure_keys()
    tab.save()
    HaloConnection.objects.filter(tenant=tenant).delete()
    VerificationSettings.objects.filter(tenant=tenant).delete()
    with django_assert_num_queries(1):
        found = tabauth.tab_for_key(tab.key)
        assert found.connection is None  # the reverse one-to-one, known to be absent
        with pytest.raises(VerificationSettings.DoesNotExist):
            _ = found.tenant.verification_settings


@pytest.mark.parametrize("key", ["", "x" * 101, "no-such-key", "' OR 1=1 --", "%s", "\x00"])
def test_it_finds_nothing_for_a_key_that_is_not_one(key) -> None:
    connected_tab()
    assert tabauth.tab_for_key(key) is None


def test_it_refuses_stand_ins_it_could_not_tell_apart() -> None:
    with pytest.raises(ValueError, match="must differ"):
        PreparedQuery(Tab, lambda a, b: Tab.objects.filter(pk=a, generation=b), a=1, b=1)
