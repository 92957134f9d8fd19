from __future__ import annotations

import re
from datetime import timedelta

import pytest
import responses
from django.db import connection
from django.utils import timezone

from mspprocess.core.models import Tenant
from tests.factories import TenantFactory, VerificationFactory
from tests.tickettab.conftest import agent
from tickettab import codes, shield, sms, verification
from tickettab.models import Note, Verification, VerificationSettings

pytestmark = pytest.mark.django_db

V = Verification
TWILIO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"


def sent_code(mailoutbox) -> str:
    return re.search(r"\b(\d{3} \d{3})\b", mailoutbox[-1].body).group(1)


@pytest.fixture
def tenant():
    return TenantFactory(name="Acme IT")


def test_it_sends_an_email_code_and_stores_only_a_hash(tenant, contact, mailoutbox) -> None:
    v = verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    assert v.status == V.Status.PENDING
    assert mailoutbox[0].to == ["jane.doe@example.com"]
    assert "Acme IT" in mailoutbox[0].subject
    code = sent_code(mailoutbox).replace(" ", "")
    assert mailoutbox[0].alternatives  # an HTML part too
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM tickettab_verification")
        rows = cursor.fetchall()
    flat = " ".join(str(col) for row in rows for col in row)
    assert code not in flat
    assert "jane.doe@example.com" not in flat
    assert v.destination == "j•••••••@e••••••.com"


def test_it_verifies_the_right_code_and_queues_a_note(
    tenant, contact, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    v = verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    code = sent_code(mailoutbox)
    with django_capture_on_commit_callbacks() as callbacks:
        done = verification.check_code(tenant, v.pk, code)  # with the space, as read out
    assert done.status == V.Status.VERIFIED
    note = Note.objects.get(verification=v)
    assert note.status == Note.Status.PENDING
    assert "VERIFIED" in note.text and str(note.marker) in note.text
    assert note.outcome == "MSP Process"
    assert len(callbacks) == 2  # after commit: the note's delivery, then the signal


def test_it_locks_after_the_fifth_wrong_code(tenant, contact, mailoutbox) -> None:
    v = verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    right = sent_code(mailoutbox).replace(" ", "")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    messages = []
    for _ in range(5):
        with pytest.raises(verification.VerificationError) as e:
            verification.check_code(tenant, v.pk, wrong)
        messages.append(e.value.message)
    assert "4 tries left" in messages[0]
    assert "1 try left" in messages[3]
    assert "locked" in messages[4]
    v.refresh_from_db()
    assert v.status == V.Status.LOCKED and v.wrong_attempts == 5
    # Even the right code no longer works.
    with pytest.raises(verification.VerificationError, match="locked"):
        verification.check_code(tenant, v.pk, right)
    assert "FAILED" in Note.objects.get(verification=v).text


def test_it_refuses_an_expired_code(tenant, contact, mailoutbox) -> None:
    v = verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    Verification.objects.filter(pk=v.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(verification.VerificationError, match="expired"):
        verification.check_code(tenant, v.pk, sent_code(mailoutbox))


def test_it_refuses_codes_that_are_not_six_digits(tenant, contact, mailoutbox) -> None:
    v = verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    for typed in ("12345", "abcdef", "1234567"):
        with pytest.raises(verification.VerificationError, match="6 digits"):
            verification.check_code(tenant, v.pk, typed)
    v.refresh_from_db()
    assert v.wrong_attempts == 0


def test_it_refuses_a_code_for_another_tenant(tenant, contact, mailoutbox) -> None:
    v = verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    other = TenantFactory()
    with pytest.raises(verification.VerificationError, match="no longer exists"):
        verification.check_code(other, v.pk, sent_code(mailoutbox))


def test_it_enforces_the_resend_cooldown(tenant, contact, mailoutbox) -> None:
    verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    with pytest.raises(verification.VerificationError, match=r"Wait \d+ seconds"):
        verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.SMS)
    assert len(mailoutbox) == 1


def test_it_cancels_the_previous_code_on_resend(tenant, contact, mailoutbox) -> None:
    first = verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    old_code = sent_code(mailoutbox)
    Verification.objects.filter(pk=first.pk).update(created=timezone.now() - timedelta(minutes=1))
    verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    with pytest.raises(verification.VerificationError, match="newer code"):
        verification.check_code(tenant, first.pk, old_code)


def test_it_caps_sends_per_contact_per_hour(tenant, contact, mailoutbox) -> None:
    for minutes in range(5):
        VerificationFactory(
            tenant=tenant,
            status=V.Status.CANCELLED,
            created=timezone.now() - timedelta(minutes=50 - minutes),
        )
    with pytest.raises(
        verification.VerificationError, match="5 codes, links or pushes in the last hour"
    ):
        verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    assert mailoutbox == []
    # An hour later the contact can be sent codes again.
    Verification.objects.update(created=timezone.now() - timedelta(minutes=61))
    verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    assert len(mailoutbox) == 1


def test_it_caps_sends_per_tenant_per_hour(tenant, contact, mailoutbox) -> None:
    VerificationSettings.objects.update_or_create(tenant=tenant, defaults={"tenant_hourly_cap": 3})
    for user_id in (301, 302, 303):
        VerificationFactory(
            tenant=tenant, halo_user_id=user_id, created=timezone.now() - timedelta(minutes=5)
        )
    with pytest.raises(verification.VerificationError, match="limit of sends per hour"):
        verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    # Another tenant's sends don't count.
    other = TenantFactory()
    verification.send(other, contact, 1001, agent(other.pk), V.Method.EMAIL)


def test_it_refuses_a_disabled_method(tenant, contact) -> None:
    VerificationSettings.objects.update_or_create(tenant=tenant, defaults={"sms_enabled": False})
    with pytest.raises(verification.VerificationError, match="turned this verification method off"):
        verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.SMS)


