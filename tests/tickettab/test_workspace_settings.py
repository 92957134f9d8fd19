from __future__ import annotations

import pytest

from mspprocess.core.audit import AuditEvent
from tests.factories import AdminMembershipFactory, MembershipFactory, TenantFactory
from tickettab.models import VerificationSettings

pytestmark = pytest.mark.django_db


def valid(**overrides) -> dict[str, object]:
    data: dict[str, object] = {
        "sms_enabled": "on",
        "email_enabled": "on",
        "link_enabled": "on",
        "code_lifetime_minutes": 10,
        "shield_window_minutes": 60,
        "note_outcome": "MSP Process",
        "override_min_reason": 15,
        "contact_hourly_cap": 5,
        "tenant_hourly_cap": 200,
        "country": "GB",
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key)  # an unticked checkbox is not sent at all
        else:
            data[key] = value
    return data


def test_it_shows_the_current_settings(signed_in_admin, client) -> None:
    m = signed_in_admin
    VerificationSettings.objects.create(tenant=m.tenant, code_lifetime_minutes=7, sms_enabled=False)
    response = client.get(f"/t/{m.tenant.slug}/settings/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="code_lifetime_minutes" value="7"' in body
    assert 'name="sms_enabled" id="id_sms_enabled"' in body
    assert 'name="email_enabled" id="id_email_enabled" checked' in body
    assert response.context["active"] == "settings"


def test_it_saves_and_redirects_with_a_message(signed_in_admin, client) -> None:
    m = signed_in_admin
    url = f"/t/{m.tenant.slug}/settings/"
    response = client.post(
        url,
        valid(
            sms_enabled=None,
            code_lifetime_minutes=5,
            shield_window_minutes=240,
            note_outcome="  Caller verified ",
            tenant_hourly_cap=500,
        ),
    )
    assert response.status_code == 302
    assert response.url == url
    prefs = VerificationSettings.for_tenant(m.tenant)
    assert not prefs.sms_enabled
    assert prefs.email_enabled
    assert prefs.code_lifetime_minutes == 5
    assert prefs.shield_window_minutes == 240
    assert prefs.note_outcome == "Caller verified"
    assert prefs.tenant_hourly_cap == 500
    page = client.get(url).content.decode()
    assert "Verification settings saved." in page
    assert 'id="override-only"' not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code_lifetime_minutes", 31, "Choose a code lifetime between 2 and 30 minutes."),
        ("code_lifetime_minutes", 1, "Choose a code lifetime between 2 and 30 minutes."),
        ("code_lifetime_minutes", "ten", "Choose a code lifetime between 2 and 30 minutes."),
        ("shield_window_minutes", 4, "Choose a shield time between 5 and 1440 minutes."),
        ("shield_window_minutes", 1441, "Choose a shield time between 5 and 1440 minutes."),
        ("override_min_reason", 0, "Choose a minimum reason length between 1 and 500."),
        ("contact_hourly_cap", 51, "Choose a number of sends per contact between 1 and 50."),
        ("tenant_hourly_cap", "", "Choose a number of sends for the workspace between 1 and"),
        ("note_outcome", "   ", "Enter the outcome Halo should show for our notes."),
        ("note_outcome", "x" * 51, "Keep the outcome to 50 characters or fewer."),
    ],
)
def test_it_explains_a_wrong_value_and_saves_nothing(
    signed_in_admin, client, field: str, value: object, message: str
) -> None:
    m = signed_in_admin
    before = VerificationSettings.for_tenant(m.tenant)
    # The valid change in the same submission (unticking a method) is not saved either.
    response = client.post(
        f"/t/{m.tenant.slug}/settings/", valid(**{field: value}, link_enabled=None)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert "Nothing was saved." in body
    after = VerificationSettings.objects.get(tenant=m.tenant)
    assert after.link_enabled
    assert getattr(after, field) == getattr(before, field)
    assert after.updated == before.updated


def test_it_warns_when_every_sending_method_is_off(signed_in_admin, client) -> None:
    m = signed_in_admin
    url = f"/t/{m.tenant.slug}/settings/"
    response = client.post(
        url, valid(sms_enabled=None, email_enabled=None, link_enabled=None), follow=True
    )
    body = response.content.decode()
    assert "Every sending method is off" in body
    assert 'id="override-only"' in body
    assert VerificationSettings.for_tenant(m.tenant).enabled_methods == []


def test_it_changes_only_its_own_workspace(signed_in_admin, client) -> None:
    m = signed_in_admin
    other = VerificationSettings.for_tenant(TenantFactory())
    client.post(f"/t/{m.tenant.slug}/settings/", valid(code_lifetime_minutes=3))
    other.refresh_from_db()
    assert other.code_lifetime_minutes == 10
    assert VerificationSettings.for_tenant(m.tenant).code_lifetime_minutes == 3


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_answers_404_to_an_outsider(signed_in_admin, client, method: str) -> None:
    target = AdminMembershipFactory()
    response = getattr(client, method)(
        f"/t/{target.tenant.slug}/settings/", valid(code_lifetime_minutes=3)
    )
    assert response.status_code == 404
    assert not VerificationSettings.objects.filter(tenant=target.tenant).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_answers_403_to_a_technician(client, method: str) -> None:
    tech = MembershipFactory()
    client.force_login(tech.user)
    response = getattr(client, method)(
        f"/t/{tech.tenant.slug}/settings/", valid(code_lifetime_minutes=3)
    )
    assert response.status_code == 403
    assert not VerificationSettings.objects.filter(code_lifetime_minutes=3).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_sends_anonymous_visitors_to_sign_in(client, method: str) -> None:
    tenant = TenantFactory()
    response = getattr(client, method)(f"/t/{tenant.slug}/settings/", valid())
    assert response.status_code == 302
    assert response.url.startswith(f"/accounts/login/?next=/t/{tenant.slug}/settings/")


# -- the country numbers without a country code are read in ---------------------------


def test_it_shows_the_country_as_a_list_of_names(signed_in_admin, client) -> None:
    m = signed_in_admin
    body = client.get(f"/t/{m.tenant.slug}/settings/").content.decode()
    assert '<select name="country"' in body
    assert '<option value="GB" selected>United Kingdom</option>' in body
    assert '<option value="AU">Australia</option>' in body
    assert "without a country code" in body  # the help text says what it is for


def test_it_saves_the_country(signed_in_admin, client) -> None:
    m = signed_in_admin
    response = client.post(f"/t/{m.tenant.slug}/settings/", valid(country="AU"))
    assert response.status_code == 302
    assert VerificationSettings.objects.get(tenant=m.tenant).country == "AU"
    event = AuditEvent.objects.get(tenant=m.tenant)
    assert event.fields == ["country"]


@pytest.mark.parametrize("country", ["", "XX", "gb", "United Kingdom", "GBR"])
def test_it_refuses_a_country_not_on_the_list(signed_in_admin, client, country: str) -> None:
    m = signed_in_admin
    response = client.post(f"/t/{m.tenant.slug}/settings/", valid(country=country))
    assert response.status_code == 200
    assert "Choose" in response.content.decode()
    assert VerificationSettings.for_tenant(m.tenant).country == "GB"


def test_it_changes_no_other_workspaces_country(signed_in_admin, client) -> None:
    target = AdminMembershipFactory()
    response = client.post(f"/t/{target.tenant.slug}/settings/", valid(country="US"))
    assert response.status_code == 404
    assert VerificationSettings.for_tenant(target.tenant).country == "GB"
