"""The sandbox's Halo-like pages: tickets with our custom tab, and its configuration.

Halo's own screens, cut down to what the demo and the browser tests need. Unlike
the API, these pages are neither logged in the request log nor hit by faults: they
stand for Halo's web app, not its API. Nobody signs in; the agent looking at a
ticket is picked with `?agent=<id>` (Priya Shah by default).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations.sandbox import customtab, seed
from integrations.sandbox.forms import CustomTabForm
from integrations.sandbox.models import (
    SandboxAgent,
    SandboxCustomTab,
    SandboxTicket,
    SandboxTicketType,
)
from integrations.sandbox.views_api import TICKET_RELATED

TABS = ("details", "actions", "msp")


def _viewing_agent(request: HttpRequest) -> SandboxAgent:
    raw = request.GET.get("agent", "").strip() or str(seed.VIEWING_AGENT_ID)
    agent = SandboxAgent.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if agent is None:
        raise Http404("No such agent in the Halo sandbox.")
    return agent


def _agent_context(request: HttpRequest) -> dict[str, Any]:
    return {"agent": _viewing_agent(request), "agents": SandboxAgent.objects.order_by("id")}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("sandbox:ticket_list")


@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    seed.ensure_seeded()
    ctx = _agent_context(request)
    ctx["tickets"] = SandboxTicket.objects.select_related(*TICKET_RELATED)
    ctx["section"] = "tickets"
    return render(request, "sandbox/ticket_list.html", ctx)


@require_GET
def ticket_page(request: HttpRequest, id: int) -> HttpResponse:
    seed.ensure_seeded()
    ctx = _agent_context(request)
    ticket = get_object_or_404(SandboxTicket.objects.select_related(*TICKET_RELATED), pk=id)
    tab = SandboxCustomTab.load()
    # As in Halo: a ticket type that does not allow custom tabs shows none at all.
    tabs_allowed = ticket.tickettype.allowall_iframe_customtabs
    default = "msp" if tabs_allowed else "details"
    active = request.GET.get("tab") or default
    if active not in TABS or (active == "msp" and not tabs_allowed):
        active = default

    ctx.update(
        ticket=ticket,
        active=active,
        tab=tab,
        tab_name=tab.name if tab else "MSP Process",
        tabs_allowed=tabs_allowed,
        action_count=ticket.actions.count(),
        section="tickets",
    )
    if active == "actions":
        ctx["actions"] = ticket.actions.select_related("who", "application").order_by("-number")
    if active == "msp" and tab is not None and tab.enabled:
        ctx["iframe_src"] = customtab.iframe_src(tab, ticket.id, ctx["agent"].id)
    return render(request, "sandbox/ticket.html", ctx)


@require_http_methods(["GET", "POST"])
def custom_tabs(request: HttpRequest) -> HttpResponse:
    seed.ensure_seeded()
    tab = SandboxCustomTab.load()
    secret_stored = bool(tab and tab.secret)
    if request.method == "POST":
        form = CustomTabForm(request.POST, secret_stored=secret_stored)
        if form.is_valid():
            data = form.cleaned_data
            tab = tab or SandboxCustomTab(pk=SandboxCustomTab.SINGLETON_ID)
            tab.name, tab.url, tab.enabled = data["name"], data["url"], data["enabled"]
            if data["secret"]:
                tab.secret = data["secret"]
            elif data.get("remove_secret"):
                tab.secret = ""
            tab.save()
            messages.success(request, f"Custom tab “{tab.name}” saved.")
            return redirect("sandbox:custom_tabs")
    else:
        initial = {"name": "MSP Process", "url": "", "enabled": True}
        if tab is not None:
            initial = {"name": tab.name, "url": tab.url, "enabled": tab.enabled}
        form = CustomTabForm(initial=initial, secret_stored=secret_stored)

    ctx = {
        "form": form,
        "tab": tab,
        "ticket_types": SandboxTicketType.objects.all(),
        "example_ticket": seed.TICKET_WITH_USER,
        "section": "config",
    }
    return render(request, "sandbox/custom_tabs.html", ctx)


@require_POST
def ticket_types(request: HttpRequest) -> HttpResponse:
    """Each ticket type's "allow all custom tabs" switch (checked boxes are on)."""
    seed.ensure_seeded()
    allowed = set(request.POST.getlist("allow"))
    for ticket_type in SandboxTicketType.objects.all():
        on = str(ticket_type.id) in allowed
        if ticket_type.allowall_iframe_customtabs != on:
            ticket_type.allowall_iframe_customtabs = on
            ticket_type.save(update_fields=["allowall_iframe_customtabs"])
    messages.success(request, "Ticket types saved.")
    return redirect("sandbox:custom_tabs")
