"""Telling people: the email to the security contacts, and the chat webhook posted to a
real HTTP server on 127.0.0.1 that answers, fails, or hangs; retries until it goes."""

from __future__ import annotations

import ipaddress
import smtplib
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from alerts import delivery, triggers, webhooks
from alerts.models import Alert, AlertDelivery, AlertSettings
from integrations import netsafe
from tests.factories import VerificationFactory
from tickettab.models import Verification

pytestmark = pytest.mark.django_db

S = AlertDelivery.Status
EMAIL, WEBHOOK = AlertDelivery.Channel.EMAIL, AlertDelivery.Channel.WEBHOOK


def denial(tenant, **fields) -> Alert:
    """The alert of a secure link the contact answered "No" to."""
    values = {
        "tenant": tenant,
        "method": Verification.Method.LINK,
        "status": Verification.Status.DENIED,
        "client_name": "Kestrel Logistics",
        "agent_name": "Priya Shah",
        "destination": "j•••••••@e••••••.com",
        "completed_at": timezone.now(),
    }
    alert = triggers.raise_for(VerificationFactory(**(values | fields)))
    assert alert is not None
    return alert


def row(alert: Alert, channel: str) -> AlertDelivery:
    return AlertDelivery.objects.get(alert=alert, channel=channel)


def test_it_emails_the_security_contacts_what_they_need_to_act(tenant, prefs, mailoutbox) -> None:
    alert = denial(tenant)
    assert delivery.deliver_alert(alert.pk) == {EMAIL: "sent"}
    (mail,) = mailoutbox
    assert mail.to == ["sec@acme-it.example", "soc@acme-it.example"]
    assert mail.subject == (
        "Security alert at Acme IT: Jane Doe answered “No, this wasn't me” to the secure "
        "link (ticket #1001)"
    )
    body = mail.body
    for words in (
        "Possible impersonation attempt at Acme IT",
        "Jane Doe says they did not ask for help: the caller on ticket #1001 may be someone",
        "Contact: Jane Doe (Halo user 201)",
        "Client: Kestrel Logistics",
        "Ticket: #1001",
        "Technician: Priya Shah",
        "Method: Secure link",
        "Do not act on the caller's request",
    ):
        assert words in body
    link = f"{settings.PUBLIC_BASE_URL}/t/acme/alerts/#alert-{alert.pk}"
    assert link in body
    html, kind = mail.alternatives[0]
    assert kind == "text/html" and link in html and "Kestrel Logistics" in html
    d = row(alert, EMAIL)
    assert d.status == S.SENT and d.attempts == 1 and d.sent_at is not None
    assert d.sent_to == "2 security contacts: sec@acme-it.example, soc@acme-it.example"


def test_it_retries_an_email_the_mail_server_refused(tenant, prefs, mailoutbox, monkeypatch):
    alert = denial(tenant)
    real = delivery.send_email

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(delivery, "send_email", refuse)
    assert delivery.deliver_alert(alert.pk) == {EMAIL: "retry"}
    d = row(alert, EMAIL)
    assert d.status == S.PENDING and d.attempts == 1
    assert d.last_error == "Our mail service did not accept the email."
    assert delivery.deliver_due() == {}  # not due before its back-off
    monkeypatch.setattr(delivery, "send_email", real)
    AlertDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver_due() == {"sent": 1}
    assert len(mailoutbox) == 1


def test_it_posts_to_slack_at_the_local_receiver(tenant, slack, receiver) -> None:
    alert = denial(tenant, contact_name="<!channel> Eve & Co")
    assert delivery.deliver_alert(alert.pk)[WEBHOOK] == "sent"
    (post,) = receiver.received
    assert post.path == "/services/T000/B000/secret-path-0001"
    assert set(post.body) == {"text"}
    text = post.body["text"]
    assert text.startswith(":rotating_light: *Possible impersonation at Acme IT:")
    # A name from Halo cannot ping the channel or forge a link.
    assert "&lt;!channel&gt; Eve &amp; Co" in text and "<!channel>" not in text
    assert "• Ticket: #1001" in text and "• Client: Kestrel Logistics" in text
    assert "• Technician: Priya Shah" in text
    assert (
        f"<{settings.PUBLIC_BASE_URL}/t/acme/alerts/#alert-{alert.pk}|Open the alerts page>" in text
    )
    d = row(alert, WEBHOOK)
    assert d.status == S.SENT and d.sent_to == "Slack"


def test_it_posts_an_adaptive_card_to_teams(tenant, prefs, receiver) -> None:
    prefs.webhook_kind, prefs.webhook_url = AlertSettings.WebhookKind.TEAMS, receiver.url
    prefs.save()
    alert = denial(tenant, contact_name="[Jane](https://evil.example) Doe")
    delivery.deliver_alert(alert.pk)
    (post,) = receiver.received
    assert post.body["type"] == "message"
    (attachment,) = post.body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    facts = {f["title"]: f["value"] for f in card["body"][-1]["facts"]}
    assert facts["Ticket"] == "#1001" and facts["Client"] == "Kestrel Logistics"
    assert facts["Contact"].startswith(r"\[Jane\](https://evil.example) Doe")  # no link
    assert card["actions"][0]["url"].endswith(f"/t/acme/alerts/#alert-{alert.pk}")
    assert row(alert, WEBHOOK).sent_to == "Microsoft Teams"