def test_it_refuses_sms_without_a_mobile_in_halo(tenant, contact) -> None:
    no_mobile = contact.__class__(**{**contact.__dict__, "mobile": ""})
    with pytest.raises(verification.VerificationError, match="No mobile number in Halo"):
        verification.send(tenant, no_mobile, 1001, agent(tenant.pk), V.Method.SMS)
    assert not Verification.objects.exists()


def test_it_records_a_failed_send(tenant, contact, monkeypatch) -> None:
    from tickettab import sms

    def refuse(to, body):
        raise sms.SmsError("The SMS provider refused the message.")

    monkeypatch.setattr(sms, "send_sms", refuse)
    with pytest.raises(verification.VerificationError, match="SMS was not sent"):
        verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.SMS)
    v = Verification.objects.get()
    assert v.status == V.Status.SEND_FAILED
    assert "refused" in v.error


def test_it_keeps_the_earlier_code_when_a_resend_fails(tenant, contact, mailoutbox, monkeypatch):
    from tickettab import sms

    first = verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.EMAIL)
    code = sent_code(mailoutbox)
    Verification.objects.filter(pk=first.pk).update(created=timezone.now() - timedelta(minutes=1))

    def refuse(to, body):
        raise sms.SmsError("The SMS provider refused the message.")

    monkeypatch.setattr(sms, "send_sms", refuse)
    with pytest.raises(verification.VerificationError):
        verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.SMS)
    assert verification.check_code(tenant, first.pk, code).status == V.Status.VERIFIED


def test_it_records_an_override_with_a_reason(tenant, contact) -> None:
    with pytest.raises(verification.VerificationError, match="at least 15 characters"):
        verification.record_override(tenant, contact, 1001, agent(tenant.pk), "trust me")
    v = verification.record_override(
        tenant, contact, 1001, agent(tenant.pk), "Called back on the documented number"
    )
    assert v.status == V.Status.OVERRIDE and v.method == V.Method.OVERRIDE
    assert "WITHOUT a code" in Note.objects.get(verification=v).text


def test_it_hashes_codes_with_a_salt() -> None:
    first, second = codes.hash_code("123456"), codes.hash_code("123456")
    assert first != second
    assert codes.check_code("123456", first) and codes.check_code("123456", second)
    assert not codes.check_code("123457", first)


# -- the shield --------------------------------------------------------------------------


def shield_of(tenant):
    tenant = Tenant.objects.get(pk=tenant.pk)  # as a new request would: settings read afresh
    return shield.shield_for(VerificationSettings.for_tenant(tenant), shield.history(tenant, 201))


