"""The set-up page: the seed guide one step at a time (tickettab/setup.py), with what
each step needs on the page: the three values from Halo and the country, the tab
installed through Halo's API (or by hand), and a progress check that ticks the
steps Halo completes (the tab opened, a caller verified) without a reload."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from integrations import services as integration_services
from integrations.forms import ConnectionForm
from integrations.halo.check import REQUIRED_PERMISSIONS
from integrations.halo.errors import HaloError
from integrations.models import HaloConnection
from integrations.views import save_and_test
from mspprocess.core.access import tenant_view
from mspprocess.core.models import Membership, Tenant
from tickettab import install, services
from tickettab.forms import CountryForm, InstallForm
from tickettab.models import VerificationSettings
from tickettab.setup import setup_state

# Customer admins, and account managers running an onboarding session.
setup_view = tenant_view(Membership.Role.ADMIN, staff_permission="mspprocess.change_tenant")
# The last install or removal's report, shown once after the redirect that follows it.
REPORT_KEY = "tickettab:install-report"


@setup_view
def setup(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    conn = integration_services.connection_for(tenant)
    prefs = VerificationSettings.for_tenant(tenant)
    data = request.POST or None
    form = ConnectionForm.for_connection(conn, data)
    country = CountryForm(data, instance=prefs, prefix="setup")
    # Both checked before either is saved: nothing half-saved on a typo.
    if request.method == "POST" and form.is_valid() and country.is_valid():
        services.save_settings(country, actor=request.user, request=request)
        save_and_test(request, conn, form.cleaned_data)
        return redirect(_step_url(tenant, "connect"))

    tab = services.tab_for(tenant)
    state = setup_state(tenant, tab)
    # Halo's ticket types cost a call: asked while the tab is the step at hand, or
    # when the admin comes back to install again or pick other types.
    wanted = (state.current and state.current.key == "tab") or request.GET.get("types") == "1"
    types, types_error = _ticket_types(conn) if wanted else (None, "")
    ctx = {
        "tenant": tenant,
        "conn": conn,
        "tab": tab,
        "state": state,
        "form": form,
        "country_form": country,
        "install_form": InstallForm(),
        "ticket_types": types,
        "ticket_types_error": types_error,
        "report": request.session.pop(REPORT_KEY, None),
        "required_permissions": REQUIRED_PERMISSIONS,
        "sandbox_api_page": _sandbox_api_page(),
        "active": "setup",
    }
    return render(request, "tickettab/workspace/setup.html", ctx)


@require_GET
@setup_view
def setup_progress(request: HttpRequest, tenant: Tenant) -> JsonResponse:
    """Which step the page is at, for its script to reload when Halo moves it on."""
    state = setup_state(tenant, services.tab_for(tenant))
    current = state.current
    return JsonResponse({"current": current.key if current else "", "complete": state.complete})


@require_POST
@setup_view
def setup_install(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    form = InstallForm(request.POST)
    if not form.is_valid():
        for error in form.errors["ticket_types"]:
            messages.error(request, error)
        return redirect(_step_url(tenant, "tab"))
    tab = services.tab_for(tenant)
    ids = form.cleaned_data["ticket_types"]
    report = install.install(tab, ids, actor=request.user, request=request)
    request.session[REPORT_KEY] = _report(report, "install")
    return redirect(_step_url(tenant, "tab"))


@require_POST
@setup_view
def setup_remove(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    report = install.remove(services.tab_for(tenant), actor=request.user, request=request)
    request.session[REPORT_KEY] = _report(report, "remove")
    return redirect(_step_url(tenant, "tab"))


def _step_url(tenant: Tenant, step: str) -> str:
    return reverse("setup", args=[tenant.slug]) + f"#step-{step}"


def _ticket_types(conn: HaloConnection) -> tuple[list[install.TicketTypeState] | None, str]:
    """Halo's ticket types (one call), or why not."""
    if conn.status != HaloConnection.Status.CONNECTED:
        return None, ""
    try:
        return install.ticket_types(conn), ""
    except HaloError as e:
        return None, str(e)


def _report(report: install.InstallReport | install.RemoveReport, kind: str) -> dict[str, Any]:
    """What the page shows of a report, as the session can store it."""
    return {
        "kind": kind,
        "ok": report.ok,
        "error": report.error,
        "needs_admin": report.needs_admin,
        "done": report.done,
        "not_done": report.not_done,
        "types": [
            {"name": t.name, "words": t.words, "outcome": str(t.outcome)} for t in report.types
        ],
    }


def _sandbox_api_page() -> str:
    """In the demo, the sandbox's Halo API page (a real Halo's is named by its menu)."""
    if not settings.HALO_SANDBOX:
        return ""
    try:
        return reverse("sandbox:api_applications")
    except NoReverseMatch:  # mounted at start-up only: a settings change comes too late
        return ""
