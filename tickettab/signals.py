"""What the tab tells the layers above it (registered in their AppConfig.ready).

`verification_finished` is sent once per attempt that reached its outcome (verified,
override, denied, locked, expired, a reverse check sent), after the transaction that
recorded it commits: a listener sees only what is stored, and a slow listener never
holds the row's lock. Alerts on impersonation attempts listen here.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from tickettab import outbox
from tickettab.models import Verification

# Sent with sender=Verification and verification=<the Verification>.
verification_finished = Signal()


def finished(v: Verification) -> None:
    """Record the outcome's consequences: its ticket note (when it has one) queued in
    this transaction, and the signal once the transaction commits."""
    outbox.enqueue_note(v)
    transaction.on_commit(lambda: verification_finished.send(sender=Verification, verification=v))
