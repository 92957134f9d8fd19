"""Recompute every tab key's lookup digest, after SECRET_KEY changed.

The digest that finds a workspace from its tab URL is keyed with SECRET_KEY. After
a new SECRET_KEY, every tab URL answers 404 until this has run; the URLs themselves
(the tab keys, stored encrypted) do not change.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tickettab.models import Tab, key_digest


class Command(BaseCommand):
    help = "Recompute the tab key digests (run after changing SECRET_KEY)."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = 0
        for tab in Tab.objects.exclude(key_digest__isnull=True).iterator():
            digest = key_digest(tab.key)
            if digest != tab.key_digest:
                Tab.objects.filter(pk=tab.pk).update(key_digest=digest)
                changed += 1
        self.stdout.write(f"{changed} tab key digest(s) recomputed.")
