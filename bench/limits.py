"""Halo's rate limit and our share of it, set per phase of the bench.

The latency, throughput, CPU, memory and query figures measure the app's own cost,
hundreds of Halo calls a minute on purpose: they run with the sandbox's limit off and
the bench connection's share raised to the field's maximum, so neither the sandbox's
429s nor our budget's "Halo is busy" answers stand in for the work being measured.
The realistic day and the burst run as a customer's tenant does: the sandbox at
Halo's real limit (300 per rolling 5 minutes) and our default share (100).
"""

from __future__ import annotations

import redis
from django.conf import settings

from integrations.halo import budget
from integrations.models import HaloConnection
from integrations.sandbox import ratelimit
from integrations.sandbox import services as sandbox

UNBOUNDED_SHARE = 32767  # the largest PositiveSmallIntegerField: never reached here
# The budget's and the back-off's cache keys (integrations/halo/budget.py), whatever
# cache key prefix and version Django puts before them.
BUDGET_PATTERNS = ("*halo:budget:*", "*halo:backoff:*")


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def forget_budget() -> int:
    """Empty every Halo instance's budget window and back-off: what five quiet minutes
    would do, without waiting them out. Returns the keys removed."""
    client = _redis()
    keys = [k for pattern in BUDGET_PATTERNS for k in client.scan_iter(match=pattern)]
    return int(client.delete(*keys)) if keys else 0


def unlimited(conn_id: int) -> None:
    sandbox.set_rate_limit(None)
    HaloConnection.objects.filter(pk=conn_id).update(call_share=UNBOUNDED_SHARE)
    forget_budget()


def like_production(conn_id: int) -> dict[str, int]:
    """Halo's real limit with nothing counted yet, our default share, no back-off."""
    sandbox.set_rate_limit(ratelimit.DEFAULT_LIMIT)
    sandbox.clear_rate_limit_counts()
    HaloConnection.objects.filter(pk=conn_id).update(call_share=budget.DEFAULT_SHARE)
    forget_budget()
    share = HaloConnection.objects.values_list("call_share", flat=True).get(pk=conn_id)
    return {
        "halo_limit": ratelimit.DEFAULT_LIMIT,
        "halo_window_s": ratelimit.window_seconds(),
        "share": int(share),
    }
