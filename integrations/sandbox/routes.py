"""Halo's API routes: case-insensitive, with or without a trailing slash.

Halo answers `/api/Tickets/1001`, `/api/TICKETS/1001` and `/api/tickets/1001/` alike.
Django's `(?i)` flag would do that, but URL patterns with it cannot be reversed, so
each letter becomes a character class (`[Tt]`): still reversible, and `reverse()`
gives the canonical spelling because Django picks a class's first character.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.urls import URLPattern, re_path

# A route's id segment: Halo's ids are positive integers ("Tickets/abc" is no route).
ID = "{id}"


def _any_case(literal: str) -> str:
    return "".join(
        f"[{c}{c.swapcase()}]" if c.isalpha() and c.swapcase() != c else re.escape(c)
        for c in literal
    )


def pattern(route: str, prefix: str = "api/") -> str:
    """The regex for `route` (e.g. "Tickets/{id}") under `prefix`."""
    parts = [r"(?P<id>[0-9]+)" if part == ID else _any_case(part) for part in route.split("/")]
    return "^" + _any_case(prefix) + "/".join(parts) + r"/?\Z"


def api_route(route: str, view: Callable, name: str) -> URLPattern:
    return re_path(pattern(route), view, name=f"api_{name}")
