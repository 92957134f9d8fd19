"""Send the alert emails and chat posts that are waiting; retry failures with back-off.

Run it as a long-lived worker beside deliver_outbox (`deliver_alerts`, under a
supervisor: see docs/operations.md) or from cron (`--once`). Each pass first raises
the alerts of recent denials and lockouts that have none (their signal was lost:
alerts/triggers.py `catch_up`), then sends what is due (alerts/delivery.py).

Like deliver_outbox, the worker outlives its database: a pass that meets a lost
connection is logged, the connections are dropped, and the worker backs off (1 s
doubling to 30 s) until the database answers again.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.db.models import Count, Min

from alerts import delivery, triggers
from alerts.models import AlertDelivery
from mspprocess.workers import DATABASE_ERRORS, drop_connections, pause_after, summary

logger = logging.getLogger("alerts.worker")


def one_pass() -> dict[str, int]:
    counts: dict[str, int] = {}
    if caught := triggers.catch_up():
        counts["caught up"] = caught
    for outcome, n in delivery.deliver_due().items():
        counts[outcome] = counts.get(outcome, 0) + n
    return counts


class Command(BaseCommand):
    help = "Send the waiting alert emails and chat posts. --once: one pass, report, exit."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument(
            "--interval", type=float, default=10.0, help="Seconds between passes (worker mode)."
        )

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        if once:
            # From cron: a database error fails the run (exit 1); the next run retries.
            counts = one_pass()
            self.stdout.write(f"Alerts: {summary(counts) or 'nothing was due'}.")
            self.report()
            return
        self.run_forever(interval)

    def run_forever(self, interval: float) -> None:
        logger.info("alerts worker: started, a pass every %.0f s", interval)
        failures = 0
        while True:
            pause = interval
            try:
                close_old_connections()  # honour CONN_MAX_AGE, as around a request
                counts = one_pass()
            except DATABASE_ERRORS as e:
                failures += 1
                pause = pause_after(failures)
                logger.warning(
                    "alerts worker: database unavailable (%s); failed pass %s, next try in %.0f s",
                    type(e).__name__,
                    failures,
                    pause,
                )
                drop_connections()
            except Exception:
                # A bug or an outage we did not foresee: dying would leave every alert
                # waiting until someone notices; log it whole and keep going.
                failures += 1
                pause = pause_after(failures)
                logger.exception("alerts worker: pass failed; next try in %.0f s", pause)
                drop_connections()
            else:
                if failures:
                    logger.info("alerts worker: recovered after %s failed pass(es)", failures)
                    failures = 0
                if counts:
                    self.stdout.write(f"Alerts: {summary(counts)}.")
            time.sleep(pause)

    def report(self) -> None:
        rows = AlertDelivery.objects.filter(status=AlertDelivery.Status.PENDING).aggregate(
            n=Count("pk"), next=Min("next_attempt_at")
        )
        failed = AlertDelivery.objects.filter(status=AlertDelivery.Status.FAILED).count()
        if rows["n"]:
            self.stdout.write(
                f"{rows['n']} alert delivery(ies) pending; next attempt "
                f"{rows['next']:%Y-%m-%d %H:%M:%S} UTC."
            )
        else:
            self.stdout.write("No alert deliveries pending.")
        if failed:
            self.stdout.write(
                self.style.WARNING(f"{failed} alert delivery(ies) gave up (see the alerts page).")
            )
