"""The notes outbox: every verification reaches its Halo ticket exactly once.

The note row is written in the verification's transaction and posted after
commit. When Halo is down, `manage.py deliver_outbox` retries with exponential
back-off. A POST that timed out may still have reached Halo, so before posting
again we look for the note's marker among the ticket's actions.

Notes spend from the Halo instance's budget like every call (halo/budget.py). A
note that meets HaloBusy (our share is spent, or Halo said 429) has not failed:
it waits until the budget's `retry_at`, its attempts unchanged, and the worker
drains the outbox as room appears.

Leases: a sender holds a note for as long as one step of the send can take by the
Halo client's own limits (see `lease()`), and renews the lease before each step, so
a sender that died frees its note within one step's bound rather than the whole
send's. Every write of an outcome is conditional on still holding the lease, and a
note taken over from a sender whose lease ran out is logged, as is a send that lost
its lease: no dropped send goes unrecorded, and none posts twice (the marker check).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from integrations import netsafe
from integrations.halo import tokens
from integrations.halo.client import HaloClient
from integrations.halo.errors import BadResponse, HaloBusy, HaloError, NotFound, Unavailable
from integrations.models import HaloConnection
from tickettab import notes
from tickettab.models import Note, Verification, VerificationSettings

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=24)
# Sends make single attempts: the worker's back-off is the retry, and a POST is
# never repeated by the client anyway.
SEND_RETRIES = 0
# The most HTTP requests one step of a send (one client call) can make: the call, a
# new token after a 401, and the call again.
REQUESTS_PER_STEP = 3
# Database writes around the step, and clock skew between the workers' hosts
# (each compares its own clock with claimed_until).
LEASE_MARGIN = timedelta(seconds=15)
# Posts notes after the response: a slow or hanging Halo must not hold up the
# technician (a read can take up to the client's timeout). A note whose thread dies
# with its process is still pending; its lease expires and deliver_outbox sends it.
_sender = ThreadPoolExecutor(max_workers=2, thread_name_prefix="outbox")
# How a waiting note's last_error starts; the outbox page reads it to say the note
# waits for room rather than that it failed.
WAITING_FOR_ROOM = "Waiting for room in Halo's API limit."
NOTED_STATUSES = (
    Verification.Status.VERIFIED,
    Verification.Status.OVERRIDE,
    Verification.Status.DENIED,
    Verification.Status.LOCKED,
    Verification.Status.SENT,  # the reverse check's word
)


def enqueue_note(v: Verification) -> Note | None:
    """Queue the ticket note for a finished verification (call inside its transaction)."""
    if v.status not in NOTED_STATUSES:
        return None
    prefs = VerificationSettings.for_tenant(v.tenant)
    note = Note(tenant_id=v.tenant_id, verification=v, ticket_id=v.ticket_id)
    note.outcome = prefs.note_outcome
    note.text = notes.note_text(v, note.marker)
    note.save()
    transaction.on_commit(lambda: send_soon(note.pk))
    return note


def send_soon(note_id: int) -> Future | None:
    """Post the note in the background (inline when OUTBOX_SEND_INLINE, for tests)."""
    if getattr(settings, "OUTBOX_SEND_INLINE", False):
        deliver(note_id)
        return None
    return _sender.submit(_deliver_in_thread, note_id)


def _deliver_in_thread(note_id: int) -> str:
    try:
        return deliver(note_id)
    except Exception:
        # Nobody reads this future's result: say here that the send was dropped.
        logger.exception(
            "outbox: note %s was not sent after the request; deliver_outbox will send it",
            note_id,
        )
        return "dropped"
    finally:
        # Each thread has its own database connection; don't leave it open.
        connections.close_all()


def request_seconds() -> float:
    """The longest one request to Halo can take, by the limits the client applies:
    connect, wait for the headers, read the body until its total deadline, and the
    chunk read that was under way when the deadline passed."""
    return (
        netsafe.CONNECT_TIMEOUT
        + netsafe.READ_TIMEOUT
        + netsafe.TOTAL_READ_SECONDS
        + netsafe.READ_TIMEOUT
    )


def lease() -> timedelta:
    """How long a sender holds a note: one step of the send at its slowest.

    Long enough that a live sender is never overtaken mid-POST (another would then
    post too: the marker is only found once Halo has stored the first); short
    enough that a dead sender's note goes again within minutes. Read from the
    client's limits each time, so a change there changes the lease.
    """
    step = REQUESTS_PER_STEP * request_seconds() + tokens.wait_seconds()
    return timedelta(seconds=step) + LEASE_MARGIN


class LeaseLost(Exception):
    """Another sender took the note over: this one must not call Halo or write."""


def backoff(attempts: int) -> timedelta:
    return min(MAX_RETRY, FIRST_RETRY * (2 ** max(attempts - 1, 0)))


def _claim(note_id: int) -> Note | None:
    """Take the lease on a due note, or None when another worker has it or it is done."""
    now = timezone.now()
    row = Note.objects.filter(pk=note_id, status=Note.Status.PENDING).values("claimed_until")
    current = row.first()
    if current is None:
        return None
    held_until = current["claimed_until"]
    if held_until is not None and held_until >= now:
        return None
    # Compare-and-set on the lease we saw: of two workers, exactly one wins.
    claimed = Note.objects.filter(
        pk=note_id, status=Note.Status.PENDING, claimed_until=held_until
    ).update(claimed_until=now + lease())
    if not claimed:
        return None
    note = Note.objects.select_related("tenant").get(pk=note_id)
    if held_until is not None:
        logger.warning(
            "outbox: note %s taken over: its previous sender's lease ran out at %s "
            "without an outcome (the sender died or hung); %s",
            note.pk,
            f"{held_until:%Y-%m-%d %H:%M:%S} UTC",
            "checking Halo for it before posting" if note.maybe_posted else "it was not posted",
        )
    return note


def _hold(note: Note, **changes: object) -> None:
    """Renew the lease before a step (with `changes`), or raise LeaseLost."""
    until = timezone.now() + lease()
    held = Note.objects.filter(
        pk=note.pk, status=Note.Status.PENDING, claimed_until=note.claimed_until
    ).update(claimed_until=until, **changes)
    if not held:
        raise LeaseLost
    note.claimed_until = until


def _finish(note: Note, outcome: str, **changes: object) -> bool:
    """Write the outcome and end the lease, only while still holding it."""
    done = Note.objects.filter(pk=note.pk, claimed_until=note.claimed_until).update(
        claimed_until=None, **changes
    )
    if not done:
        _log_dropped(note, f"before recording its outcome ({outcome})")
    return bool(done)


def _log_dropped(note: Note, when: str) -> None:
    logger.warning(
        "outbox: note %s: this send lost its lease %s; another sender has the note "
        "and checks Halo for it before posting",
        note.pk,
        when,
    )


def deliver(note_id: int) -> str:
    """Try to post one note; returns "sent", "retry", "waiting" (for room in Halo's
    API limit), "failed", "skipped" or "dropped" (the lease was lost mid-send).

    Halo's errors never raise; a database error does (the worker backs off and
    reconnects), and leaves the note to its lease."""
    note = _claim(note_id)
    if note is None:
        return "skipped"
    conn = HaloConnection.objects.filter(tenant_id=note.tenant_id).first()
    if conn is None or not conn.has_credentials:
        return _retry(note, "The workspace has no Halo connection.", maybe_posted=False)
    try:
        with HaloClient(conn.credentials(), retries=SEND_RETRIES) as client:
            # Sign in first: a refused or missing token endpoint is for the customer
            # to fix, and must never pass for "the ticket is gone" below.
            client.token()
            try:
                action_id = None
                if note.maybe_posted:
                    _hold(note)
                    action_id = _find_marker(client, note)
                if action_id is None:
                    action_id = _post(client, note)
            except NotFound:
                _hold(note)
                if _ticket_gone(client, note.ticket_id):
                    return _give_up(note, "The ticket no longer exists in Halo.")
                raise
    except LeaseLost:
        _log_dropped(note, "before calling Halo again")
        return "dropped"
    except HaloBusy as e:
        # Before Unavailable/HaloError: Halo was not called (or answered 429 and did
        # nothing), so whether the note may be on the ticket is what it was before.
        return _wait_for_room(note, e)
    except (Unavailable, BadResponse) as e:
        # No clear answer: Halo may have stored the note. Check before posting again.
        return _retry(note, str(e), maybe_posted=True)
    except HaloError as e:
        return _retry(note, str(e), maybe_posted=note.maybe_posted)
    except Exception:
        logger.exception("outbox: note %s failed unexpectedly", note.pk)
        return _retry(note, "Unexpected error while sending.", maybe_posted=True)

    if not _finish(
        note,
        "sent",
        status=Note.Status.SENT,
        halo_action_id=action_id,
        sent_at=timezone.now(),
        maybe_posted=False,
        last_error="",
        attempts=note.attempts + 1,
    ):
        return "dropped"
    logger.info(
        "outbox: note %s sent to ticket %s as action %s", note.pk, note.ticket_id, action_id
    )
    return "sent"


def _post(client: HaloClient, note: Note) -> int:
    # Mark first: if the process dies mid-POST, the next attempt checks the marker.
    # The same write renews the lease for the POST, the step that must not overlap.
    _hold(note, maybe_posted=True)
    action = client.add_private_note(note.ticket_id, note.text, note.outcome)
    return int(action["id"])


def _ticket_gone(client: HaloClient, ticket_id: int) -> bool:
    """Whether a 404 meant the ticket, not a wrong address: Halo still knows us."""
    try:
        client.ticket(ticket_id)
    except NotFound:
        try:
            client.me()
        except HaloError:
            return False
        return True
    except HaloError:
        return False
    return False


def _find_marker(client: HaloClient, note: Note) -> int | None:
    marker = str(note.marker)
    for action in client.actions(note.ticket_id, count=100):
        if marker in str(action.get("note") or ""):
            logger.info("outbox: note %s was already on ticket %s", note.pk, note.ticket_id)
            return int(action["id"])
    return None


def _retry(note: Note, error: str, *, maybe_posted: bool) -> str:
    attempts = note.attempts + 1
    if not _finish(
        note,
        "retry",
        attempts=attempts,
        next_attempt_at=timezone.now() + backoff(attempts),
        maybe_posted=maybe_posted,
        last_error=error[:300],
    ):
        return "dropped"
    logger.warning("outbox: note %s not sent (attempt %s): %s", note.pk, attempts, error)
    return "retry"


def _wait_for_room(note: Note, busy: HaloBusy) -> str:
    """Not an attempt: the note goes again when the budget has room, as often as it takes."""
    if not _finish(
        note,
        "waiting",
        next_attempt_at=_when(busy.retry_at),
        maybe_posted=note.maybe_posted,  # _post may have set it before the refusal
        last_error=f"{WAITING_FOR_ROOM} {busy.message}"[:300],
    ):
        return "dropped"
    logger.info("outbox: note %s waits for room in Halo's API limit (%s)", note.pk, busy.reason)
    return "waiting"


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _give_up(note: Note, error: str) -> str:
    if not _finish(
        note,
        "failed",
        status=Note.Status.FAILED,
        attempts=note.attempts + 1,
        last_error=error[:300],
    ):
        return "dropped"
    logger.warning("outbox: note %s failed for good: %s", note.pk, error)
    return "failed"


def next_attempt() -> Combinable:
    """When a pending note really goes next: its next_attempt_at, or the end of the
    lease of the sender holding it, whichever is later (a database expression)."""
    return Greatest(F("next_attempt_at"), Coalesce(F("claimed_until"), F("next_attempt_at")))


def shown_next_attempt(when: datetime | None, now: datetime | None = None) -> datetime | None:
    """`when` for display, or None for "now": a past time is due at the next pass."""
    if when is None or when <= (now or timezone.now()):
        return None
    return when


def due_notes(limit: int = 100) -> list[tuple[int, int]]:
    """(note id, tenant id) of the notes due now, the longest waiting first; notes a
    live sender holds are not due (their lease says when they may be)."""
    now = timezone.now()
    return list(
        Note.objects.filter(status=Note.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", "tenant_id")[:limit]
    )


def deliver_due(limit: int = 100, progress: Callable[[], None] | None = None) -> dict[str, int]:
    """One pass of the worker: send what is due, within each Halo instance's budget.

    Once a tenant's note meets a full budget, its other due notes would only meet
    it too: they wait with it, without a Halo call or a claim each. `progress` is
    called after each note (the worker's heartbeat during a long pass).
    """
    counts: dict[str, int] = {}
    busy: dict[int, list[int]] = {}  # tenant -> its notes left for when there is room
    for note_id, tenant_id in due_notes(limit):
        if tenant_id in busy:
            busy[tenant_id].append(note_id)
            outcome = "waiting"
        else:
            outcome = deliver(note_id)
            if outcome == "waiting":
                busy[tenant_id] = [note_id]
        counts[outcome] = counts.get(outcome, 0) + 1
        if progress is not None:
            progress()
    for first, *rest in busy.values():
        _wait_with(first, rest)
    return counts


def _wait_with(first: int, rest: list[int]) -> None:
    """Give notes the next attempt and reason of the note that met the full budget."""
    waited = Note.objects.filter(pk=first).values("next_attempt_at", "last_error").first()
    if waited is None or not rest:
        return
    Note.objects.filter(pk__in=rest, status=Note.Status.PENDING, claimed_until__isnull=True).update(
        next_attempt_at=waited["next_attempt_at"], last_error=waited["last_error"]
    )
