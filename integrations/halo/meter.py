"""Every HTTP request to a customer's Halo, counted: spend before it, learn from the reply.

The client (API calls) and tokens.py (token requests: Halo counts those too) call
`charge` before each request and `observe` on each reply, so the one budget per
Halo instance in halo/budget.py sees every request any process makes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

from integrations.halo.budget import BACKOFF_FIRST, Budget, instance_of
from integrations.halo.credentials import HaloCredentials
from integrations.halo.errors import HaloBusy

logger = logging.getLogger("integrations.halo")

# Whether the cache's failure has been logged; reset when it counts again, so each
# outage is logged once per process instead of once per request.
_cache_failing = threading.Event()


def budget_for(creds: HaloCredentials) -> Budget:
    """The budget of the Halo instance these credentials reach (shared with every
    tenant that connects the same Resource Server)."""
    return Budget(instance_of(creds.base_url), creds.call_share)


def charge(budget: Budget) -> None:
    """Spend one call before a request to Halo; HaloBusy (and no request) when it may not go.

    A cache that errors (Redis down or restarting) cannot count, and we let the
    call go: refusing would turn a cache outage into a Halo outage for every
    tenant's tab. Failing open is safe enough because Halo (and the sandbox)
    enforce their own limit, and its 429 still backs us off through `observe`.
    """
    try:
        refusal = budget.spend()
    except Exception:  # any cache backend's error: there is no common base class
        _cache_failed()
        return
    _cache_works()
    if refusal is not None:
        raise HaloBusy(retry_at=refusal.retry_at, reason=refusal.reason)


def observe(budget: Budget, status: int, headers: Mapping[str, str]) -> HaloBusy | None:
    """Learn from a reply: Halo's X-RateLimit-Remaining, and a 429 that holds every
    process off the instance. Returns the HaloBusy to raise for a 429, else None.

    A 429 is not retried inside the request: the pause is shared by every process
    and can reach a minute, far longer than a technician waits for a tab.
    """
    if status == 429:
        try:
            until = budget.rate_limited(headers.get("Retry-After"))
        except Exception:
            _cache_failed()
            until = time.time() + BACKOFF_FIRST  # this request waits, at least
        return HaloBusy(retry_at=until, reason="backoff", status=429)
    try:
        budget.observe_remaining(headers.get("X-RateLimit-Remaining"))
    except Exception:
        _cache_failed()
    return None


def _cache_failed() -> None:
    if not _cache_failing.is_set():
        _cache_failing.set()
        logger.warning(
            "halo budget: the cache is not answering, so Halo calls are not being "
            "counted; letting them through until it is back (Halo's own limit and "
            "its 429 still apply)",
            exc_info=True,
        )


def _cache_works() -> None:
    if _cache_failing.is_set():
        _cache_failing.clear()
        logger.warning("halo budget: the cache answers again; counting Halo calls")
