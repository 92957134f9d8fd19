"""No input to the alert pages gives a 500, and a refused one saves nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.models import Alert, AlertSettings
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Membership
from tests.factories import AdminMembershipFactory, AlertFactory
from tests.hostile import ANY_INPUT, HOSTILE, HOSTILE_QUICK, TEXT

pytestmark = pytest.mark.django_db

FORM = {
    "security_contacts": "sec@acme-it.example",
    "webhook_kind": "slack",
    "webhook_url": "https://hooks.slack.com/services/T0/B0/x",
    "remove_webhook": "",
}


@pytest.fixture
def admin(client) -> Membership:
    m = AdminMembershipFactory(tenant__name="Acme IT")
    client.force_login(m.user)
    return m


@HOSTILE
@given(field=st.sampled_from(sorted(FORM)), value=ANY_INPUT)
def test_it_survives_any_value_of_one_setting(client, admin, settings, field, value) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    AlertSettings.objects.filter(tenant=admin.tenant).delete()
    AuditEvent.objects.all().delete()
    response = client.post(f"/t/{admin.tenant.slug}/alerts/settings/", FORM | {field: value})
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: the page again, with the reason
        assert response.context["form"].errors
        assert not AuditEvent.objects.exists()
        prefs = AlertSettings.objects.filter(tenant=admin.tenant).first()
        assert prefs is None or (prefs.security_contacts == [] and prefs.webhook_url == "")


@HOSTILE
@given(note=ANY_INPUT, page=TEXT)
def test_it_survives_any_note(client, admin, note, page) -> None:
    alert = AlertFactory(tenant=admin.tenant)
    response = client.post(
        f"/t/{admin.tenant.slug}/alerts/{alert.pk}/acknowledge/", {"note": note, "page": page}
    )
    assert response.status_code in (200, 302)
    alert.refresh_from_db()
    if response.status_code == 200:
        assert alert.is_open
    else:
        assert alert.note == note.strip() and "\x00" not in alert.note


@HOSTILE_QUICK
@given(page=TEXT)
def test_it_survives_any_page_number(client, admin, page) -> None:
    assert client.get(f"/t/{admin.tenant.slug}/alerts/", {"page": page}).status_code == 200


@HOSTILE_QUICK
@given(pk=st.from_regex(r"[0-9]{1,30}", fullmatch=True))
def test_it_answers_404_for_any_unknown_alert(client, admin, pk) -> None:
    response = client.post(f"/t/{admin.tenant.slug}/alerts/{pk}/acknowledge/", {"note": ""})
    assert response.status_code == 404
    assert not Alert.objects.filter(acknowledged_at__isnull=False).exists()
