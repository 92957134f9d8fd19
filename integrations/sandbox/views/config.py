"""The sandbox's Configuration > Integrations > Halo API: API applications by hand.

What a customer does in Halo before pasting three values into our integration page:
create an application (a name, the agent to log in as, permissions, on hosted Halo a
tenant), copy its Client ID and Client Secret, note the Resource Server. With this
page a second tenant can be connected to the sandbox from the browser alone.

The Client Secret is shown once, in the reply to the POST that made it, and never
stored: only its hash is kept (security tests scan the database for plaintext
secrets, so it cannot wait in the session for a redirect either). Rotating makes a
new one, shown once again; the old one stops working at once. Tokens already issued
stay valid until they expire, which is what an OAuth server usually does (*unconfirmed*
for Halo).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from integrations.sandbox import seed, services
from integrations.sandbox.forms import ApplicationForm
from integrations.sandbox.models import ALL, PERMISSIONS, SandboxApplication, sha256_hex


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _servers(request: HttpRequest) -> dict[str, str]:
    # The sandbox is laid out as a self-hosted Halo whose base is <origin>/sandbox/halo.
    # Halo's page shows the Resource Server as the API's address, base + "/api"
    # (halo/README.md), and that is what customers paste: our integration form reads
    # the base off the path before "/api" (a path without it would count as a page
    # address, leaving only the origin). The authorisation server is base + "/auth".
    base = request.build_absolute_uri(reverse("sandbox:home")).rstrip("/")
    return {"base": base, "resource_server": f"{base}/api", "auth_server": f"{base}/auth"}


def _show_secret(
    request: HttpRequest, app: SandboxApplication, secret: str, *, new: bool
) -> HttpResponse:
    ctx = {"app": app, "secret": secret, "new": new, "section": "api", **_servers(request)}
    response = render(request, "sandbox/api_application_secret.html", ctx)
    # The one page that holds a secret: never kept by a browser cache or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def api_applications(request: HttpRequest) -> HttpResponse:
    """The applications (never their secrets), and the form that creates one."""
    seed.ensure_seeded()
    if request.method == "POST":
        form = ApplicationForm(request.POST)
        if form.is_valid():
            data, secret = form.cleaned_data, _new_secret()
            app = services.create_application(
                str(uuid.uuid4()),
                secret,
                permissions=data["permissions"],
                name=data["name"],
                agent_id=data["agent"].id,
                tenant=data["tenant"],
            )
            return _show_secret(request, app, secret, new=True)
    else:
        form = ApplicationForm(
            initial={"name": "MSP Process", "agent": seed.DEFAULT_AGENT_ID, "permissions": [ALL]}
        )
    apps = SandboxApplication.objects.select_related("agent").order_by("id")
    ctx = {"form": form, "apps": apps, "section": "api", **_servers(request)}
    return render(request, "sandbox/api_applications.html", ctx)


def _initial(app: SandboxApplication) -> dict[str, Any]:
    every = set(PERMISSIONS) <= set(app.permissions)
    return {
        "name": app.name,
        "agent": app.agent_id,
        "permissions": [ALL] if every else list(app.permissions),
        "tenant": app.tenant,
    }


@require_http_methods(["GET", "POST"])
def api_application_edit(request: HttpRequest, id: int) -> HttpResponse:
    seed.ensure_seeded()
    app = get_object_or_404(SandboxApplication.objects.select_related("agent"), pk=id)
    if request.method == "POST":
        form = ApplicationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            app.name, app.agent, app.tenant = data["name"], data["agent"], data["tenant"]
            app.permissions = data["permissions"]
            app.save(update_fields=["name", "agent", "tenant", "permissions"])
            messages.success(request, f"Application “{app.name}” saved.")
            return redirect("sandbox:api_applications")
    else:
        form = ApplicationForm(initial=_initial(app))
    ctx = {"form": form, "app": app, "section": "api", **_servers(request)}
    return render(request, "sandbox/api_application_edit.html", ctx)


@require_POST
def api_application_rotate(request: HttpRequest, id: int) -> HttpResponse:
    app = get_object_or_404(SandboxApplication.objects.select_related("agent"), pk=id)
    secret = _new_secret()
    app.secret_hash = sha256_hex(secret)
    app.secret_rotated = timezone.now()
    app.save(update_fields=["secret_hash", "secret_rotated"])
    return _show_secret(request, app, secret, new=False)


@require_POST
def api_application_delete(request: HttpRequest, id: int) -> HttpResponse:
    app = get_object_or_404(SandboxApplication, pk=id)
    app.delete()
    messages.success(request, f"Application “{app.name}” deleted; its tokens stop working.")
    return redirect("sandbox:api_applications")
