from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from integrations.sandbox import services as sandbox
from tests.factories import TenantFactory
from tests.tickettab.conftest import agent
from tickettab import outbox, verification
from tickettab.models import Note, Verification

live = pytest.mark.django_db(transaction=True)


def override(tenant, contact) -> Note:
    v = verification.record_override(
        tenant, contact, 1001, agent(tenant.pk), "Called back on the documented number"
    )
    return Note.objects.get(verification=v)


def make_due(note: Note) -> None:
    Note.objects.filter(pk=note.pk).update(next_attempt_at=timezone.now())


@live
def test_it_posts_the_note_after_commit(live_halo, contact) -> None:
    tenant = TenantFactory()
    live_halo.connect(tenant)
    note = override(tenant, contact)  # on_commit runs: no surrounding transaction here
    note.refresh_from_db()
    assert note.status == Note.Status.SENT
    posted = sandbox.posted_actions(1001)
    assert len(posted) == 1
    assert str(note.marker) in posted[0]["note"]
    assert posted[0]["hiddenfromuser"] is True
    assert posted[0]["outcome"] == "MSP Process"
    assert note.halo_action_id == posted[0]["id"]


@live
def test_it_posts_in_the_background_after_commit(live_halo, contact, settings, monkeypatch):
    settings.OUTBOX_SEND_INLINE = False
    futures = []
    real_submit = outbox._sender.submit
    monkeypatch.setattr(
        outbox._sender, "submit", lambda *a: futures.append(real_submit(*a)) or futures[-1]
    )
    tenant = TenantFactory()
    live_halo.connect(tenant)
    note = override(tenant, contact)
    assert len(futures) == 1  # queued by on_commit, not sent in the request
    assert futures[0].result(timeout=20) == "sent"
    note.refresh_from_db()
    assert note.status == Note.Status.SENT
    assert len([a for a in sandbox.posted_actions(1001) if str(note.marker) in a["note"]]) == 1


@live
def test_it_retries_a_failing_halo_and_posts_exactly_once(live_halo, contact) -> None:
    tenant = TenantFactory()
    live_halo.connect(tenant)
    sandbox.set_faults(status=500, status_count=None, scope="api")
    note = override(tenant, contact)
    note.refresh_from_db()
    assert note.status == Note.Status.PENDING
    assert note.attempts == 1
    assert note.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert note.last_error

    make_due(note)
    assert outbox.deliver(note.pk) == "retry"
    note.refresh_from_db()
    assert note.attempts == 2

    sandbox.clear_faults()
    make_due(note)
    call_command("deliver_outbox", "--once")
    call_command("deliver_outbox", "--once")  # nothing left: no second post
    note.refresh_from_db()
    assert note.status == Note.Status.SENT
    assert len([a for a in sandbox.posted_actions(1001) if str(note.marker) in a["note"]]) == 1


@live
def test_it_finds_a_note_that_reached_halo_before_a_timeout(live_halo, contact) -> None:
    tenant = TenantFactory()
    conn = live_halo.connect(tenant)
    sandbox.set_faults(status=503, status_count=None, scope="api")
    note = override(tenant, contact)
    sandbox.clear_faults()
    # As if the POST had reached Halo and only the reply was lost.
    from integrations.halo.client import HaloClient

    with HaloClient(conn.credentials()) as client:
        action = client.add_private_note(1001, note.text, note.outcome)
    make_due(note)
    assert outbox.deliver(note.pk) == "sent"
    note.refresh_from_db()
    assert note.halo_action_id == action["id"]
    assert len([a for a in sandbox.posted_actions(1001) if str(note.marker) in a["note"]]) == 1


@live
def test_it_gives_up_on_a_ticket_that_no_longer_exists(live_halo, contact) -> None:
    tenant = TenantFactory()
    live_halo.connect(tenant)
    v = verification.record_override(
        tenant, contact, 999999, agent(tenant.pk), "Called back on the documented number"
    )
    note = Note.objects.get(verification=v)
    assert note.status == Note.Status.FAILED
    assert "no longer exists" in note.last_error
    # The verification itself stands, whatever Halo says.
    assert Verification.objects.get(pk=v.pk).status == Verification.Status.OVERRIDE


@live
def test_it_keeps_the_note_when_the_sign_in_endpoint_is_missing(live_halo, contact) -> None:
    from integrations.models import HaloConnection

    tenant = TenantFactory()
    conn = live_halo.connect(tenant)
    # A wrong Authorisation Server answers 404: the customer's to fix, not "ticket gone".
    HaloConnection.objects.filter(pk=conn.pk).update(auth_server=live_halo.url + "/nowhere")
    note = override(tenant, contact)
    note.refresh_from_db()
    assert note.status == Note.Status.PENDING
    assert "sign-in" in note.last_error


@pytest.mark.django_db
def test_it_keeps_the_note_when_the_tenant_has_no_connection(contact) -> None:
    tenant = TenantFactory()
    note = override(tenant, contact)
    assert outbox.deliver(note.pk) == "retry"
    note.refresh_from_db()
    assert note.status == Note.Status.PENDING
    assert "no Halo connection" in note.last_error


@pytest.mark.django_db
def test_it_skips_a_note_another_worker_holds(contact) -> None:
    tenant = TenantFactory()
    note = override(tenant, contact)
    Note.objects.filter(pk=note.pk).update(claimed_until=timezone.now() + timedelta(minutes=1))
    assert outbox.deliver(note.pk) == "skipped"


def test_it_backs_off_exponentially_up_to_a_day() -> None:
    assert outbox.backoff(1) == timedelta(seconds=30)
    assert outbox.backoff(2) == timedelta(seconds=60)
    assert outbox.backoff(5) == timedelta(minutes=8)
    assert outbox.backoff(30) == timedelta(hours=24)


@pytest.mark.django_db
def test_it_reports_what_is_pending(contact, capsys) -> None:
    tenant = TenantFactory()
    note = override(tenant, contact)
    Note.objects.filter(pk=note.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    call_command("deliver_outbox", "--once")
    out = capsys.readouterr().out
    assert "nothing was due" in out
    assert "1 note(s) pending" in out
