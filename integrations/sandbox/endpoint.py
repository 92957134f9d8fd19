"""What every sandbox view goes through: seeding, the rate limit, faults, the log, auth.

`sandbox_view` wraps any sandbox reply (the token endpoint included); `api_view`
adds Halo's bearer-token check and the permission each method needs, and hands the
view the request's `SandboxToken`. A token may do only what both its application
and the application's "Agent to log in as" may do (`SandboxToken.allows`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.sandbox import faults, ratelimit, replies, tokens
from integrations.sandbox.models import SandboxRequest
from integrations.sandbox.seed import ensure_seeded
from mspprocess.parsing import INT32_MAX, parse_integer

View = Callable[..., HttpResponse]


def sandbox_view(endpoint: str, *, scope: str = "api") -> Callable[[View], View]:
    """Log the request as `endpoint` (e.g. "Tickets/{id}") and apply the faults in force."""

    def decorator(view: View) -> View:
        @csrf_exempt  # an API: callers hold a bearer token or client credentials
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            started = time.monotonic()
            status = 500  # what gets logged if the view raises
            try:
                ensure_seeded()
                if not ratelimit.admit():
                    response = replies.rate_limited()
                    status = response.status_code
                    return response
                plan = faults.plan(scope)
                host = request.META.get("HTTP_HOST", "")
                faults.sleep(plan.delay_seconds + faults.host_delay(host))
                if plan.status is not None:
                    response = replies.injected(plan.status, scope)
                else:
                    request.sandbox_faults = plan  # type: ignore[attr-defined]
                    response = view(request, *args, **kwargs)
                    if plan.malformed:
                        response = replies.malform(response)
                status = response.status_code
                return response
            finally:
                SandboxRequest.objects.create(
                    method=request.method or "",
                    endpoint=endpoint,
                    status=status,
                    duration_ms=round((time.monotonic() - started) * 1000),
                )

        return wrapper

    return decorator


def api_view(endpoint: str, **permissions: str) -> Callable[[View], View]:
    """An API endpoint; `permissions` maps each allowed method to what it needs.

    e.g. `@api_view("Actions", GET="read:tickets", POST="edit:tickets")`.
    """

    def decorator(view: View) -> View:
        @sandbox_view(endpoint)
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            method = request.method or ""
            if method not in permissions:
                return replies.method_not_allowed(method)
            token = tokens.from_request(request)
            # An application whose agent was disabled or deleted cannot log in, so
            # the tokens it already holds stop working too.
            if token is None or not token.agent_active():
                return replies.invalid_token()
            if not token.allows(permissions[method]):
                return replies.forbidden(permissions[method])
            # Route ids are digits (routes.py); the views take them as ints. Halo's
            # ids are int32, so a number beyond is no record's (and int() refuses
            # thousands of digits).
            if "id" in kwargs:
                raw = kwargs["id"]
                number = parse_integer(raw)
                if number is None or number > INT32_MAX:
                    return replies.not_found(f"No record has the id {raw}.")
                kwargs["id"] = number
            return view(request, token, *args, **kwargs)

        return wrapper

    return decorator


Validate = Callable[[int, Any, dict[str, str]], dict[str, Any]]


def posted_items(
    request: HttpRequest, schema: str, validate: Validate
) -> tuple[list[dict[str, Any]], HttpResponse | None]:
    """The items of a POST, as Halo takes them (an array: it creates and updates that
    way), each checked by `validate(i, item, errors)`; or Halo's 400, keyed by item
    and field (`{"[0].name": "…"}`), as the second value.

    A body nested too deep for the parser is refused like any other bad JSON.
    """
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return [], replies.field_errors({"$": "The request body is not valid JSON."})
    # A bare object is a client bug (Halo wants an array even for one item): say so.
    if not isinstance(body, list) or not body:
        return [], replies.field_errors({"$": f"Send a JSON array of one or more {schema}."})
    errors: dict[str, str] = {}
    items = [validate(i, item, errors) for i, item in enumerate(body)]
    return items, (replies.field_errors(errors) if errors else None)


def item_key(i: int, item: Any, schema: str, errors: dict[str, str]) -> str | None:
    """The error key of the i-th posted item ("[i]"), or None when it is not an object
    (then the error says so)."""
    key = f"[{i}]"
    if not isinstance(item, dict):
        errors[key] = f"Each item must be an object: a {schema}."
        return None
    return key
