"""Which finished verifications raise an alert, driven through the tab's own services
(codes, secure links, pushes) so the signal comes from where it does in production."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Alert, AlertDelivery
from identity import adapters
from tests.factories import IdentityProviderFactory, VerificationFactory
from tickettab import push, verification
from tickettab.context import Contact
from tickettab.models import Verification
from tickettab.tabauth import TabIdentity

pytestmark = pytest.mark.django_db

V = Verification
K = Alert.Kind


@pytest.fixture
def contact() -> Contact:
    return Contact(
        halo_user_id=201,
        name="Jane Doe",
        first_name="Jane",
        email="jane.doe@example.com",
        mobile="+61 491 570 156",
        client_name="Kestrel Logistics",
        client_id=12,
    )


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the signal, then the alert's delivery) at once."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def agent(tenant_id: int) -> TabIdentity:
    return TabIdentity(tenant_id=tenant_id, generation=1, kind="agent", id=2, name="Priya Shah")


def alert_mails(mailoutbox) -> list:
    return [m for m in mailoutbox if m.subject.startswith("Security alert")]


def pending_push(tenant, **fields) -> Verification:
    values = {
        "tenant": tenant,
        "method": V.Method.PUSH,
        "status": V.Status.PENDING,
        "provider": IdentityProviderFactory(tenant=tenant),
        "provider_ref": "tx-0001",
        "destination": "Duo Mobile",
        "client_name": "Kestrel Logistics",
        "agent_name": "Priya Shah",
        "expires_at": timezone.now() + timedelta(minutes=1),
        "completed_at": None,
    }
    return VerificationFactory(**(values | fields))


def expire_a_push(tenant, on_commit) -> Verification:
    v = pending_push(tenant, expires_at=timezone.now() - timedelta(seconds=1))
    with on_commit():
        push.check_push(tenant, v)
    v.refresh_from_db()
    assert v.status == V.Status.EXPIRED
    return v


def test_it_alerts_when_the_contact_says_no_to_the_secure_link(
    client, tenant, prefs, contact, mailoutbox, on_commit
) -> None:
    verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.LINK)
    token = re.search(r"/v/([^/\s]+)/", mailoutbox[0].body).group(1)
    with on_commit():
        response = client.post(f"/v/{token}/", {"answer": "no"})
    assert "someone may be pretending to be you" in response.content.decode()
    alert = Alert.objects.get()
    assert alert.kind == K.DENIAL and alert.method == V.Method.LINK
    assert (alert.contact_name, alert.halo_user_id, alert.ticket_id) == ("Jane Doe", 201, 1001)
    assert (alert.client_name, alert.technician) == ("Kestrel Logistics", "Priya Shah")
    assert alert.verification.status == V.Status.DENIED
    assert alert.failures == 1 and alert.is_open
    # Told at once: the email went out in the same request.
    (mail,) = alert_mails(mailoutbox)
    assert "“No, this wasn't me”" in mail.subject
    assert AlertDelivery.objects.get(alert=alert).status == AlertDelivery.Status.SENT


def test_it_alerts_when_the_contact_denies_a_push(tenant, prefs, monkeypatch, on_commit) -> None:
    monkeypatch.setattr(adapters, "push_answer", lambda provider, ref: adapters.Answer.DENIED)
    v = pending_push(tenant)
    with on_commit():
        push.check_push(tenant, v)
    alert = Alert.objects.get(verification=v)
    assert alert.kind == K.DENIAL
    assert alert.get_kind_display() == "Denied by the contact"
    assert alert.method == V.Method.PUSH and alert.destination == "Duo Mobile"


def test_it_alerts_on_a_lockout_after_five_wrong_codes(
    tenant, prefs, contact, mailoutbox, on_commit
) -> None:
    v = verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    right = re.search(r"\b(\d{3} \d{3})\b", mailoutbox[0].body).group(1).replace(" ", "")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for n in range(1, verification.MAX_WRONG_CODES + 1):
        with on_commit(), pytest.raises(verification.VerificationError):
            verification.check_code(tenant, v.pk, wrong)
        # Nothing before the fifth: a typo or two is not an attack.
        assert Alert.objects.count() == (1 if n == verification.MAX_WRONG_CODES else 0)
    alert = Alert.objects.get()
    assert alert.kind == K.LOCKOUT and alert.verification_id == v.pk
    assert len(alert_mails(mailoutbox)) == 1
    assert "Wrong code 5 times for Jane Doe" in alert_mails(mailoutbox)[0].subject


def test_it_alerts_on_the_third_failure_of_a_contact_within_an_hour(
    tenant, prefs, on_commit
) -> None:
    expire_a_push(tenant, on_commit)
    expire_a_push(tenant, on_commit)
    assert not Alert.objects.exists()  # two unanswered pushes: not yet a pattern
    third = expire_a_push(tenant, on_commit)
    alert = Alert.objects.get()
    assert alert.kind == K.REPEATED_FAILURES
    assert alert.verification_id == third.pk and alert.failures == 3


def test_it_counts_only_the_last_hour_and_the_same_contact(tenant, prefs, on_commit) -> None:
    old = timezone.now() - timedelta(minutes=61)
    VerificationFactory(tenant=tenant, status=V.Status.EXPIRED, completed_at=old)
    VerificationFactory(tenant=tenant, status=V.Status.EXPIRED, completed_at=old)
    VerificationFactory(  # another contact of the same workspace
        tenant=tenant, halo_user_id=999, status=V.Status.EXPIRED, completed_at=timezone.now()
    )
    expire_a_push(tenant, on_commit)
    expire_a_push(tenant, on_commit)
    assert not Alert.objects.exists()


def test_it_raises_nothing_for_verified_or_overridden_contacts(
    tenant, prefs, contact, mailoutbox, on_commit
) -> None:
    v = verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    code = re.search(r"\b(\d{3} \d{3})\b", mailoutbox[0].body).group(1)
    with on_commit():
        assert verification.check_code(tenant, v.pk, code).status == V.Status.VERIFIED
    with on_commit():
        verification.record_override(
            tenant, contact, 1001, agent(tenant.pk), "Called back on the documented number"
        )
    assert not Alert.objects.exists()
    assert alert_mails(mailoutbox) == []


def test_it_raises_no_second_repeated_failures_alert_while_one_is_open(
    tenant, prefs, on_commit
) -> None:
    for _ in range(3):
        expire_a_push(tenant, on_commit)
    first = Alert.objects.get()
    expire_a_push(tenant, on_commit)
    expire_a_push(tenant, on_commit)
    assert Alert.objects.count() == 1  # no storm while nobody has looked
    Alert.objects.filter(pk=first.pk).update(acknowledged_at=timezone.now())
    expire_a_push(tenant, on_commit)
    second = Alert.objects.exclude(pk=first.pk).get()
    assert second.kind == K.REPEATED_FAILURES and second.failures == 6


def test_it_keeps_a_denial_its_own_alert_when_it_is_the_third_failure(
    tenant, prefs, monkeypatch, on_commit, mailoutbox
) -> None:
    expire_a_push(tenant, on_commit)
    expire_a_push(tenant, on_commit)
    monkeypatch.setattr(adapters, "push_answer", lambda provider, ref: adapters.Answer.DENIED)
    with on_commit():
        push.check_push(tenant, pending_push(tenant))
    alert = Alert.objects.get()  # one alert, one email: not a denial and a "repeated"
    assert alert.kind == K.DENIAL and alert.failures == 3
    assert len(alert_mails(mailoutbox)) == 1
    assert "failed verification number 3" in alert_mails(mailoutbox)[0].body
    # It said so: a fourth failure in the hour raises nothing more while it is open.
    expire_a_push(tenant, on_commit)
    assert Alert.objects.count() == 1


def test_it_lists_an_alert_nobody_is_told_of_when_nothing_is_set(tenant, on_commit) -> None:
    for _ in range(3):
        expire_a_push(tenant, on_commit)
    alert = Alert.objects.get()
    assert not alert.deliveries.exists()


def test_it_raises_one_alert_per_verification_when_the_signal_comes_twice(
    tenant, prefs, monkeypatch, on_commit
) -> None:
    from tickettab.signals import verification_finished

    monkeypatch.setattr(adapters, "push_answer", lambda provider, ref: adapters.Answer.DENIED)
    v = pending_push(tenant)
    with on_commit():
        push.check_push(tenant, v)
    v.refresh_from_db()
    verification_finished.send(sender=Verification, verification=v)
    assert Alert.objects.count() == 1
    assert AlertDelivery.objects.count() == 1
