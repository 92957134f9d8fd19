"""What every Okta sandbox API view goes through: seeding, the rate limit, the
SSWS token, the method.

Okta's API tokens travel as `Authorization: SSWS <token>`; a missing, malformed or
unknown token gets 401 E0000011 "Invalid token provided". The token is checked
before the method and before the route's ids, so that nothing about the org leaks
to a caller without one. Every reply, errors included, carries the rate-limit
headers (ratelimit.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.okta_sandbox import ratelimit, replies
from integrations.okta_sandbox.models import OktaApiToken, OktaOrg, sha256_hex
from integrations.okta_sandbox.seed import ensure_seeded

View = Callable[..., HttpResponse]
API_PREFIX = "/sandbox/okta/api/v1"
# No id, login or token Okta issues is longer; anything longer is nobody's.
MAX_KEY_LENGTH = 200


def org_for(request: HttpRequest) -> OktaOrg | None:
    """The org whose API token the request carries, or None."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    # The scheme is matched without case, as HTTP auth schemes are; whether Okta
    # does too is unconfirmed.
    if scheme.lower() != "ssws" or not token or len(token) > MAX_KEY_LENGTH:
        return None
    found = OktaApiToken.objects.select_related("org").filter(token_hash=sha256_hex(token)).first()
    return found.org if found else None


def base_url(request: HttpRequest) -> str:
    """Okta's links are absolute: https://{yourOktaDomain}/api/v1/…"""
    return request.build_absolute_uri(API_PREFIX)


def usable(key: str) -> bool:
    """Whether an id or login from the address can name anything (PostgreSQL
    refuses NUL outright; nothing Okta issues is that long)."""
    return bool(key) and "\x00" not in key and len(key) <= MAX_KEY_LENGTH


def api_view(group: str, methods: tuple[str, ...]) -> Callable[[View], View]:
    """An API endpoint answering `methods`; the view gets the request's org."""

    def decorator(view: View) -> View:
        @csrf_exempt  # an API: callers hold an API token, not a cookie
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            ensure_seeded()
            counted = ratelimit.count(group)
            if not counted.admitted:
                return counted.stamp(replies.rate_limited())
            org = org_for(request)
            if org is None:
                response: HttpResponse = replies.invalid_token()
            elif request.method not in methods:
                response = replies.method_not_allowed(list(methods))
            else:
                response = view(request, org, *args, **kwargs)
            return counted.stamp(response)

        return wrapper

    return decorator


def json_body(request: HttpRequest) -> tuple[Any, HttpResponse | None]:
    """The request's JSON body (None when empty), or Okta's 400 E0000003."""
    if not request.body.strip():
        return None, None
    try:
        return json.loads(request.body), None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, replies.not_well_formed()
