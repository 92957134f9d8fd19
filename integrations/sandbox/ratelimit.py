"""Halo-hosted's rate limit: 300 requests per rolling 5 minutes, per instance.

The limit covers every request an integration sends to the instance (API calls and
token requests), whichever of its API applications sends it. Halo answers past it
with HTTP 429, the message in `replies.RATE_LIMIT_MESSAGE` and no Retry-After.

Counts live in the Django cache, so that every worker process shares them (Redis in
production, local memory in one process): the window is cut into buckets of
`window / BUCKETS` seconds, each a cache counter, and a request is admitted when the
buckets still inside the window add up to no more than the limit. `cache.incr` is
atomic, so concurrent requests each see a different count and at most `limit` get
through. Whether Halo counts refused requests is unconfirmed; here they do not count
(each refused request takes its increment back), so a client that backs off gets in
again as soon as old requests leave the window.

Settings: HALO_SANDBOX_RATE_LIMIT (default 300) and HALO_SANDBOX_RATE_WINDOW_SECONDS
(default 300); `services.set_rate_limit()` overrides the limit at run time.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from mspprocess.cache import incr_or_add

DEFAULT_LIMIT = 300
DEFAULT_WINDOW_SECONDS = 300
BUCKETS = 30  # 10-second buckets for Halo's 5-minute window
KEY_PREFIX = "sandbox:ratelimit"
OVERRIDE_KEY = f"{KEY_PREFIX}:limit"


def window_seconds() -> int:
    return max(
        1, int(getattr(settings, "HALO_SANDBOX_RATE_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS))
    )


def limit() -> int | None:
    """The limit in force; None means no limit (the override was set to None)."""
    override = cache.get(OVERRIDE_KEY)
    if override == "off":
        return None
    if isinstance(override, int):
        return override
    return int(getattr(settings, "HALO_SANDBOX_RATE_LIMIT", DEFAULT_LIMIT))


def set_limit(value: int | None) -> None:
    # Stored without expiry: an override lasts until reset or changed.
    cache.set(OVERRIDE_KEY, "off" if value is None else int(value), None)


def _bucket_seconds() -> int:
    return max(1, window_seconds() // BUCKETS)


def _key(bucket: int) -> str:
    return f"{KEY_PREFIX}:{_bucket_seconds()}:{bucket}"


def _window_buckets(now: float) -> list[int]:
    size = _bucket_seconds()
    current = int(now) // size
    # The buckets whose seconds overlap the last `window` seconds, current one last.
    return list(range(current - window_seconds() // size + 1, current + 1))


def admit(now: float | None = None) -> bool:
    """Count one request; False when it is over the limit (and then not counted)."""
    cap = limit()
    if cap is None:
        return True
    buckets = _window_buckets(time.time() if now is None else now)
    current = _key(buckets[-1])
    count = _increment(current)
    earlier = cache.get_many([_key(b) for b in buckets[:-1]])
    if count + sum(earlier.values()) <= cap:
        return True
    cache.decr(current)
    return False


def _increment(key: str) -> int:
    # The counter expires once its bucket has left the window.
    return incr_or_add(cache, key, window_seconds() + _bucket_seconds())


def used(now: float | None = None) -> int:
    """Requests admitted in the current window."""
    buckets = _window_buckets(time.time() if now is None else now)
    return sum(cache.get_many([_key(b) for b in buckets]).values())


def clear_counts() -> None:
    """Forget every request counted in the window."""
    cache.delete_many([_key(b) for b in _window_buckets(time.time())])


def clear() -> None:
    """Forget the counts and any override."""
    clear_counts()
    cache.delete(OVERRIDE_KEY)
