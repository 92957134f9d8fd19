"""Okta's org-wide rate limits, as its headers report them.

Okta counts requests per endpoint group in one-minute windows and reports on every
reply: `X-Rate-Limit-Limit` (the ceiling for this request), `X-Rate-Limit-Remaining`
(what is left in the window) and `X-Rate-Limit-Reset` (when the window resets, UTC
epoch seconds). Past the ceiling it answers 429 E0000047. Okta's ceilings differ by
endpoint and plan; the sandbox gives every endpoint group the same one, the setting
OKTA_SANDBOX_RATE_LIMIT (default 600 a minute, unconfirmed for any real plan).

Counts live in the Django cache so that every worker shares them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from mspprocess.cache import incr_or_add

DEFAULT_LIMIT = 600
WINDOW_SECONDS = 60
KEY_PREFIX = "okta_sandbox:ratelimit"


@dataclass(frozen=True)
class Count:
    limit: int
    used: int
    reset: int  # UTC epoch seconds

    @property
    def admitted(self) -> bool:
        return self.used <= self.limit

    def stamp(self, response: HttpResponse) -> HttpResponse:
        response["X-Rate-Limit-Limit"] = str(self.limit)
        response["X-Rate-Limit-Remaining"] = str(max(0, self.limit - self.used))
        response["X-Rate-Limit-Reset"] = str(self.reset)
        return response


def limit() -> int:
    return max(1, int(getattr(settings, "OKTA_SANDBOX_RATE_LIMIT", DEFAULT_LIMIT)))


def count(group: str) -> Count:
    """Count one request to `group` (an endpoint, e.g. "users/{id}") in this minute."""
    now = int(time.time())
    window = now - now % WINDOW_SECONDS
    used = incr_or_add(cache, f"{KEY_PREFIX}:{group}:{window}", WINDOW_SECONDS + 5)
    return Count(limit=limit(), used=used, reset=window + WINDOW_SECONDS)
