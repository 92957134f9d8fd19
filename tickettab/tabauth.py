"""Who is using the tab, without cookies: the tab key, the agent, the tab token.

Browsers block or partition third-party cookies, so the tab never sets one. The
workspace comes from the tab key in the URL path (`tab_for_key`); the agent from
Halo's signed `agent_id` (when the tab has a secret; `agent_identity`) or from a
technician's sign-in inside the tab (`sign_in`). Either way the tab then holds a
short-lived signed **tab token** that every partial request sends in the
`X-Tab-Token` header (`issue_token`, `read_token`). A custom header cannot be sent
cross-site without a CORS preflight we never grant, so the header is also what
protects the tab's POSTs against cross-site request forgery.

Halo's signature never expires, so it proves who the agent was, not that the agent
may still use the tab: when the tab is shown (`named`), Halo is asked whether the
agent exists and is enabled, and the answer is kept AGENT_TTL seconds. Many tabs
open at once (a morning's first tickets) would each ask; one asks, and the others
wait briefly for its answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass, replace
from datetime import timedelta

from django.contrib.auth import authenticate
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

from integrations.halo.client import HaloClient
from integrations.halo.errors import HaloError, NotFound
from integrations.models import HaloConnection
from mspprocess.cache import CacheUnavailable
from mspprocess.core.models import Membership
from mspprocess.core.people import display_name
from mspprocess.prepared import PreparedQuery
from tickettab.models import MAX_KEY_LENGTH, Tab, key_digest

logger = logging.getLogger(__name__)

TOKEN_MAX_AGE = timedelta(hours=8)
TOKEN_SALT = "tickettab.token"  # noqa: S105 - a signing namespace, not a secret
HEADER = "HTTP_X_TAB_TOKEN"


@dataclass(frozen=True)
class TabIdentity:
    """The person acting in the tab."""

    tenant_id: int
    generation: int
    kind: str  # "agent" (Halo's signed agent_id) or "member" (signed in to the tab)
    id: int  # Halo agent id or our user id
    name: str

    @property
    def halo_agent_id(self) -> int | None:
        return self.id if self.kind == "agent" else None

    @property
    def user_id(self) -> int | None:
        return self.id if self.kind == "member" else None


def agent_signature(secret: str, agent_id: str) -> str:
    """Halo's `$HMAC`: base64(HMAC-SHA256(key=secret, msg=agent_id)), standard base64."""
    digest = hmac.new(secret.encode(), agent_id.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def check_agent_signature(secret: str, agent_id: str, signature: str) -> bool:
    """Whether `signature` is Halo's `$HMAC` of `agent_id`, as it arrives.

    Halo substitutes the signature into the URL raw, so a query-string parser reads
    its "+" as a space, wherever it stands (the first character too: nothing is
    stripped). "/" and "=" arrive as they are. Those spaces are the only difference
    accepted.
    """
    if not secret or not agent_id or not signature:
        return False
    expected = agent_signature(secret, agent_id)
    return hmac.compare_digest(expected.encode(), signature.replace(" ", "+").encode())


def issue_token(identity: TabIdentity) -> str:
    payload = {
        "t": identity.tenant_id,
        "g": identity.generation,
        "k": identity.kind,
        "i": identity.id,
        "n": identity.name,
    }
    return signing.dumps(payload, salt=TOKEN_SALT, compress=True)


def read_token(token: str, tab: Tab) -> TabIdentity | None:
    """The identity in a tab token, or None when it is forged, expired, issued for
    another tenant, or issued before the tab key or secret was rotated."""
    if not token or len(token) > 1000:
        return None
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    try:
        identity = TabIdentity(
            tenant_id=int(data["t"]),
            generation=int(data["g"]),
            kind=str(data["k"]),
            id=int(data["i"]),
            name=str(data["n"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    if identity.tenant_id != tab.tenant_id or identity.generation != tab.generation:
        return None
    if identity.kind == "member":
        # A member removed from the workspace loses the tab at once, not in 8 hours.
        if not Membership.objects.filter(
            tenant_id=tab.tenant_id, user_id=identity.id, user__is_active=True
        ).exists():
            return None
    elif identity.kind != "agent":
        return None
    return identity


# -- the key, the agent, the member --------------------------------------------------


def tab_for_key(key: str) -> Tab | None:
    """The tab of this key, with what every tab request reads (the workspace, its
    Halo connection and its verification settings) in the same query."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    found = _TAB_BY_DIGEST.objects(digest=key_digest(key))
    return found[0] if found else None


# Every tab request starts here: compiled once (mspprocess/prepared.py says why).
# The digest is unique, so no ordering or limit is needed.
_TAB_BY_DIGEST = PreparedQuery(
    Tab,
    lambda digest: Tab.objects.select_related(
        "tenant__halo_connection", "tenant__verification_settings"
    ).filter(key_digest=digest),
    digest="0" * 64,
)


def agent_identity(tab: Tab, agent_id: int) -> TabIdentity:
    """The agent of a correctly signed load. The name is asked of Halo when the tab
    is shown (`named`): Halo may load a hidden tab's iframe, which must cost no call."""
    return TabIdentity(
        tenant_id=tab.tenant_id, generation=tab.generation, kind="agent", id=agent_id, name=""
    )


def sign_in(request: HttpRequest, tab: Tab, username: str, password: str) -> TabIdentity | None:
    """A technician of this workspace signing in inside the tab (tabs without a
    secret), or None. Failures are throttled by django-axes inside authenticate(),
    per username and address and per address alone (mspprocess.core.staff_auth)."""
    user = authenticate(request, username=username, password=password)
    if user is None or not Membership.objects.filter(user=user, tenant_id=tab.tenant_id).exists():
        return None
    return TabIdentity(
        tenant_id=tab.tenant_id,
        generation=tab.generation,
        kind="member",
        id=user.pk,
        name=display_name(user),
    )


def named(tab: Tab, identity: TabIdentity) -> TabIdentity | None:
    """The identity with the agent's name from Halo, or None when Halo says the agent
    is gone or disabled. A member's name is already in the token."""
    if identity.kind != "agent" or tab.connection is None:
        return identity
    name = agent_name(tab.connection, identity.id)
    return None if name is None else replace(identity, name=name)


# -- the agent's name, asked of Halo at most once per agent every 5 minutes -------------


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
