"""What every long-lived worker command shares (deliver_outbox, deliver_alerts): how
long to wait after failed passes, how to recover from a lost database, and how a
pass's counts are said."""

from __future__ import annotations

import contextlib

from django.db import DatabaseError, InterfaceError, OperationalError, connections

FIRST_PAUSE = 1.0
MAX_PAUSE = 30.0
# A lost connection (PostgreSQL restarted, a failover, a network blip): wait and retry.
DATABASE_ERRORS = (OperationalError, InterfaceError)


def pause_after(failures: int) -> float:
    """Seconds to wait after `failures` failed passes in a row: bounded doubling."""
    return min(MAX_PAUSE, FIRST_PAUSE * 2 ** max(failures - 1, 0))


def drop_connections() -> None:
    """Close every database connection so the next query opens a fresh one; a
    connection to a server that restarted is dead even once the server is back."""
    for conn in connections.all(initialized_only=True):
        # A broken one may complain while closing: closing is all we wanted.
        with contextlib.suppress(DatabaseError):
            conn.close()


def summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
