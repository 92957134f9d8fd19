"""How a person is named to other people, in one place.

A username is an account's handle ("am", "acme-admin"): it means little to a
customer. Pages, emails and the audit trail name people by their name, else by
their email address, and only as a last resort by their username.
"""

from __future__ import annotations

from typing import Any


def display_name(user: Any | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email or user.get_username()


def possessive(name: str) -> str:
    """ "Acme IT Services" → "Acme IT Services'", "Kestrel" → "Kestrel's"."""
    name = str(name)
    if not name:
        return name
    return f"{name}'" if name.endswith(("s", "S")) else f"{name}'s"
