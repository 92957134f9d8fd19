from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from integrations import services
from integrations.forms import CallShareForm, ConnectionForm
from integrations.halo.check import REQUIRED_PERMISSIONS
from integrations.models import HaloConnection
from mspprocess.core.access import tenant_view
from mspprocess.core.models import Membership, Tenant

# Customer admins, and account managers running an onboarding session.
integration_view = tenant_view(Membership.Role.ADMIN, staff_permission="mspprocess.change_tenant")


def save_and_test(request: HttpRequest, conn: HaloConnection, data: dict[str, Any]) -> bool:
    """Store what the admin pasted, test it at once and say how it went; whether it
    connected. The integration page and the set-up page both save this way."""
    services.save_credentials(conn, data, by=request.user, request=request)
    result = services.test_connection(conn, actor=request.user, request=request)
    if result.discovered_auth_server:
        tenant = f", tenant {result.discovered_tenant}" if result.discovered_tenant else ""
        messages.info(
            request,
            f"Your Halo signs in at {result.discovered_auth_server}{tenant}: Halo told us, "
            "and we saved it with your credentials.",
        )
    if result.ok:
        messages.success(request, "Saved. MSP Process is connected to your Halo.")
    elif result.busy:
        messages.warning(request, f"Saved, but not tested yet. {result.error}")
    else:
        messages.error(request, "Saved, but the connection test failed: see below.")
    return result.ok


@integration_view
def integration(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    conn = services.connection_for(tenant)
    form = ConnectionForm.for_connection(conn, request.POST or None)
    if request.method == "POST" and form.is_valid():
        save_and_test(request, conn, form.cleaned_data)
        return redirect("integration", tenant.slug)

    ctx = {
        "tenant": tenant,
        "conn": conn,
        "form": form,
        "share_form": CallShareForm(initial={"call_share": conn.call_share}),
        "usage": services.call_usage(conn) if conn.base_url else None,
        "required_permissions": REQUIRED_PERMISSIONS,
        "active": "integration",
        "show_advanced": bool(conn.auth_server or conn.halo_tenant)
        or bool(form.errors.get("auth_server") or form.errors.get("halo_tenant")),
    }
    return render(request, "integrations/integration.html", ctx)


@require_POST
@integration_view
def integration_test(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    conn = services.connection_for(tenant)
    if not conn.has_credentials:
        messages.error(request, "Enter your Halo credentials first.")
    elif (result := services.test_connection(conn, actor=request.user, request=request)).ok:
        messages.success(request, "Connection test passed.")
    elif result.busy:
        messages.warning(request, result.error)  # "Halo is busy: … Try again in N seconds."
    else:
        messages.error(request, "The connection test failed: see below.")
    return redirect("integration", tenant.slug)


@require_POST
@integration_view
def integration_share(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    conn = services.connection_for(tenant)
    form = CallShareForm(request.POST)
    if not form.is_valid():
        for error in form.errors["call_share"]:
            messages.error(request, error)
    elif services.set_call_share(
        conn, form.cleaned_data["call_share"], actor=request.user, request=request
    ):
        messages.success(
            request,
            f"Saved: MSP Process makes at most {conn.call_share} calls to Halo per 5 minutes.",
        )
    return redirect("integration", tenant.slug)
