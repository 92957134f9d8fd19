"""Notes within the Halo instance's budget: a note that meets a full budget waits
(not a failed attempt), the worker drains the outbox as room appears, and every
note reaches its ticket exactly once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from integrations.halo import budget, meter
from integrations.halo.client import HaloClient
from integrations.models import HaloConnection
from integrations.sandbox import services as sandbox
from tests.factories import AdminMembershipFactory
from tests.tickettab.conftest import agent
from tickettab import outbox, verification
from tickettab.models import Note

live = pytest.mark.django_db(transaction=True)
SHARE = 3


class Clock:
    """The budget's clock, moved by the test instead of waiting 5 minutes."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(budget, "now", fake)
    return fake


@pytest.fixture
def conn(live_halo) -> HaloConnection:
    m = AdminMembershipFactory()
    conn = live_halo.connect(m.tenant)
    conn.call_share = SHARE
    conn.save(update_fields=["call_share"])
    conn.admin = m.user
    return conn


def override(conn: HaloConnection, contact, ticket_id: int = 1001) -> Note:
    v = verification.record_override(
        conn.tenant, contact, ticket_id, agent(conn.tenant_id), "Called back on the number"
    )
    return Note.objects.get(verification=v)


def posted_markers() -> Counter[str]:
    return Counter(
        str(n.marker)
        for n in Note.objects.all()
        for a in sandbox.posted_actions(1001)
        if str(n.marker) in a["note"]
    )


def make_all_due() -> None:
    Note.objects.filter(status=Note.Status.PENDING).update(next_attempt_at=timezone.now())


@live
def test_it_waits_for_room_without_counting_a_failed_attempt(conn, contact, clock) -> None:
    first = override(conn, contact)  # a token and the POST
    second = override(conn, contact)  # the POST: the share is spent
    third = override(conn, contact)
    assert Note.objects.get(pk=first.pk).status == Note.Status.SENT
    assert Note.objects.get(pk=second.pk).status == Note.Status.SENT
    third.refresh_from_db()
    assert third.status == Note.Status.PENDING
    assert third.attempts == 0  # waiting is not failing
    assert third.last_error.startswith(outbox.WAITING_FOR_ROOM)
    assert "Halo is busy" in third.last_error
    # Its next attempt is when the budget has room: the first calls leave the window.
    room = timezone.now() + timedelta(seconds=290)
    assert room <= third.next_attempt_at <= room + timedelta(seconds=30)
    assert not third.maybe_posted
    assert len(sandbox.posted_actions(1001)) == 2


@live
def test_it_drains_the_outbox_within_the_budget_and_posts_each_note_once(
    conn, contact, clock
) -> None:
    notes = [override(conn, contact) for _ in range(10)]
    sent_at_first = Note.objects.filter(status=Note.Status.SENT).count()
    assert sent_at_first == SHARE - 1  # one of the calls was the token
    passes = 0
    while Note.objects.filter(status=Note.Status.PENDING).exists():
        passes += 1
        assert passes <= 6, "the outbox did not drain"
        clock.now += 310  # the window has rolled: room for SHARE more calls
        make_all_due()
        before = sum(sandbox.request_counts().values())
        counts = outbox.deliver_due()
        made = sum(sandbox.request_counts().values()) - before
        assert made <= SHARE  # never over our share in any window
        assert counts.get("sent", 0) >= 1
        assert counts.get("retry", 0) == counts.get("failed", 0) == 0
    assert passes == 3  # 2 at first, then 3 per window (the token is still good)
    assert posted_markers() == Counter({str(n.marker): 1 for n in notes})
    assert set(Note.objects.values_list("attempts", flat=True)) == {1}
    # Nothing left: another pass posts nothing twice.
    clock.now += 310
    assert outbox.deliver_due() == {}
    assert len(sandbox.posted_actions(1001)) == 10


@live
def test_it_lets_a_tenants_other_due_notes_wait_with_the_first(conn, contact, clock) -> None:
    for _ in range(2 + 4):
        override(conn, contact)  # 2 sent, 4 waiting
    make_all_due()
    before = sum(sandbox.request_counts().values())
    counts = outbox.deliver_due()
    assert counts == {"waiting": 4}
    assert sum(sandbox.request_counts().values()) == before  # no Halo call at all
    waiting = Note.objects.filter(status=Note.Status.PENDING)
    assert {n.next_attempt_at > timezone.now() for n in waiting} == {True}
    assert {n.attempts for n in waiting} == {0}


@live
def test_it_still_checks_for_the_marker_after_waiting(conn, contact, clock) -> None:
    # A POST whose answer was lost (it reached Halo), then a full budget.
    sandbox.set_faults(status=503, status_count=None, scope="api")
    note = override(conn, contact)
    sandbox.clear_faults()
    note.refresh_from_db()
    assert note.maybe_posted
    with HaloClient(conn.credentials()) as client:
        action = client.add_private_note(1001, note.text, note.outcome)  # fills the share
    make_all_due()
    assert outbox.deliver(note.pk) == "waiting"
    note.refresh_from_db()
    assert note.maybe_posted  # still to be checked before any new POST
    assert note.attempts == 1  # the 503 counted, the wait did not

    clock.now += 310
    make_all_due()
    assert outbox.deliver(note.pk) == "sent"
    note.refresh_from_db()
    assert note.halo_action_id == action["id"]
    assert [a for a in sandbox.posted_actions(1001) if str(note.marker) in a["note"]] == [action]


@live
def test_it_waits_after_halos_429_and_every_process_holds_off(conn, contact, clock) -> None:
    conn.call_share = 100
    conn.save(update_fields=["call_share"])
    sandbox.set_faults(status=429, status_count=1, scope="api")
    note = override(conn, contact)
    note.refresh_from_db()
    assert (note.status, note.attempts) == (Note.Status.PENDING, 0)
    assert "API limit was reached" in note.last_error
    refusal = meter.budget_for(conn.credentials()).spend()
    assert refusal is not None and refusal.reason == "backoff"
    posts = sandbox.request_counts().get("POST Actions", 0)
    make_all_due()
    assert outbox.deliver(note.pk) == "waiting"  # still held off: Halo not asked
    assert sandbox.request_counts().get("POST Actions", 0) == posts
    clock.now += 6  # past the 5 s back-off
    make_all_due()
    assert outbox.deliver(note.pk) == "sent"
    assert len([a for a in sandbox.posted_actions(1001) if str(note.marker) in a["note"]]) == 1


@live
def test_it_tells_the_worker_and_the_admin_that_notes_wait_for_room(
    conn, contact, clock, client, capsys
) -> None:
    for _ in range(SHARE):
        override(conn, contact)
    call_command("deliver_outbox", "--once")
    out = capsys.readouterr().out
    assert "1 note(s) pending" in out
    assert "1 of them waiting for room in Halo's API limit." in out

    client.force_login(conn.admin)
    body = client.get(f"/t/{conn.tenant.slug}/verifications/").content.decode()
    assert "Waiting for room in Halo&#x27;s API limit" in body
    assert "Gave up</span>" not in body
    assert '<strong id="outbox-failed">0</strong>' in body