def test_it_retries_a_webhook_answering_500_and_posts_once_when_it_recovers(
    tenant, slack, receiver, mailoutbox
) -> None:
    receiver.answers = [500, 503]
    alert = denial(tenant)
    before = timezone.now()
    assert delivery.deliver_alert(alert.pk) == {EMAIL: "sent", WEBHOOK: "retry"}
    d = row(alert, WEBHOOK)
    assert d.status == S.PENDING and d.attempts == 1
    assert d.last_error == "Slack had a problem (HTTP 500)."
    # 30 s, then doubling: it waits, and the worker leaves it until then.
    assert before + timedelta(seconds=29) < d.next_attempt_at < before + timedelta(seconds=35)
    assert delivery.deliver_due() == {}
    AlertDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now())
    before = timezone.now()
    assert delivery.deliver_due() == {"retry": 1}
    d.refresh_from_db()
    assert d.attempts == 2 and d.next_attempt_at > before + timedelta(seconds=59)
    AlertDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver_due() == {"sent": 1}
    d.refresh_from_db()
    assert d.status == S.SENT and d.attempts == 3 and d.last_error == ""
    assert [p.status for p in receiver.received] == [500, 503, 200]
    # Exactly once: nothing is due any more, whatever the worker does next.
    AlertDelivery.objects.update(next_attempt_at=timezone.now())
    assert delivery.deliver_due() == {}
    assert delivery.deliver_alert(alert.pk) == {}
    assert len(receiver.delivered()) == 1 and len(mailoutbox) == 1


def test_it_retries_a_webhook_that_hangs_past_the_timeout(
    tenant, slack, receiver, monkeypatch
) -> None:
    monkeypatch.setattr(webhooks, "READ_TIMEOUT", 0.5)
    receiver.answers, receiver.hang_seconds = ["hang"], 2.0
    alert = denial(tenant)
    started = timezone.now()
    assert delivery.deliver_alert(alert.pk)[WEBHOOK] == "retry"
    assert timezone.now() - started < timedelta(seconds=2)  # it did not wait for it
    d = row(alert, WEBHOOK)
    assert d.last_error.startswith("Slack did not answer within")
    AlertDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver_due() == {"sent": 1}
    assert row(alert, WEBHOOK).status == S.SENT


def test_it_gives_up_after_the_last_attempt_and_says_so(tenant, slack, receiver) -> None:
    receiver.answers = [500] * (delivery.MAX_ATTEMPTS + 5)
    alert = denial(tenant)
    delivery.deliver_alert(alert.pk)
    d = row(alert, WEBHOOK)
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        AlertDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now())
        delivery.deliver_due()
    d.refresh_from_db()
    assert d.status == S.FAILED and d.attempts == delivery.MAX_ATTEMPTS
    assert len(receiver.received) == delivery.MAX_ATTEMPTS
    AlertDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver_due() == {}


def test_it_backs_off_30_seconds_doubling_to_an_hour() -> None:
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 7, 8, 12)] == [
        30,
        60,
        120,
        1920,
        3600,
        3600,
    ]


def test_it_waits_as_long_as_the_channel_asks(tenant, slack, receiver, monkeypatch) -> None:
    monkeypatch.setattr(
        webhooks,
        "post",
        lambda kind, url, body: webhooks.PostResult(False, "Slack asked us to slow down.", 600),
    )
    alert = denial(tenant)
    delivery.deliver_alert(alert.pk)
    d = row(alert, WEBHOOK)
    assert d.next_attempt_at > timezone.now() + timedelta(seconds=590)


def test_it_refuses_a_private_address_through_the_outbound_guard(
    tenant, prefs, receiver, settings, monkeypatch
) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    settings.HALO_SANDBOX = False
    prefs.webhook_kind = AlertSettings.WebhookKind.SLACK
    prefs.webhook_url = "https://hooks.slack.com/services/T000/B000/rebound"
    prefs.save()
    # Slack's name answering with a private address (a rebinding DNS, a hostile resolver).
    monkeypatch.setattr(netsafe, "resolve", lambda host, port: [ipaddress.ip_address("127.0.0.1")])
    alert = denial(tenant)
    assert delivery.deliver_alert(alert.pk)[WEBHOOK] == "retry"
    d = row(alert, WEBHOOK)
    assert d.last_error == (
        "hooks.slack.com is a private network address, so MSP Process will not post to it."
    )
    assert "rebound" not in d.last_error


def test_it_posts_nothing_to_a_local_receiver_once_private_addresses_are_off(
    tenant, slack, receiver, settings
) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    settings.HALO_SANDBOX = False
    alert = denial(tenant)
    assert delivery.deliver_alert(alert.pk)[WEBHOOK] == "retry"
    assert receiver.received == []
    assert "https only" in row(alert, WEBHOOK).last_error


def test_it_gives_up_on_a_channel_removed_since_the_alert(tenant, slack, receiver) -> None:
    alert = denial(tenant)
    AlertSettings.objects.filter(pk=slack.pk).update(webhook_kind="none", webhook_url="")
    assert delivery.deliver_alert(alert.pk)[WEBHOOK] == "failed"
    assert row(alert, WEBHOOK).last_error == "The chat webhook was removed in the alert settings."
    assert receiver.received == []


def test_it_leaves_a_row_another_sender_holds(tenant, prefs, mailoutbox) -> None:
    alert = denial(tenant)
    d = row(alert, EMAIL)
    AlertDelivery.objects.filter(pk=d.pk).update(
        claimed_until=timezone.now() + timedelta(minutes=1)
    )
    assert delivery.deliver(d.pk) == "skipped"
    assert delivery.due() == []
    assert mailoutbox == []
    # Its sender died: the lease runs out and the row goes again.
    AlertDelivery.objects.filter(pk=d.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert delivery.deliver_due() == {"sent": 1}
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_it_sends_after_the_response_in_production(tenant, prefs, settings, mailoutbox) -> None:
    settings.OUTBOX_SEND_INLINE = False
    alert = denial(tenant)
    future = delivery.send_soon(alert.pk)
    assert future is not None
    future.result(timeout=10)
    assert row(alert, EMAIL).status == S.SENT