def test_it_shows_green_inside_the_window_then_grey(tenant) -> None:
    v = VerificationFactory(tenant=tenant)
    assert shield_of(tenant).state == "green"
    Verification.objects.filter(pk=v.pk).update(completed_at=timezone.now() - timedelta(minutes=61))
    assert shield_of(tenant).state == "grey"
    VerificationSettings.objects.filter(tenant=tenant).update(shield_window_minutes=120)
    assert shield_of(tenant).state == "green"


def test_it_shows_an_override_as_green_but_says_so(tenant) -> None:
    VerificationFactory(tenant=tenant, method=V.Method.OVERRIDE, status=V.Status.OVERRIDE)
    s = shield_of(tenant)
    assert s.state == "green"
    assert "verified another way" in s.detail


def test_it_shows_amber_while_pending_and_red_after_a_denial(tenant) -> None:
    VerificationFactory(tenant=tenant, created=timezone.now() - timedelta(minutes=3))
    VerificationFactory(
        tenant=tenant,
        method=V.Method.LINK,
        status=V.Status.PENDING,
        completed_at=None,
        expires_at=timezone.now() + timedelta(minutes=5),
    )
    assert shield_of(tenant).state == "amber"
    Verification.objects.filter(status=V.Status.PENDING).update(status=V.Status.DENIED)
    assert shield_of(tenant).state == "red"


def test_it_ignores_expired_pending_attempts(tenant) -> None:
    VerificationFactory(
        tenant=tenant,
        status=V.Status.PENDING,
        completed_at=None,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    assert shield_of(tenant).state == "grey"


def test_it_keeps_history_to_the_last_twenty_of_this_contact(tenant) -> None:
    for i in range(25):
        VerificationFactory(tenant=tenant, created=timezone.now() - timedelta(minutes=i))
    VerificationFactory(tenant=tenant, halo_user_id=999)
    VerificationFactory(halo_user_id=201)  # another tenant's contact with the same id
    events = shield.history(tenant, 201)
    assert len(events) == 20
    assert all(e.tenant_id == tenant.pk and e.halo_user_id == 201 for e in events)
    assert events[0].created > events[-1].created


@responses.activate
def test_it_gives_the_sms_provider_e164_and_stores_the_mask(
    tenant, contact, settings, monkeypatch
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC1")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "twilio-token")
    monkeypatch.setenv("TWILIO_FROM", "+15005550006")
    settings.SMS_BACKEND = "tickettab.sms.TwilioBackend"
    sms._backend_for.cache_clear()
    responses.post(TWILIO, json={"sid": "SM1"}, status=201)
    try:
        v = verification.send(tenant, contact, 1001, agent(tenant.pk), V.Method.SMS)
    finally:
        sms._backend_for.cache_clear()
    assert contact.mobile == "+61 491 570 156"  # as stored in Halo
    assert "To=%2B61491570156" in responses.calls[0].request.body
    assert v.destination == "+61 ••• ••• 156"


@pytest.mark.parametrize(
    ("mobile", "message"),
    [
        ("020 7946 0201", "is a landline"),
        ("call reception", "cannot be read"),
        ("07700 900201", "not a valid phone number"),
        ("07400\x00123456", "cannot be read"),
    ],
)
@responses.activate
def test_it_refuses_a_number_it_cannot_text_and_writes_nothing(
    tenant, contact, settings, mobile, message
) -> None:
    settings.SMS_BACKEND = "tickettab.sms.TwilioBackend"
    bad = contact.__class__(**{**contact.__dict__, "mobile": mobile})
    with pytest.raises(verification.VerificationError, match=message) as e:
        verification.send(tenant, bad, 1001, agent(tenant.pk), V.Method.SMS)
    assert "Mobile field of the user in Halo" in e.value.message
    assert not Verification.objects.exists()
    assert not responses.calls


def test_it_reads_the_contacts_number_in_the_workspaces_country(tenant, contact) -> None:
    national = contact.__class__(**{**contact.__dict__, "mobile": "0491 570 156", "region": "AU"})
    v = verification.send(tenant, national, 1001, agent(tenant.pk), V.Method.SMS)
    assert v.destination == "+61 ••• ••• 156"
