"""How Halo turns the configured custom tab into the iframe's address.

Halo substitutes its ticket variable (`$FAULTID`, kept in the
HALO_TAB_TICKET_VARIABLE setting because Halo's documentation does not confirm it)
and, when the tab has a secret, appends the viewing agent's id signed with it:
`&agent_id=<id>&hmac=<base64(HMAC-SHA256(key=secret, msg=str(id)))>`. This module
signs on its own rather than borrowing tickettab's check, so that a mistake on
either side shows up as a failed check instead of cancelling out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings

from integrations.sandbox.models import SandboxCustomTab


def check_url(url: str) -> str:
    """The URL, stripped; ValueError unless it is an absolute http(s) address."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise ValueError("The URL must be an absolute http:// or https:// address.")
    return url


def agent_hmac(secret: str, agent_id: int) -> str:
    digest = hmac.new(secret.encode(), str(agent_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def iframe_src(tab: SandboxCustomTab, ticket_id: int, agent_id: int) -> str:
    src = tab.url.replace(settings.HALO_TAB_TICKET_VARIABLE, quote(str(ticket_id), safe=""))
    if not tab.secret:
        return src
    # urlencode quotes base64's "+", "/" and "=", which would otherwise arrive mangled.
    signed = urlencode({"agent_id": agent_id, "hmac": agent_hmac(tab.secret, agent_id)})
    address, hash_mark, fragment = src.partition("#")
    joiner = "&" if "?" in address else "?"
    if address.endswith(("?", "&")):
        joiner = ""
    return f"{address}{joiner}{signed}{hash_mark}{fragment}"
