"""The workspace's country in the onboarding console's verification settings inline."""

from __future__ import annotations

import pytest

from mspprocess.core.models import Tenant
from tests.factories import AdminMembershipFactory, TenantFactory
from tickettab.models import VerificationSettings

pytestmark = pytest.mark.django_db

PREFIX = "verification_settings-0-"


def change_url(tenant: Tenant) -> str:
    return f"/admin/mspprocess/tenant/{tenant.pk}/change/"


def settings_post(tenant: Tenant, prefs: VerificationSettings, country: str) -> dict:
    """The change form's POST with the settings inline filled in, as a browser sends it."""
    data = {
        "name": tenant.name,
        "slug": tenant.slug,
        "status": tenant.status,
        "account_manager": "",
        "halo_connection-TOTAL_FORMS": "0",
        "halo_connection-INITIAL_FORMS": "0",
        "halo_connection-MIN_NUM_FORMS": "0",
        "halo_connection-MAX_NUM_FORMS": "1",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "verification_settings-TOTAL_FORMS": "1",
        "verification_settings-INITIAL_FORMS": "1",
        "verification_settings-MIN_NUM_FORMS": "0",
        "verification_settings-MAX_NUM_FORMS": "1",
        f"{PREFIX}id": prefs.pk,
        f"{PREFIX}tenant": tenant.pk,
        f"{PREFIX}country": country,
    }
    for name in ("sms_enabled", "email_enabled", "link_enabled"):
        data[PREFIX + name] = "on"
    for name in (
        "code_lifetime_minutes",
        "shield_window_minutes",
        "note_outcome",
        "override_min_reason",
        "contact_hourly_cap",
        "tenant_hourly_cap",
    ):
        data[PREFIX + name] = getattr(prefs, name)
    return data


def test_it_shows_the_country_in_the_settings_inline(client, am) -> None:
    tenant = TenantFactory()
    VerificationSettings.for_tenant(tenant)
    body = client.get(change_url(tenant)).content.decode()
    assert f'<select name="{PREFIX}country"' in body
    assert '<option value="GB" selected>United Kingdom</option>' in body
    assert '<option value="US">United States</option>' in body
    assert "without a country code" in body


def test_it_lets_an_account_manager_set_the_country(client, am) -> None:
    tenant = TenantFactory()
    other = VerificationSettings.for_tenant(TenantFactory())
    prefs = VerificationSettings.for_tenant(tenant)
    response = client.post(change_url(tenant), settings_post(tenant, prefs, "NZ"))
    assert response.status_code == 302, response.content.decode()[-2000:]
    prefs.refresh_from_db()
    assert prefs.country == "NZ"
    other.refresh_from_db()
    assert other.country == "GB"


def test_it_refuses_a_country_not_on_the_list(client, am) -> None:
    tenant = TenantFactory()
    prefs = VerificationSettings.for_tenant(tenant)
    response = client.post(change_url(tenant), settings_post(tenant, prefs, "XX"))
    assert response.status_code == 200
    prefs.refresh_from_db()
    assert prefs.country == "GB"


def test_it_keeps_the_console_from_a_customers_admin(client) -> None:
    m = AdminMembershipFactory()  # a customer's admin: not staff
    client.force_login(m.user)
    prefs = VerificationSettings.for_tenant(m.tenant)
    response = client.post(change_url(m.tenant), settings_post(m.tenant, prefs, "US"))
    assert response.status_code == 302 and "/admin/login/" in response.url
    prefs.refresh_from_db()
    assert prefs.country == "GB"
