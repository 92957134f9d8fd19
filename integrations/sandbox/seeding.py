"""Seeding a sandbox's fictional data on first use: the Halo, Duo and Okta sandboxes.

Each sandbox seeds deterministic rows the first time a request needs them, so that
the demo, the tests and the benchmarks find them without a set-up step. Several
workers may seed at once: rows are created with `ignore_conflicts`, and a cache flag
spares every later request a query (re-checked every few minutes, in case the
tables were emptied behind the cache's back).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.db import models, transaction

SEEDED_TTL = 300


def create_missing(rows: dict[type[models.Model], list[models.Model]]) -> None:
    """Create whatever seeded rows are missing, in order; rows that exist are left alone."""
    with transaction.atomic():
        for model, objects in rows.items():
            model.objects.bulk_create(objects, ignore_conflicts=True)


def mark_seeded(cache_key: str) -> None:
    cache.set(cache_key, True, SEEDED_TTL)


def ensure(cache_key: str, seed: Callable[[], None], seeded: Callable[[], bool]) -> None:
    """Seed on first use; afterwards one cache read a request. `seeded` says whether
    the newest seeded rows are there (then only the flag is set again)."""
    if cache.get(cache_key):
        return
    if seeded():
        mark_seeded(cache_key)
        return
    seed()
