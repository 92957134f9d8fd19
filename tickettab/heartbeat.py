"""The outbox worker's heartbeat: when it last ran, and whether that is too long ago.

Written to two places on purpose, because each survives the other's outage:

- the cache (Redis), shared by every process: still writable while PostgreSQL is
  down, so /healthz can say "the worker runs, the database is unavailable";
- a one-row table (WorkerHeartbeat): outlives a Redis restart, flush or eviction
  (Redis only holds caches here), which would otherwise make a healthy worker look
  as if it never ran.

Reading takes the newer of the two. Every write and read is best-effort: a heartbeat
must never stop the worker, nor turn /healthz into an error.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tickettab.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

NAME = "deliver_outbox"
CACHE_KEY = "outbox:worker:heartbeat"
# Late when silent for this long, or for three of its own intervals if those are longer.
LATE_AFTER = timedelta(minutes=5)

_cache_failing = False  # one warning per cache outage, not one per pass


@dataclass(frozen=True)
class Beat:
    last_ran: datetime
    outcome: str
    interval: float


def record(outcome: str, interval: float) -> None:
    """Say the worker is alive now; `outcome` is a short, public category."""
    beat = Beat(timezone.now(), outcome[:100], interval)
    _write_cache(beat)
    _write_row(beat)


def _write_cache(beat: Beat) -> None:
    global _cache_failing
    value = {
        "last_ran": beat.last_ran.isoformat(),
        "outcome": beat.outcome,
        "interval": beat.interval,
    }
    try:
        cache.set(CACHE_KEY, value, None)  # no expiry: an old beat IS the signal
    except Exception:
        if not _cache_failing:
            logger.warning(
                "outbox worker: the cache is not answering; heartbeat kept in the database only"
            )
        _cache_failing = True
        return
    _cache_failing = False


def _write_row(beat: Beat) -> None:
    # The database down: the worker logs that itself, and the cache has the beat.
    with contextlib.suppress(DatabaseError):
        WorkerHeartbeat.objects.update_or_create(
            name=NAME,
            defaults={
                "last_ran": beat.last_ran,
                "outcome": beat.outcome,
                "interval": beat.interval,
            },
        )


def latest(*, use_cache: bool = True, use_database: bool = True) -> Beat | None:
    """The newest heartbeat from the places asked (skip one known to be down)."""
    found = (_read_cache() if use_cache else None, _read_row() if use_database else None)
    beats = [b for b in found if b is not None]
    return max(beats, key=lambda b: b.last_ran, default=None)


def _read_cache() -> Beat | None:
    try:
        value: Any = cache.get(CACHE_KEY)
        when = parse_datetime(value["last_ran"])
        return Beat(when, str(value["outcome"]), float(value["interval"])) if when else None
    except Exception:
        return None  # missing, malformed or the cache is down: the row may still answer


def _read_row() -> Beat | None:
    try:
        row = WorkerHeartbeat.objects.filter(name=NAME).first()
    except DatabaseError:
        return None
    return Beat(row.last_ran, row.outcome, row.interval) if row else None


def late_after(interval: float) -> timedelta:
    configured = getattr(settings, "OUTBOX_WORKER_LATE_SECONDS", None)
    base = timedelta(seconds=configured) if configured is not None else LATE_AFTER
    return max(base, timedelta(seconds=3 * interval))


def report(beat: Beat | None, now: datetime | None = None) -> dict[str, Any]:
    """What /healthz shows: when it last ran, how it went, and whether that is late."""
    if beat is None:
        # Never ran (or both records are gone): nothing is delivering the outbox.
        return {"last_ran": None, "minutes_ago": None, "last_pass": None, "late": True}
    age = (now or timezone.now()) - beat.last_ran
    return {
        "last_ran": beat.last_ran.isoformat(),
        "minutes_ago": max(0, int(age.total_seconds() // 60)),
        # The category only ("ok", "error", "database unavailable"): /healthz is
        # public, and how many notes we sent is nobody else's business.
        "last_pass": beat.outcome.split(":")[0],
        "late": age > late_after(beat.interval),
    }
