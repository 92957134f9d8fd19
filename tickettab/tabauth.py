"""Who is using the tab, without cookies.

Browsers block or partition third-party cookies, so the tab never sets one. The
tenant comes from the tab key in the URL path; the agent from Halo's signed
`agent_id` (when the tenant has a tab secret) or from a technician sign-in inside
the tab. Either way the tab then holds a short-lived signed **tab token** that
every partial request sends in the `X-Tab-Token` header. A custom header cannot be
sent cross-site without a CORS preflight we never grant, so the header is also
what protects the tab's POSTs against cross-site request forgery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

from integrations.models import HaloConnection
from mspprocess.core.models import Membership

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


def read_token(token: str, conn: HaloConnection) -> TabIdentity | None:
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
    if identity.tenant_id != conn.tenant_id or identity.generation != conn.tab_generation:
        return None
    if identity.kind == "member":
        # A member removed from the workspace loses the tab at once, not in 8 hours.
        if not Membership.objects.filter(
            tenant_id=conn.tenant_id, user_id=identity.id, user__is_active=True
        ).exists():
            return None
    elif identity.kind != "agent":
        return None
    return identity
