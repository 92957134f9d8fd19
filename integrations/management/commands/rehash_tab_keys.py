"""Recompute every tab key's lookup digest, after SECRET_KEY changed.

The digest that finds a tenant from its tab URL is keyed with SECRET_KEY. After a
new SECRET_KEY, every tab URL answers 404 until this has run; the URLs themselves
(the tab keys, stored encrypted) do not change.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from integrations.models import HaloConnection, tab_key_digest


class Command(BaseCommand):
    help = "Recompute the tab key digests (run after changing SECRET_KEY)."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = 0
        for conn in HaloConnection.objects.exclude(tab_key_digest__isnull=True).iterator():
            digest = tab_key_digest(conn.tab_key)
            if digest != conn.tab_key_digest:
                HaloConnection.objects.filter(pk=conn.pk).update(tab_key_digest=digest)
                changed += 1
        self.stdout.write(f"{changed} tab key digest(s) recomputed.")
