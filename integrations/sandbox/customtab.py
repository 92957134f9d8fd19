"""How Halo turns a configured custom tab into the iframe's address.

Halo substitutes its variables wherever the tab's URL writes them, as RAW text: no
URL-encoding, and it appends nothing of its own (see /work/shared/halo/README.md,
"The ticket custom tab"):

- `$FAULTID` (setting HALO_TAB_TICKET_VARIABLE): the ticket's id;
- `$LOGGEDINAGENTID` (HALO_TAB_AGENT_VARIABLE): the id of the agent viewing the tab;
- `$HMAC` (HALO_TAB_HMAC_VARIABLE): base64(HMAC-SHA256(key=tab secret, msg=agent id)),
  standard base64 with padding. So its `+`, `/` and `=` arrive raw, and a query-string
  parser reads a `+` as a space: the product has to cope, and the sandbox must not
  hide that by encoding.

What Halo puts for `$HMAC` when the tab has no secret is unconfirmed; the sandbox puts
an empty string, the most honest guess (there is nothing to sign with), so that the
product's "no signature" path is what gets exercised.

The variable names live in settings because Halo's documentation does not confirm
them. This module signs on its own rather than borrowing tickettab's check, so that a
mistake on either side shows up as a failed check instead of cancelling out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import urlsplit

from django.conf import settings

from integrations.sandbox.models import SandboxCustomTab

DEFAULT_VARIABLES = {
    "HALO_TAB_TICKET_VARIABLE": "$FAULTID",
    "HALO_TAB_AGENT_VARIABLE": "$LOGGEDINAGENTID",
    "HALO_TAB_HMAC_VARIABLE": "$HMAC",
}


def variable(setting: str) -> str:
    # getattr with a default: the agent and HMAC settings may not exist everywhere yet.
    return getattr(settings, setting, DEFAULT_VARIABLES[setting])


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


def substitute(url: str, values: dict[str, str]) -> str:
    """Replace each variable by its value in one pass: a value is never searched for
    variables itself, and longest names go first so that a variable which starts
    another (settings may rename them) cannot steal the longer one's match."""
    names = sorted((name for name in values if name), key=len, reverse=True)
    if not names:
        return url
    pattern = re.compile("|".join(re.escape(name) for name in names))
    return pattern.sub(lambda m: values[m.group(0)], url)


def iframe_src(tab: SandboxCustomTab, ticket_id: int, agent_id: int) -> str:
    signature = agent_hmac(tab.secret, agent_id) if tab.secret else ""
    return substitute(
        tab.url,
        {
            variable("HALO_TAB_TICKET_VARIABLE"): str(ticket_id),
            variable("HALO_TAB_AGENT_VARIABLE"): str(agent_id),
            variable("HALO_TAB_HMAC_VARIABLE"): signature,
        },
    )
