"""The sandbox's authorisation server: OAuth 2.0 client credentials, as Halo does it.

Self-hosted Halo serves it at `<origin>/auth`; Halo-hosted instances put it on
another origin shared by many instances, told apart by `?tenant=` (a wrong or
missing tenant answers a 500 that is not JSON). The sandbox runs inside our own
app, so it models that other origin as another path, `hosted-auth/token`, answered
only on the host named by HALO_SANDBOX_HOSTED_AUTH_HOST when that is set (locally:
the API at 127.0.0.1, the auth server at localhost). The instance's tenant name is
HALO_SANDBOX_TENANT. `GET api/authinfo` tells a client where to sign in.
"""

from __future__ import annotations

import base64
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from integrations.sandbox import replies, tokens
from integrations.sandbox.endpoint import sandbox_view
from integrations.sandbox.models import ALL, PERMISSIONS, SandboxApplication


def _client_credentials(request: HttpRequest) -> tuple[str, str]:
    # Halo accepts the credentials in the form or as HTTP Basic (what most OAuth
    # clients send by default; ours sends them in the form).
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except ValueError:  # binascii.Error, UnicodeError and non-ASCII text alike
            return "", ""
        client_id, _, secret = decoded.partition(":")
        # RFC 6749 §2.3.1: both halves are form-urlencoded before Basic encoding.
        return unquote_plus(client_id), unquote_plus(secret)
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


DEFAULT_TENANT = "sandbox"


def instance_tenant() -> str:
    return str(getattr(settings, "HALO_SANDBOX_TENANT", "") or DEFAULT_TENANT)


def hosted_auth_host() -> str:
    """host[:port] of the hosted authorisation server; "" means any host."""
    return str(getattr(settings, "HALO_SANDBOX_HOSTED_AUTH_HOST", "") or "")


@sandbox_view("authinfo")
def authinfo(request: HttpRequest) -> HttpResponse:
    # No token needed: clients use it to discover the authorisation server.
    if request.method != "GET":
        return replies.method_not_allowed(request.method or "")
    base = reverse("sandbox:hosted_token" if hosted_auth_host() else "sandbox:token")
    base = base.removesuffix("/token")
    host = hosted_auth_host() or request.get_host()
    return replies.ok(
        {"auth_url": f"{request.scheme}://{host}{base}", "tenant_id": instance_tenant()}
    )


@sandbox_view("hosted-auth/token", scope="token")
def hosted_token(request: HttpRequest) -> HttpResponse:
    if hosted_auth_host() and request.get_host().lower() != hosted_auth_host().lower():
        return replies.not_found_page(request.path)  # not served on the API's origin
    # The hosted server picks the instance by tenant before it reads any credentials.
    if request.GET.get("tenant", "") != instance_tenant():
        return replies.server_error_page()
    return _grant(request)


@sandbox_view("auth/token", scope="token")
def token(request: HttpRequest) -> HttpResponse:
    return _grant(request)


def _grant(request: HttpRequest) -> HttpResponse:
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
        # No client id holds NUL, and PostgreSQL refuses to even compare one.
        if client_id and secret and "\x00" not in client_id
        else None
    )
    if app is None or not app.check_secret(secret):
        return replies.oauth_error(
            401, "invalid_client", "The client id is unknown or the client secret is wrong."
        )
    if app.tenant and request.GET.get("tenant", "") != app.tenant:
        return replies.server_error_page()
    if app.agent is None or app.agent.isdisabled:
        # What Halo answers here is unconfirmed. Known: a token can do only what its
        # agent may, and an application without an active agent does not work. The
        # sandbox refuses the grant in OAuth's words (RFC 6749 §5.2: 400
        # invalid_grant), not as invalid_client, which would blame the secret.
        return replies.oauth_error(
            400,
            "invalid_grant",
            "The application's Agent to log in as is disabled or has been deleted.",
        )

    # Each scope once: the token's scope column is as long as all of them, not more.
    scope = " ".join(dict.fromkeys(request.POST.get("scope", "").split())) or ALL
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
