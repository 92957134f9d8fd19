"""The part of Okta's user `search` (and `filter`) expressions the sandbox reads.

Okta takes SCIM-like expressions: `profile.email eq "jane@example.com"`, with
property names case sensitive and operators and string values not. The sandbox
reads one comparison, `<property> <eq|sw|co> "<value>"`, on the properties a
caller looks a person up by, joined by `or` at most; anything else is 400 E0000031
"Invalid search criteria." (Okta reads much more: `and`, parentheses, dates, `gt`).
"""

from __future__ import annotations

import re

from django.db.models import Q

# Okta's property → the sandbox's column. `co` works on these four only in Okta.
PROPERTIES = {
    "profile.email": "email",
    "profile.login": "login",
    "profile.firstName": "first_name",
    "profile.lastName": "last_name",
    "id": "id",
    "status": "status",
}
CONTAINS_ALLOWED = {"profile.email", "profile.login", "profile.firstName", "profile.lastName"}
LOOKUPS = {"eq": "iexact", "sw": "istartswith", "co": "icontains"}
_CLAUSE = re.compile(r'\s*([A-Za-z.]+)\s+([A-Za-z]+)\s+"([^"\x00]*)"\s*')
_OR = re.compile(r"\s+or\s+", re.IGNORECASE)
MAX_LENGTH = 500


def parse(expression: str) -> Q | None:
    """The users an expression selects, as a filter; None when it is not one the
    sandbox reads."""
    if not expression.strip() or len(expression) > MAX_LENGTH:
        return None
    selected = Q()
    # Splitting on " or " would cut a quoted value holding it; such values fail
    # to match the clause pattern and are refused, which is the safe side.
    for clause in _OR.split(expression):
        match = _CLAUSE.fullmatch(clause)
        if match is None:
            return None
        prop, op, value = match.group(1), match.group(2).lower(), match.group(3)
        if prop not in PROPERTIES or op not in LOOKUPS:
            return None
        if op == "co" and prop not in CONTAINS_ALLOWED:
            return None
        selected |= Q(**{f"{PROPERTIES[prop]}__{LOOKUPS[op]}": value})
    return selected


def quick(query: str) -> Q:
    """Okta's `q`: a prefix of the first name, last name or email."""
    return (
        Q(first_name__istartswith=query)
        | Q(last_name__istartswith=query)
        | Q(email__istartswith=query)
    )
