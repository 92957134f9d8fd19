"""The sandbox's authorisation server: OAuth 2.0 client credentials, as Halo does it."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse

from integrations.sandbox import replies, tokens
from integrations.sandbox.endpoint import sandbox_view
from integrations.sandbox.models import ALL, PERMISSIONS, SandboxApplication


def _client_credentials(request: HttpRequest) -> tuple[str, str]:
    # Halo accepts the credentials in the form or as HTTP Basic; requests-oauthlib
    # sends Basic unless told to include the client id in the body.
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = decoded.partition(":")
        # RFC 6749 §2.3.1: both halves are form-urlencoded before Basic encoding.
        return unquote_plus(client_id), unquote_plus(secret)
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


@sandbox_view("auth/token", scope="token")
def token(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return replies.method_not_allowed(request.method or "")
    grant_type = request.POST.get("grant_type", "")
    if not grant_type:
        return replies.oauth_error(400, "invalid_request", "grant_type is missing.")
    if grant_type != "client_credentials":
        return replies.oauth_error(
            400, "unsupported_grant_type", f"The grant type '{grant_type}' is not supported."
        )

    client_id, secret = _client_credentials(request)
    app = (
        SandboxApplication.objects.filter(client_id=client_id).first()
        if client_id and secret
        else None
    )
    if app is None or not app.check_secret(secret):
        return replies.oauth_error(
            401, "invalid_client", "The client id is unknown or the client secret is wrong."
        )
    if app.tenant and request.GET.get("tenant", "") != app.tenant:
        return replies.server_error_page()

    scope = " ".join(request.POST.get("scope", "").split()) or ALL
    unknown = [s for s in scope.split() if s != ALL and s not in PERMISSIONS]
    if unknown:
        return replies.oauth_error(400, "invalid_scope", f"Unknown scope: {' '.join(unknown)}.")

    plan = request.sandbox_faults  # type: ignore[attr-defined]
    expires_in = plan.expires_in if plan.expires_in is not None else tokens.DEFAULT_EXPIRES_IN
    response = replies.ok(
        {
            "token_type": "Bearer",
            "access_token": tokens.issue(app, scope, expires_in),
            "expires_in": expires_in,
            "scope": scope,
        }
    )
    response["Cache-Control"] = "no-store"
    return response
