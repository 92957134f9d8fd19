"""Reading Halo's custom-tab and ticket-type records: every field may be missing.

Halo leaves empty fields out of its answers and a field may hold something other
than what its name promises, so each reader here takes a default rather than trust
a shape; what cannot be read is said to be unreadable, never guessed at.
"""

from __future__ import annotations

from typing import Any

from integrations.halo.errors import BadResponse
from tickettab.install.reports import TicketTypeState

# A ticket type's custom-tab settings, as Halo names them.
ALLOW_ALL = "allowall_iframe_customtabs"
ALLOWED = "allowed_iframe_customtabs"


def state(halo_type: dict[str, Any], halo_tab_id: int | None) -> TicketTypeState:
    """A ticket type as the install page lists it: does our tab show there now?"""
    allow_all = halo_type.get(ALLOW_ALL) is True
    listed = halo_tab_id is not None and lists(entries(halo_type) or [], halo_tab_id)
    return TicketTypeState(
        id=type_id(halo_type) or 0,
        name=type_name(halo_type),
        tab_shows=allow_all or listed,
        all_tabs_allowed=allow_all,
    )


def entries(halo_type: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A type's allowed list (missing means empty); None when it cannot be read."""
    found = halo_type.get(ALLOWED)
    if found is None:
        return []
    if not isinstance(found, list) or not all(isinstance(e, dict) for e in found):
        return None
    return found


def lists(allowed: list[dict[str, Any]], halo_tab_id: int) -> bool:
    """Whether an allowed list names the tab: its entries refer to tabs by id."""
    return any(e.get("iframetab_id") == halo_tab_id for e in allowed)


def as_int(value: Any) -> int | None:
    # JSON's true is a Python bool, and bool is an int: not a number here.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def type_id(record: dict[str, Any]) -> int | None:
    """A record's id when it is a positive integer (a type's, a tab's)."""
    ident = as_int(record.get("id"))
    return ident if ident is not None and ident > 0 else None


def type_name(halo_type: dict[str, Any]) -> str:
    return text(halo_type.get("name")) or f"Ticket type {halo_type.get('id')}"


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def one_record(reply: Any) -> dict[str, Any]:
    """The custom tab Halo says it saved. Raises BadResponse when it does not say."""
    # One item in, one object out; some Halos answer a list of one.
    if isinstance(reply, list) and len(reply) == 1:
        reply = reply[0]
    if not isinstance(reply, dict) or type_id(reply) is None:
        raise BadResponse(
            "Halo's answer did not say which custom tab it saved.",
            hint="Install again: we find the tab by its URL rather than create another.",
        )
    return reply
