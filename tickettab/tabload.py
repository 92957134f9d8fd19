"""Reading a tab load from Halo: the ticket, the viewing agent and its signature.

Halo builds the iframe's address from the custom tab's URL by substituting its
variables raw, without URL-encoding (see ../shared/halo/README.md). So whatever is
wrong with the tab's configuration shows up here as a literal `$VARIABLE`, a missing
parameter or a signature made with another secret, and `read_load` names it with a
code from `tickettab.tab_problems` instead of a bare refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.http import QueryDict

from mspprocess.parsing import parse_id
from tickettab import tabauth
from tickettab.models import Tab

# A Halo variable as written in a URL; anything else starting with "$" is cut here,
# so that only a variable-like name is ever recorded or shown back.
_VARIABLE = re.compile(r"\$[A-Za-z_]{1,40}", re.ASCII)


@dataclass(frozen=True)
class TabLoad:
    ticket_id: int
    agent_id: int | None  # None when the tenant has no tab secret (technicians sign in)


class LoadProblem(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def _literal(value: str, expected: str, unsubstituted_code: str) -> LoadProblem | None:
    """A problem when Halo left a `$…` in the value: its own variable (not filled
    in) or a name Halo does not know (mistyped)."""
    if not value.startswith("$"):
        return None
    match = _VARIABLE.match(value)
    name = match.group(0) if match else "$"
    if name == expected:
        return LoadProblem(unsubstituted_code, name)
    return LoadProblem("mistyped_variable", name)


def read_load(tab: Tab, query: QueryDict) -> TabLoad:
    """The load's ticket and (signed) agent; LoadProblem when the tab is misconfigured."""
    ticket_raw = query.get("ticket_id", "")
    agent_raw = query.get("agent_id")
    # A '+' of the base64 signature arrives as a space (Halo does not encode it).
    signature = query.get("hmac")

    checks = [(ticket_raw, settings.HALO_TAB_TICKET_VARIABLE, "ticket_variable")]
    if tab.secret:
        checks += [
            (agent_raw or "", settings.HALO_TAB_AGENT_VARIABLE, "agent_variable"),
            (signature or "", settings.HALO_TAB_HMAC_VARIABLE, "unsigned"),
        ]
    for value, expected, code in checks:
        problem = _literal(value, expected, code)
        if problem is not None:
            raise problem

    ticket_id = parse_id(ticket_raw)
    if ticket_id is None:
        raise LoadProblem("bad_ticket")
    if not tab.secret:
        return TabLoad(ticket_id=ticket_id, agent_id=None)

    if agent_raw is None and signature is None:
        # The URL from before Halo's agent variables were in it: Halo appends nothing.
        raise LoadProblem("old_url")
    agent_id = parse_id(agent_raw)
    if agent_id is None:
        raise LoadProblem("old_url" if agent_raw is None else "bad_agent")
    if not signature:
        # Halo fills $HMAC with nothing when the tab has no Secret.
        raise LoadProblem("unsigned")
    if not tabauth.check_agent_signature(tab.secret, agent_raw or "", signature):
        raise LoadProblem("wrong_secret")
    return TabLoad(ticket_id=ticket_id, agent_id=agent_id)
