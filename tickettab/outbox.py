"""The notes outbox: every verification reaches its Halo ticket exactly once.

The note row is written in the verification's transaction and posted after
commit. When Halo is down, `manage.py deliver_outbox` retries with exponential
back-off. A POST that timed out may still have reached Halo, so before posting
again we look for the note's marker among the ticket's actions.

Notes spend from the Halo instance's budget like every call (halo/budget.py). A
note that meets HaloBusy (our share is spent, or Halo said 429) has not failed:
it waits until the budget's `retry_at`, its attempts unchanged, and the worker
drains the outbox as room appears.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from integrations.halo.client import HaloClient
from integrations.halo.errors import BadResponse, HaloBusy, HaloError, NotFound, Unavailable
from integrations.models import HaloConnection
from tickettab import notes
from tickettab.models import Note, Verification, VerificationSettings

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=24)
# Far longer than one attempt can take (timeouts, capped replies), so two workers
# never post the same note; a worker that died loses its lease after this.
LEASE = timedelta(minutes=10)
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
    finally:
        # Each thread has its own database connection; don't leave it open.
        connections.close_all()


def backoff(attempts: int) -> timedelta:
    return min(MAX_RETRY, FIRST_RETRY * (2 ** max(attempts - 1, 0)))


def _claim(note_id: int) -> Note | None:
    """Take the lease on a due note, or None when another worker has it or it is done."""
    now = timezone.now()
    claimed = Note.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=note_id,
        status=Note.Status.PENDING,
    ).update(claimed_until=now + LEASE)
    if not claimed:
        return None
    return Note.objects.select_related("tenant").get(pk=note_id)


def deliver(note_id: int) -> str:
    """Try to post one note; returns "sent", "retry", "waiting" (for room in Halo's
    API limit), "failed" or "skipped". Never raises."""
    note = _claim(note_id)
    if note is None:
        return "skipped"
    conn = HaloConnection.objects.filter(tenant_id=note.tenant_id).first()
    if conn is None or not conn.has_credentials:
        return _retry(note, "The workspace has no Halo connection.", maybe_posted=False)
    try:
        with HaloClient(conn.credentials(), retries=0) as client:
            # Sign in first: a refused or missing token endpoint is for the customer
            # to fix, and must never pass for "the ticket is gone" below.
            client.token()
            try:
                action_id = _find_marker(client, note) if note.maybe_posted else None
                if action_id is None:
                    action_id = _post(client, note)
            except NotFound:
                if _ticket_gone(client, note.ticket_id):
                    return _give_up(note, "The ticket no longer exists in Halo.")
                raise
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

    Note.objects.filter(pk=note.pk, claimed_until=note.claimed_until).update(
        status=Note.Status.SENT,
        halo_action_id=action_id,
        sent_at=timezone.now(),
        claimed_until=None,
        maybe_posted=False,
        last_error="",
        attempts=note.attempts + 1,
    )
    logger.info(
        "outbox: note %s sent to ticket %s as action %s", note.pk, note.ticket_id, action_id
    )
    return "sent"


def _post(client: HaloClient, note: Note) -> int:
    # Mark first: if the process dies mid-POST, the next attempt checks the marker.
    Note.objects.filter(pk=note.pk).update(maybe_posted=True)
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
    Note.objects.filter(pk=note.pk).update(
        attempts=attempts,
        next_attempt_at=timezone.now() + backoff(attempts),
        claimed_until=None,
        maybe_posted=maybe_posted,
        last_error=error[:300],
    )
    logger.warning("outbox: note %s not sent (attempt %s): %s", note.pk, attempts, error)
    return "retry"


def _wait_for_room(note: Note, busy: HaloBusy) -> str:
    """Not an attempt: the note goes again when the budget has room, as often as it takes."""
    Note.objects.filter(pk=note.pk).update(
        next_attempt_at=_when(busy.retry_at),
        claimed_until=None,
        maybe_posted=note.maybe_posted,  # _post may have set it before the refusal
        last_error=f"{WAITING_FOR_ROOM} {busy.message}"[:300],
    )
    logger.info("outbox: note %s waits for room in Halo's API limit (%s)", note.pk, busy.reason)
    return "waiting"


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _give_up(note: Note, error: str) -> str:
    Note.objects.filter(pk=note.pk).update(
        status=Note.Status.FAILED,
        attempts=note.attempts + 1,
        claimed_until=None,
        last_error=error[:300],
    )
    logger.warning("outbox: note %s failed for good: %s", note.pk, error)
    return "failed"


def due_notes(limit: int = 100) -> list[tuple[int, int]]:
    """(note id, tenant id) of the notes due now, the longest waiting first."""
    return list(
        Note.objects.filter(status=Note.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", "tenant_id")[:limit]
    )


def deliver_due(limit: int = 100) -> dict[str, int]:
    """One pass of the worker: send what is due, within each Halo instance's budget.

    Once a tenant's note meets a full budget, its other due notes would only meet
    it too: they wait with it, without a Halo call or a claim each.
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
