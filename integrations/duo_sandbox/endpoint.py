"""What every Auth API view goes through: the method, seeding, the signature, params.

`duo_api("GET")` wraps a view `view(request, integration, params)`; `signed=False`
is for /ping, the one endpoint Duo serves without a signature. Checks run in the
order a client would meet them at Duo: method, credentials, date, signature, then
the view's own parameter checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from integrations.duo_sandbox import replies, signing
from integrations.duo_sandbox.models import DuoIntegration
from integrations.duo_sandbox.seed import ensure_seeded

View = Callable[..., HttpResponse]
Params = dict[str, str]

# How far a request's date may be from the sandbox's clock. Duo refuses requests whose
# date is too far off but does not document how far: 5 minutes is duo_web's expiry
# and common practice (unconfirmed). A setting, so tests can narrow it.
DEFAULT_DATE_SKEW_SECONDS = 300


class BadRequest(Exception):
    def __init__(self, reply: HttpResponse) -> None:
        self.reply = reply


def date_skew_seconds() -> float:
    return float(getattr(settings, "DUO_SANDBOX_DATE_SKEW_SECONDS", DEFAULT_DATE_SKEW_SECONDS))


def mount_prefix() -> str:
    """Where the sandbox is mounted ("/sandbox/duo"): not part of the signed path."""
    return reverse("duo_sandbox:ping").removesuffix("/auth/v2/ping")


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def _read(request: HttpRequest) -> tuple[signing.SignedRequest, Params, HttpResponse | None]:
    """What the signature covers, the request's params (one value each), and the
    refusal of a body that is not Duo's (given only once the signature is checked)."""
    try:
        body = request.body
    except RequestDataTooBig:
        raise BadRequest(replies.fail(replies.INVALID_PARAMS, "body")) from None
    query = _multi(parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True))
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    form: dict[str, list[str]] = {}
    json_params: dict[str, str] = {}
    refusal = None
    if body and content_type == "application/json":
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            parsed = None
        # duo_client sends a flat object of strings (canon_json).
        if isinstance(parsed, dict) and all(isinstance(v, str) for v in parsed.values()):
            json_params = parsed
        else:
            refusal = replies.fail(replies.INVALID_PARAMS, "body")
    elif body:
        text = body.decode("utf-8", errors="replace")
        form = _multi(parse_qsl(text, keep_blank_values=True))
    prefix = mount_prefix()
    path = request.path
    signed = signing.SignedRequest(
        method=request.method or "",
        # Not request.get_host(): that refuses hosts outside ALLOWED_HOSTS with a 400
        # page; an unknown host just fails the signature. SERVER_NAME when no Host
        # header came (HTTP/1.0, Django's test client).
        host=request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", ""),
        path=path[len(prefix) :] if path.startswith(prefix) else path,
        params=query,
        form_params=form,
        body=body,
        duo_headers={
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in request.META.items()
            if key.startswith("HTTP_X_DUO_")
        },
        date=request.META.get("HTTP_X_DUO_DATE") or request.META.get("HTTP_DATE", ""),
    )
    params = {k: v[0] for k, v in {**query, **form}.items()} | json_params
    return signed, params, refusal


def authenticate(signed: signing.SignedRequest, authorization: str) -> DuoIntegration:
    """The integration that signed the request, or BadRequest with Duo's 401."""
    creds = signing.credentials(authorization)
    if creds is None:
        raise BadRequest(replies.fail(replies.MISSING_CREDENTIALS))
    ikey, signature = creds
    # No key holds NUL, and PostgreSQL refuses to compare one.
    integration = DuoIntegration.objects.filter(ikey=ikey).first() if "\x00" not in ikey else None
    if integration is None:
        raise BadRequest(replies.fail(replies.INVALID_IKEY))
    when = signing.parse_date(signed.date)
    if when is None:
        # The wording clients report for a missing Date; the code is unconfirmed.
        raise BadRequest(replies.fail(replies.MISSING_CREDENTIALS, "Missing request timestamp"))
    if abs((datetime.now(UTC) - when).total_seconds()) > date_skew_seconds():
        # Unconfirmed: Duo's code and wording for a stale date.
        raise BadRequest(
            replies.fail(
                replies.INVALID_SIGNATURE,
                f"The request date is more than {date_skew_seconds():g} seconds from "
                "the server's time.",
            )
        )
    if signing.verify(signed, integration.skey, signature) is None:
        raise BadRequest(replies.fail(replies.INVALID_SIGNATURE))
    return integration


def duo_api(*methods: str, signed: bool = True) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @csrf_exempt  # an API: callers sign each request instead
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = replies.fail(replies.METHOD_NOT_ALLOWED)
                response.status_code = 405
                response["Allow"] = ", ".join(methods)
                return response
            ensure_seeded()
            try:
                signed_request, params, refusal = _read(request)
                integration = (
                    authenticate(signed_request, request.META.get("HTTP_AUTHORIZATION", ""))
                    if signed
                    else None
                )
            except BadRequest as refused:
                return refused.reply
            if refusal is not None:
                return refusal
            return view(request, integration, params, *args, **kwargs)

        return wrapper

    return decorator
