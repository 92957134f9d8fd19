"""Who the agent in the tab is, asked of Halo at most once per agent every 5 minutes.

Halo's signature never expires, so it proves who the agent was, not that the agent
may still use the tab: Halo is asked whether the agent exists and is enabled, and the
answer is kept AGENT_TTL seconds. Many tabs open at once (a morning's first tickets)
would each ask; one asks, and the others wait briefly for its answer.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

from integrations.halo.client import HaloClient
from integrations.halo.errors import HaloError, NotFound
from integrations.models import HaloConnection
from mspprocess.cache import CacheUnavailable

logger = logging.getLogger(__name__)

AGENT_TTL = 300
LOOKUP_LOCK_SECONDS = 10  # longer than an interactive Halo call may take
WAIT_SECONDS = 3.0  # how long a tab waits for another request's lookup
POLL_SECONDS = 0.05


def agent_name(conn: HaloConnection, agent_id: int) -> str | None:
    """The agent's name, or None when Halo says the agent is gone or disabled.

    While Halo cannot be asked, the signature stands: the agent gets in as
    "Agent <id>", and nothing is remembered.
    """
    key = f"tab:agent:{conn.pk}:{conn.credentials_version}:{agent_id}"
    known = cache.get(key) or _lookup_once(conn, agent_id, key)
    if known is None:
        return f"Agent {agent_id}"
    if not known["active"]:
        return None
    return known["name"] or f"Agent {agent_id}"


def _lookup_once(conn: HaloConnection, agent_id: int, key: str) -> dict | None:
    lock = f"{key}:lookup"
    if _take_lock(lock):
        try:
            known = _ask_halo(conn, agent_id)
            if known is not None:
                cache.set(key, known, AGENT_TTL)
            return known
        finally:
            cache.delete(lock)
    # Another request is asking Halo right now: its answer is ours too.
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        known = cache.get(key)
        if known is not None:
            return known
        if cache.get(lock) is None:
            # It finished between our two reads: read its answer once more (None
            # when Halo failed), or a request that raced the last poll is wrongly
            # turned away as "Agent <id>".
            return cache.get(key)
    return None


def _take_lock(lock: str) -> bool:
    """Whether this request asks Halo. Without a cache no answer can be shared or
    awaited, so each request asks Halo itself: one more Halo call per tab shown,
    and a disabled agent is still refused (skipping the check would let them in).
    """
    try:
        return cache.add(lock, 1, LOOKUP_LOCK_SECONDS)
    except CacheUnavailable:
        return True


def _ask_halo(conn: HaloConnection, agent_id: int) -> dict | None:
    try:
        with HaloClient(conn.credentials(), retries=0) as client:
            agent = client.agent(agent_id)
    except NotFound:
        return {"name": "", "active": False}
    except HaloError as e:
        logger.warning("tab: agent %s unavailable: %s", agent_id, e.kind)
        return None
    return {"name": str(agent.get("name") or "").strip(), "active": not agent.get("isdisabled")}
