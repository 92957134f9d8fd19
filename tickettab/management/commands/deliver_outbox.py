"""Post waiting notes to Halo; retry failures with exponential back-off.

Run it as a long-lived worker (`deliver_outbox`) or from cron (`--once`). Notes
spend from each Halo instance's budget: when it is full they wait (not a failed
attempt) until it has room, and each pass sends what fits.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count, Min

from tickettab import outbox
from tickettab.models import Note


class Command(BaseCommand):
    help = "Deliver the notes waiting for Halo. --once: one pass, then report and exit."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument(
            "--interval", type=float, default=10.0, help="Seconds between passes (worker mode)."
        )

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        while True:
            counts = outbox.deliver_due()
            if counts or once:
                done = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
                self.stdout.write(f"Delivered: {done or 'nothing was due'}.")
            if once:
                self.report()
                return
            time.sleep(interval)

    def report(self) -> None:
        pending = Note.objects.filter(status=Note.Status.PENDING).aggregate(
            n=Count("pk"), next=Min("next_attempt_at")
        )
        failed = Note.objects.filter(status=Note.Status.FAILED).count()
        if pending["n"]:
            self.stdout.write(
                f"{pending['n']} note(s) pending; next attempt at "
                f"{pending['next']:%Y-%m-%d %H:%M:%S} UTC."
            )
            waiting = Note.objects.filter(
                status=Note.Status.PENDING, last_error__startswith=outbox.WAITING_FOR_ROOM
            ).count()
            if waiting:
                self.stdout.write(f"{waiting} of them waiting for room in Halo's API limit.")
        else:
            self.stdout.write("No notes pending.")
        if failed:
            self.stdout.write(self.style.WARNING(f"{failed} note(s) gave up (see the admin)."))
