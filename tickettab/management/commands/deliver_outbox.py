"""Post waiting notes to Halo; retry failures with exponential back-off.

Run it as a long-lived worker (`deliver_outbox`, under a supervisor: see
docs/operations.md) or from cron (`--once`). Notes spend from each Halo instance's
budget: when it is full they wait (not a failed attempt) until it has room, and each
pass sends what fits.

The worker outlives its database: a pass that meets a lost connection (PostgreSQL
restarted, a failover, a network blip) is logged, the connections are dropped so
the next pass opens new ones, and the worker backs off (1 s doubling to 30 s) until
the database answers again. After every pass it records a heartbeat that /healthz
shows, so a worker that stopped is visible.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.db.models import Count, Min, Q
from django.utils import timezone

from mspprocess.workers import DATABASE_ERRORS, drop_connections, pause_after, summary
from tickettab import heartbeat, outbox
from tickettab.models import Note

logger = logging.getLogger("tickettab.outbox.worker")

# A long pass (a slow Halo, many notes) still beats, at most this often.
BEAT_EVERY = 5.0


class Command(BaseCommand):
    help = "Deliver the notes waiting for Halo. --once: one pass, then report and exit."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument(
            "--interval", type=float, default=10.0, help="Seconds between passes (worker mode)."
        )

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        if once:
            # From cron: a database error fails the run (exit 1); the next run retries.
            counts = outbox.deliver_due()
            heartbeat.record(f"ok: {summary(counts) or 'nothing due'}", interval)
            self.stdout.write(f"Delivered: {summary(counts) or 'nothing was due'}.")
            self.report()
            return
        self.run_forever(interval)

    def run_forever(self, interval: float) -> None:
        logger.info("outbox worker: started, a pass every %.0f s", interval)
        failures = 0
        while True:
            pause = interval
            try:
                counts = self.one_pass(interval)
            except DATABASE_ERRORS as e:
                failures += 1
                pause = pause_after(failures)
                self.failed(failures, pause, interval, e)
                drop_connections()
            except Exception as e:
                # A bug or an outage we did not foresee: dying would leave every note
                # waiting until someone notices; log it whole and keep going.
                failures += 1
                pause = pause_after(failures)
                logger.exception("outbox worker: pass failed; next try in %.0f s", pause)
                heartbeat.record(f"error: {type(e).__name__}", interval)
                drop_connections()
            else:
                if failures:
                    logger.info("outbox worker: recovered after %s failed pass(es)", failures)
                    failures = 0
                if counts:
                    self.stdout.write(f"Delivered: {summary(counts)}.")
            time.sleep(pause)

    def one_pass(self, interval: float) -> dict[str, int]:
        # Long-lived: honour CONN_MAX_AGE and drop connections known to be broken,
        # as Django does around each request.
        close_old_connections()
        last_beat = time.monotonic()

        def progress() -> None:
            nonlocal last_beat
            if time.monotonic() - last_beat >= BEAT_EVERY:
                heartbeat.record("running", interval)
                last_beat = time.monotonic()

        counts = outbox.deliver_due(progress=progress)
        heartbeat.record(f"ok: {summary(counts) or 'nothing due'}", interval)
        return counts

    def failed(self, failures: int, pause: float, interval: float, error: Exception) -> None:
        # One line per failed pass: the first says it all, the count shows it lasts.
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        logger.warning(
            "outbox worker: database unavailable (%s: %s); failed pass %s, next try in %.0f s",
            type(error).__name__,
            first_line[:200],
            failures,
            pause,
        )
        # Reaches the cache at least: /healthz then says the worker runs but cannot work.
        heartbeat.record("database unavailable", interval)

    def report(self) -> None:
        now = timezone.now()
        pending = Note.objects.filter(status=Note.Status.PENDING)
        summary_row = pending.aggregate(
            n=Count("pk"),
            next=Min(outbox.next_attempt()),
            orphaned=Count("pk", filter=Q(claimed_until__lt=now)),
        )
        failed = Note.objects.filter(status=Note.Status.FAILED).count()
        if summary_row["n"]:
            when = outbox.shown_next_attempt(summary_row["next"], now)
            at = f"at {when:%Y-%m-%d %H:%M:%S} UTC" if when else "now (at the next pass)"
            self.stdout.write(f"{summary_row['n']} note(s) pending; next attempt {at}.")
            if summary_row["orphaned"]:
                self.stdout.write(
                    f"{summary_row['orphaned']} of them held by a sender that stopped "
                    "(its lease ran out): the next pass takes them over."
                )
            waiting = pending.filter(last_error__startswith=outbox.WAITING_FOR_ROOM).count()
            if waiting:
                self.stdout.write(f"{waiting} of them waiting for room in Halo's API limit.")
        else:
            self.stdout.write("No notes pending.")
        if failed:
            self.stdout.write(self.style.WARNING(f"{failed} note(s) gave up (see the admin)."))
