"""One budget of Halo API calls per Halo instance, shared by every process and host.

A hosted Halo answers 429 past about 300 requests in a rolling 5 minutes, and that
limit is shared with every other integration the MSP runs. So every call we make to
an instance (tab, sends, connection test, notes, tokens) spends from one rolling
window kept in the cache, and we stop at our *share* of Halo's limit, well before it.

The window is cut into 10-second buckets, each a cache counter that expires once it
has left the window; the count is the sum of the buckets still in it. Spending
reads the window, then increments and checks the incremented count, giving the call
back when it went over: with atomic increments (Redis, or the local-memory cache's
lock) two processes racing for the last call can both lose it, but never both win
it, so the share is never passed.

A 429 from Halo means someone (maybe another integration) spent the instance's limit:
every process then holds off that instance until the back-off ends, honouring
`Retry-After` or `X-RateLimit-Remaining` when Halo sends them, else 5 s doubling to 60 s.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from django.core.cache import cache
from django.utils import timezone

from integrations import addresses
from mspprocess.cache import incr_and_get_many, incr_or_add

WINDOW_SECONDS = 300
BUCKET_SECONDS = 10
HALO_LIMIT = 300  # what a hosted Halo allows per window, for all its integrations
DEFAULT_SHARE = 100  # ours, leaving two thirds to the MSP's other tools
BACKOFF_FIRST = 5.0
BACKOFF_CAP = 60.0
DAY = 24 * 3600
# A bucket outlives the window by a bucket, so a counter never vanishes while counted.
BUCKET_TTL = WINDOW_SECONDS + 2 * BUCKET_SECONDS

Clock = Callable[[], float]


def now() -> float:
    """The budget's clock (a function of its own, so tests can move it)."""
    return time.time()


def instance_of(base_url: str) -> str:
    """The budget's name for a Halo instance: its origin, hashed (so two tenants
    that connect the same Halo share one budget, and no address sits in a key)."""
    origin = addresses.origin_of(base_url).lower() if base_url else ""
    return hashlib.sha256(origin.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Refusal:
    """Why a call may not go now, and when it may."""

    reason: str  # "share" (our share is spent) or "backoff" (Halo said 429)
    retry_at: float  # epoch seconds

    @property
    def retry_in(self) -> int:
        return max(1, math.ceil(self.retry_at - time.time()))


# Per Halo instance, (current bucket, calls in the window's earlier buckets) as this
# process last read them. A bucket that has closed no longer grows (only a give-back,
# a decr, lowers it, which makes the sum err on the safe side), so every call in the
# same bucket, from any request of this process, reads two keys instead of the
# window's 32. One entry per instance, replaced every bucket: it does not grow.
_earlier: dict[str, tuple[int, int]] = {}


def forget_reads() -> None:
    """Forget what this process read of the windows (tests that clear the cache)."""
    _earlier.clear()


class Budget:
    def __init__(self, instance: str, share: int = DEFAULT_SHARE, clock: Clock | None = None):
        self.instance = instance
        self.share = max(1, share)
        self._clock = clock or now

    # -- keys ------------------------------------------------------------------------

    def _bucket(self, now: float) -> int:
        return int(now // BUCKET_SECONDS)

    def _bucket_key(self, bucket: int) -> str:
        return f"halo:budget:{self.instance}:{bucket}"

    @property
    def _backoff_key(self) -> str:
        return f"halo:backoff:{self.instance}"

    def _limited_key(self, now: float) -> str:
        day = time.strftime("%Y-%m-%d", time.gmtime(now))
        return f"halo:limited:{self.instance}:{day}"

    def _window(self, now: float) -> list[int]:
        # One bucket more than the window holds, so that a call is counted for at
        # least a full 5 minutes (at most 10 s more): never less than Halo counts it.
        current = self._bucket(now)
        return list(range(current - WINDOW_SECONDS // BUCKET_SECONDS, current + 1))

    # -- spending --------------------------------------------------------------------

    def used(self) -> int:
        """Calls made to this instance in the rolling window, by every process."""
        counts = cache.get_many([self._bucket_key(b) for b in self._window(self._clock())])
        return sum(int(v) for v in counts.values())

    def spend(self) -> Refusal | None:
        """Take one call from the budget; a Refusal (and nothing taken) when it may not go.

        On the tab's hot path, so one cache round trip on Redis when there is room:
        the current bucket is incremented and the window's earlier buckets and the
        back-off are read together. The earlier buckets no longer grow, so the count
        is what we read of them plus what the increment returned; a refusal gives
        the call back (a second round trip, only then).
        """
        now = self._clock()
        window = self._window(now)
        keys = [self._bucket_key(b) for b in window]
        current = keys[-1]
        known = _earlier.get(self.instance)
        memo = known if known and known[0] == window[-1] else None
        to_read = [self._backoff_key] if memo else [*keys[:-1], self._backoff_key]
        count, seen = incr_and_get_many(cache, current, BUCKET_TTL, to_read)
        seen[current] = count
        if memo:
            earlier = memo[1]
        else:
            earlier = sum(int(seen.get(k, 0)) for k in keys[:-1])
            _earlier[self.instance] = (window[-1], earlier)
        held = seen.get(self._backoff_key)
        if held and float(held["until"]) > now:
            cache.decr(current)
            return Refusal("backoff", float(held["until"]))
        if earlier + count > self.share:
            # Over the share, or another process took the last call before our incr.
            cache.decr(current)
            seen[current] = count - 1
            return Refusal("share", self._room_at(window, keys, seen, now, memo is not None))
        return None

    def _room_at(
        self, window: list[int], keys: list[str], seen: dict, now: float, partial: bool
    ) -> float:
        # A refusal is rare: read the whole window when only part of it was read.
        if partial:
            seen = cache.get_many(keys)
        return _room_at(window, keys, seen, now)

    # -- Halo's own limit --------------------------------------------------------------

    def observe_remaining(self, remaining: str | None) -> None:
        """Some Halos report `X-RateLimit-Remaining` on every reply: at 0, stop before
        the 429 rather than after it."""
        if remaining is not None and remaining.strip() in ("0", "-1"):
            self.rate_limited()

    def rate_limited(self, retry_after: str | None = None) -> float:
        """Halo answered 429: hold every process off this instance; returns until when."""
        now = self._clock()
        state = cache.get(self._backoff_key) or {}
        step = int(state.get("step", -1)) + 1
        delay = _header_seconds(retry_after)
        if delay is None:
            delay = min(BACKOFF_CAP, BACKOFF_FIRST * 2**step)
        until = now + delay
        # The step is remembered a while after the pause ends: a second 429 soon after
        # waits longer; a quiet spell starts again from 5 s.
        cache.set(self._backoff_key, {"until": until, "step": step}, int(delay + BACKOFF_CAP))
        incr_or_add(cache, self._limited_key(now), DAY + 3600)
        return until

    def limited_today(self) -> int:
        """How many times Halo answered 429 today (UTC)."""
        return int(cache.get(self._limited_key(self._clock())) or 0)


def _room_at(window: list[int], keys: list[str], seen: dict, now: float) -> float:
    """When the oldest call still in the window leaves it (from counts already read)."""
    for bucket, key in zip(window, keys, strict=True):
        if int(seen.get(key, 0)) > 0:
            return (bucket + 1) * BUCKET_SECONDS + WINDOW_SECONDS
    return now + BUCKET_SECONDS


def _header_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 10:
        return float(min(int(value), 3600))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    seconds = (when - timezone.now()).total_seconds()
    return max(0.0, min(seconds, 3600.0))
