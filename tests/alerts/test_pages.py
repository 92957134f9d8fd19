"""The alert pages (/t/<slug>/alerts/…): who may see them, what they show, what they
save, and that the webhook URL never comes back out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from alerts.models import Alert, AlertDelivery, AlertSettings
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Membership
from tests.factories import (
    AdminMembershipFactory,
    AlertDeliveryFactory,
    AlertFactory,
    AlertSettingsFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action

SLACK = "https://hooks.slack.com/services/T0123/B0456/SecretPathDoNotShow"
TEAMS = "https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke?sig=TeamsSecretSig"


@pytest.fixture
def admin(client, tenant) -> Membership:
    m = AdminMembershipFactory(tenant=tenant, user__first_name="Alex", user__last_name="Lee")
    client.force_login(m.user)
    return m


def at(m: Membership, path: str = "") -> str:
    return f"/t/{m.tenant.slug}/alerts/{path}"


def form(**overrides: str) -> dict[str, str]:
    return {
        "security_contacts": "sec@acme-it.example\nsoc@acme-it.example",
        "webhook_kind": "slack",
        "webhook_url": "",
    } | overrides


def stored(tenant) -> AlertSettings:
    return AlertSettings.objects.get(tenant=tenant)


# -- who may see them -------------------------------------------------------------------

PAGES = [("get", ""), ("get", "settings/"), ("post", "settings/"), ("post", "settings/test/")]


def test_it_sends_strangers_to_sign_in(client, tenant) -> None:
    alert = AlertFactory(tenant=tenant)
    for method, path in [*PAGES, ("post", f"{alert.pk}/acknowledge/")]:
        response = getattr(client, method)(f"/t/{tenant.slug}/alerts/{path}")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_refuses_technicians(client, tenant) -> None:
    m = MembershipFactory(tenant=tenant, role=Membership.Role.TECHNICIAN)
    client.force_login(m.user)
    alert = AlertFactory(tenant=tenant)
    for method, path in [*PAGES, ("post", f"{alert.pk}/acknowledge/")]:
        assert getattr(client, method)(at(m, path)).status_code == 403
    assert Alert.objects.get().is_open


def test_it_hides_a_workspace_from_another_workspaces_admin(client, tenant) -> None:
    outsider = AdminMembershipFactory()
    client.force_login(outsider.user)
    alert = AlertFactory(tenant=tenant)
    for method, path in [*PAGES, ("post", f"{alert.pk}/acknowledge/")]:
        assert getattr(client, method)(f"/t/{tenant.slug}/alerts/{path}").status_code == 404
    # Nor can they reach it through their own workspace's address.
    response = client.post(at(outsider, f"{alert.pk}/acknowledge/"), {"note": "mine"})
    assert response.status_code == 404
    assert Alert.objects.get().is_open


def test_it_links_the_pages_from_the_admins_navigation_only(client, admin, tenant) -> None:
    body = client.get(f"/t/{tenant.slug}/").content.decode()
    assert f'href="/t/{tenant.slug}/alerts/"' in body
    assert f'href="/t/{tenant.slug}/alerts/settings/"' in body
    tech = MembershipFactory(tenant=tenant, role=Membership.Role.TECHNICIAN)
    client.force_login(tech.user)
    assert "/alerts/" not in client.get(f"/t/{tenant.slug}/").content.decode()


# -- the list ---------------------------------------------------------------------------


def test_it_says_when_there_are_no_alerts_and_nobody_is_told(client, admin) -> None:
    body = client.get(at(admin)).content.decode()
    assert 'id="empty"' in body and "No alerts yet" in body
    assert 'id="nobody-told"' in body


def test_it_lists_what_happened_and_who_was_told(client, admin, tenant) -> None:
    AlertSettingsFactory(tenant=tenant)
    alert = AlertFactory(tenant=tenant)
    AlertDeliveryFactory(
        alert=alert,
        status="sent",
        attempts=1,
        sent_at=timezone.now(),
        sent_to="1 security contact: sec@acme-it.example",
    )
    AlertDeliveryFactory(
        alert=alert,
        channel="webhook",
        attempts=2,
        last_error="Slack had a problem (HTTP 500).",
        next_attempt_at=timezone.now() + timedelta(minutes=1),
    )
    body = client.get(at(admin)).content.decode()
    for words in (
        "Jane Doe answered “No, this wasn&#x27;t me” to the secure link",
        "Jane Doe (Halo user 201)",
        "Kestrel Logistics",
        "#1001",
        "Priya Shah",
        "Denied by the contact",
        "✓ Sent",
        "to 1 security contact: sec@acme-it.example",
        "2 failed attempts",
        "Slack had a problem (HTTP 500).",
        "Acknowledge",
    ):
        assert words in body
    assert 'id="nobody-told"' not in body


def test_it_shows_a_channel_that_gave_up(client, admin, tenant) -> None:
    alert = AlertFactory(tenant=tenant)
    AlertDeliveryFactory(
        alert=alert,
        channel="webhook",
        status="failed",
        attempts=12,
        last_error="Slack had a problem (HTTP 500).",
    )
    body = client.get(at(admin)).content.decode()
    assert "✗ Gave up" in body and "after 12 attempts" in body


def test_it_puts_open_alerts_first_then_the_newest(client, admin, tenant) -> None:
    now = timezone.now()
    done = AlertFactory(tenant=tenant, contact_name="Newest Done", acknowledged_at=now)
    old = AlertFactory(tenant=tenant, contact_name="Older Open", created=now - timedelta(days=2))
    new = AlertFactory(tenant=tenant, contact_name="Newer Open", created=now - timedelta(days=1))
    Alert.objects.filter(pk=done.pk).update(created=now)
    body = client.get(at(admin)).content.decode()
    order = [body.index(f'id="alert-{a.pk}"') for a in (new, old, done)]
    assert order == sorted(order)
    assert '<span id="open-count">2</span> open of 3 alerts' in body


def test_it_pages_the_alerts_in_constant_queries(
    client, admin, tenant, django_assert_max_num_queries
) -> None:
    for n in range(30):
        alert = AlertFactory(tenant=tenant, contact_name=f"Contact {n:02d}")
        AlertDeliveryFactory(alert=alert)
    with django_assert_max_num_queries(12):
        first = client.get(at(admin)).content.decode()
    assert "Page 1 of 2" in first and first.count('class="panel alert-item') == 25
    second = client.get(at(admin), {"page": "2"}).content.decode()
    assert second.count('class="panel alert-item') == 5
    assert client.get(at(admin), {"page": "\x00"}).status_code == 200


# -- acknowledging ----------------------------------------------------------------------


def test_it_records_who_acknowledged_when_and_what_was_done(client, admin, tenant) -> None:
    alert = AlertFactory(tenant=tenant)
    note = "Called Jane back on the number in our records: not her. Reset refused."
    response = client.post(at(admin, f"{alert.pk}/acknowledge/"), {"note": f"  {note} "})
    assert response.status_code == 302 and response["Location"].endswith(f"#alert-{alert.pk}")
    alert.refresh_from_db()
    assert alert.acknowledged_by == admin.user and alert.acknowledged_by_name == "Alex Lee"
    assert timezone.now() - alert.acknowledged_at < timedelta(seconds=5)
    assert alert.note == note
    event = AuditEvent.objects.get(action=Action.ALERT_ACKNOWLEDGED)
    assert event.actor == admin.user and event.tenant == tenant
    assert event.detail == "Denied by the contact: Jane Doe, ticket #1001"
    body = client.get(at(admin)).content.decode()
    assert "Acknowledged by <strong>Alex Lee</strong>" in body and note in body
    assert f'action="/t/{tenant.slug}/alerts/{alert.pk}/acknowledge/"' not in body


def test_it_keeps_the_first_acknowledgement(client, admin, tenant) -> None:
    alert = AlertFactory(tenant=tenant)
    client.post(at(admin, f"{alert.pk}/acknowledge/"), {"note": "First"})
    response = client.post(at(admin, f"{alert.pk}/acknowledge/"), {"note": "Second"}, follow=True)
    assert "had already acknowledged this alert" in response.content.decode()
    alert.refresh_from_db()
    assert alert.note == "First"
    assert AuditEvent.objects.filter(action=Action.ALERT_ACKNOWLEDGED).count() == 1


def test_it_acknowledges_only_by_post(client, admin, tenant) -> None:
    alert = AlertFactory(tenant=tenant)
    assert client.get(at(admin, f"{alert.pk}/acknowledge/")).status_code == 405
    assert Alert.objects.get().is_open


@pytest.mark.parametrize(
    ("note", "words"),
    [
        ("Called back\x00", "control characters"),
        ("x" * 10_000, "Keep it under 2000 characters."),
        ("bidi \u202e trick", "control characters"),
    ],
)
def test_it_refuses_a_hostile_note_with_words(client, admin, tenant, note, words) -> None:
    alert = AlertFactory(tenant=tenant)
    response = client.post(at(admin, f"{alert.pk}/acknowledge/"), {"note": note, "page": "x"})
    assert response.status_code == 200
    assert words in response.content.decode()
    assert Alert.objects.get().is_open


# -- the settings -----------------------------------------------------------------------


def test_it_saves_contacts_and_a_webhook_it_never_shows_again(
    client, admin, tenant, settings
) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    response = client.post(
        at(admin, "settings/"),
        form(
            security_contacts="Sec@Acme-IT.example, soc@acme-it.example; sec@acme-it.example",
            webhook_url=SLACK,
        ),
    )
    assert response.status_code == 302
    prefs = stored(tenant)
    assert prefs.security_contacts == ["Sec@Acme-IT.example", "soc@acme-it.example"]
    assert (prefs.webhook_kind, prefs.webhook_url) == ("slack", SLACK)
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT webhook_url FROM alerts_alertsettings")
        assert "SecretPathDoNotShow" not in cursor.fetchone()[0]
    event = AuditEvent.objects.get(action=Action.ALERT_SETTINGS_CHANGED)
    assert event.fields == ["security_contacts", "webhook_kind", "webhook_url"]
    assert "Webhook URL changed" in event.summary and "Secret" not in event.summary
    for page in ("settings/", ""):
        body = client.get(at(admin, page)).content.decode()
        assert "SecretPathDoNotShow" not in body and "T0123/B0456" not in body
    body = client.get(at(admin, "settings/")).content.decode()
    assert 'id="webhook-stored"' in body and "Alerts are posted to Slack" in body
    # Nor on a form that comes back with an error, with the URL in what was sent.
    body = client.post(
        at(admin, "settings/"), form(security_contacts="not-an-email", webhook_url=TEAMS)
    ).content.decode()
    assert "TeamsSecretSig" not in body and "SecretPathDoNotShow" not in body


def test_it_keeps_the_stored_url_when_left_blank(client, admin, tenant, settings) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    AlertSettingsFactory(tenant=tenant, webhook_kind="slack", webhook_url=SLACK)
    response = client.post(at(admin, "settings/"), form(security_contacts="new@acme-it.example"))
    assert response.status_code == 302
    prefs = stored(tenant)
    assert prefs.webhook_url == SLACK and prefs.security_contacts == ["new@acme-it.example"]
    assert AuditEvent.objects.get().fields == ["security_contacts"]


def test_it_removes_the_webhook_when_asked(client, admin, tenant) -> None:
    AlertSettingsFactory(tenant=tenant, webhook_kind="slack", webhook_url=SLACK)
    client.post(
        at(admin, "settings/"),
        form(security_contacts="security@acme-it.example", remove_webhook="on"),
    )
    prefs = stored(tenant)
    assert (prefs.webhook_kind, prefs.webhook_url) == ("none", "")
    assert AuditEvent.objects.get().fields == ["webhook_kind", "webhook_url"]


def test_it_refuses_switching_service_without_a_new_url(client, admin, tenant, settings) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    AlertSettingsFactory(tenant=tenant, webhook_kind="slack", webhook_url=SLACK)
    body = client.post(at(admin, "settings/"), form(webhook_kind="teams")).content.decode()
    assert "This is a Slack address" in body
    assert stored(tenant).webhook_kind == "slack"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (form(security_contacts="sec@acme-it.example\x00"), "Null characters are not allowed"),
        (form(security_contacts="x" * 10_000), "at most 3000 characters"),
        (form(security_contacts="alice, bob@, @example.com"), "are not email addresses"),
        (form(security_contacts="\n".join(f"p{n}@acme.example" for n in range(11))), "At most 10"),
        (form(webhook_url="not a url"), "That is not a webhook URL"),
        (form(webhook_url="javascript:alert(1)"), "That is not a webhook URL"),
        (form(webhook_url="https://evil.example/services/x"), "is not a Slack or Microsoft"),
        (form(webhook_url="x" * 10_000), "at most 2000 characters"),
        (form(webhook_url=SLACK, webhook_kind="irc"), "Choose Slack or Microsoft Teams"),
    ],
)
def test_it_refuses_hostile_settings_with_words(client, admin, tenant, settings, data, words):
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    response = client.post(at(admin, "settings/"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert words in body and "Nothing was saved" in body
    assert not AuditEvent.objects.exists()
    assert stored(tenant).security_contacts == []


# -- the test alert ---------------------------------------------------------------------


def test_it_sends_a_test_alert_and_shows_each_answer(
    client, admin, tenant, receiver, mailoutbox
) -> None:
    AlertSettingsFactory(tenant=tenant, webhook_kind="slack", webhook_url=receiver.url)
    body = client.post(at(admin, "settings/test/"), follow=True).content.decode()
    assert "Email: Sent to 1 security contact." in body
    assert "Slack: Posted to Slack." in body
    (mail,) = mailoutbox
    assert mail.subject == "Test alert from MSP Process for Acme IT"
    (post,) = receiver.received
    assert post.body["text"].startswith(":rotating_light: *Test alert from MSP Process")
    assert receiver.url not in body
    # Once per 15 seconds: a test emails people.
    again = client.post(at(admin, "settings/test/"), follow=True).content.decode()
    assert "A test alert was just sent" in again
    assert len(receiver.received) == 1


def test_it_says_when_the_test_alert_failed(client, admin, tenant, receiver) -> None:
    AlertSettingsFactory(
        tenant=tenant, security_contacts=[], webhook_kind="slack", webhook_url=receiver.url
    )
    receiver.answers = [404]
    body = client.post(at(admin, "settings/test/"), follow=True).content.decode()
    assert "Slack: the test alert was not sent. Slack refused the message (HTTP 404)" in body
    assert not AlertDelivery.objects.exists()  # a test leaves no rows behind


def test_it_has_nobody_to_test_without_settings(client, admin) -> None:
    body = client.post(at(admin, "settings/test/"), follow=True).content.decode()
    assert "there is nobody to tell" in body
    assert 'id="test-nobody"' in body
