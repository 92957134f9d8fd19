"""Which provider user is the caller: the sign-in name we ask the provider about.

By default the Halo contact's email address; or, when the admin names a Halo field
(an MSP that keeps each user's UPN in Halo), that field of the contact's Halo record,
read from the record's own keys or from its custom fields by name or label.
"""

from __future__ import annotations

from typing import Any

from identity.adapters import NoSuchUser
from identity.models import IdentityProvider

# Okta logins and Duo usernames are at most a few hundred characters; anything
# longer, or with control characters, is not a sign-in name.
MAX_LOGIN = 256


def login_for(provider: IdentityProvider, email: str, record: dict[str, Any]) -> str:
    """The contact's sign-in name at `provider`, or NoSuchUser saying what to fix in Halo."""
    if not provider.match_field:
        if not email:
            raise NoSuchUser(
                f"This contact has no email address in Halo, so {provider.name} cannot be "
                "asked who they are. Add the address to the contact in Halo."
            )
        return _usable(email, "email address")
    value = field_value(record, provider.match_field)
    if not value:
        raise NoSuchUser(
            f"This contact's Halo field “{provider.match_field}” is empty, and {provider.name} "
            "finds the caller by it. Fill it in for the contact in Halo."
        )
    return _usable(value, f"field “{provider.match_field}”")


def field_value(record: dict[str, Any], name: str) -> str:
    """A Halo user field by its key (any case), or a custom field by name or label."""
    wanted = name.strip().lower()
    for key, value in record.items():
        if isinstance(key, str) and key.lower() == wanted and isinstance(value, str | int):
            return str(value).strip()
    for custom in record.get("customfields") or []:
        if not isinstance(custom, dict):
            continue
        names = {str(custom.get(k, "")).strip().lower() for k in ("name", "label")}
        value = custom.get("value")
        if wanted in names and isinstance(value, str | int):
            return str(value).strip()
    return ""


def _usable(value: str, what: str) -> str:
    if len(value) > MAX_LOGIN or any(ord(c) < 32 for c in value):
        raise NoSuchUser(
            f"This contact's {what} in Halo is not a sign-in name an identity provider "
            "knows. Correct it in Halo."
        )
    return value
