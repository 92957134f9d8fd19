"""The sandbox's Halo-like ticket pages, with each enabled custom tab.

Halo's own screens, cut down to what the demo and the browser tests need. Unlike
the API, these pages are neither logged in the request log nor hit by faults: they
stand for Halo's web app, not its API (its configuration pages are in views/tabs.py
and views/config.py). Nobody signs in; the agent looking at a
ticket is picked with `?agent=<id>` (Priya Shah by default).

Whether Halo loads a custom tab's iframe before the agent opens the tab is
unconfirmed, so a ticket page does either: by default only the open tab's iframe is
loaded (each tab is a link that reloads the page); with the "preload_custom_tabs"
switch on, every enabled tab's iframe loads with the page, hidden until its tab is
clicked, and sandbox.js switches panels without a reload, as a single-page Halo would.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from integrations.sandbox import csp, customtab, seed
from integrations.sandbox.models import (
    SandboxAgent,
    SandboxCustomTab,
    SandboxSwitch,
    SandboxTicket,
)
from integrations.sandbox.views.api import TICKET_RELATED


def _viewing_agent(request: HttpRequest) -> SandboxAgent:
    raw = request.GET.get("agent", "").strip() or str(seed.VIEWING_AGENT_ID)
    # ASCII and short: str.isdigit takes Arabic-Indic digits, and a huge id overflows.
    plain = raw.isascii() and raw.isdigit() and len(raw) <= 9
    agent = SandboxAgent.objects.filter(pk=int(raw)).first() if plain else None
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


def _shown_tabs(ticket: SandboxTicket) -> list[SandboxCustomTab]:
    # As in Halo: a ticket shows every custom tab when its type allows them all, else
    # only the tabs its type allows one by one (`allowed_iframe_customtabs`); a
    # disabled tab is not shown anywhere.
    enabled = SandboxCustomTab.objects.filter(enabled=True)
    if ticket.tickettype.allowall_iframe_customtabs:
        return list(enabled)
    return list(enabled.filter(allowed_on=ticket.tickettype))


def _tabs_allowed(ticket: SandboxTicket) -> bool:
    """Whether the ticket's type allows any custom tab at all (the page says so if not)."""
    ticket_type = ticket.tickettype
    return ticket_type.allowall_iframe_customtabs or ticket_type.allowed_entries.exists()


def _active_tab(wanted: str, tabs: list[SandboxCustomTab]) -> str | SandboxCustomTab:
    """ "details", "actions" or the custom tab asked for by id. With nothing (or
    nothing valid) asked for, the first custom tab opens, else the details: the demo
    and the browser tests land on a tab without clicking. "msp" stays an alias for
    our tab, for links printed before there were several."""
    if wanted in ("details", "actions"):
        return wanted
    if wanted == "msp":
        ours = [t for t in tabs if t.name == "MSP Process"]
        return (ours or tabs or ["details"])[0]
    by_id = {str(t.id): t for t in tabs}
    return by_id.get(wanted) or (tabs[0] if tabs else "details")


def _tab_key(active: str | SandboxCustomTab) -> str:
    # What `?tab=` says to reopen this tab: the agent picker and sandbox.js keep it.
    return active if isinstance(active, str) else str(active.id)


@require_GET
def ticket_page(request: HttpRequest, id: int) -> HttpResponse:
    seed.ensure_seeded()
    ctx = _agent_context(request)
    ticket = get_object_or_404(SandboxTicket.objects.select_related(*TICKET_RELATED), pk=id)
    tabs = _shown_tabs(ticket)
    active = _active_tab(request.GET.get("tab", ""), tabs)
    # Preloading: every panel is in the page and sandbox.js switches them, so the
    # actions and every tab's iframe are needed whichever tab opens first.
    preload = SandboxSwitch.is_on(SandboxSwitch.PRELOAD_CUSTOM_TABS)
    ctx.update(
        ticket=ticket,
        tabs=tabs,
        active=active if isinstance(active, str) else "custom",
        active_tab=None if isinstance(active, str) else active,
        active_key=_tab_key(active),
        preload=preload,
        tabs_allowed=_tabs_allowed(ticket),
        action_count=ticket.actions.count(),
        section="tickets",
    )
    if preload or active == "actions":
        ctx["actions"] = ticket.actions.select_related("who", "application").order_by("-number")
    agent_id = ctx["agent"].id
    srcs: list[str] = []
    if preload:
        ctx["frames"] = [(t, customtab.iframe_src(t, ticket.id, agent_id)) for t in tabs]
        srcs = [src for _, src in ctx["frames"]]
    elif isinstance(active, SandboxCustomTab):
        ctx["iframe_src"] = customtab.iframe_src(active, ticket.id, agent_id)
        srcs = [ctx["iframe_src"]]
    return csp.allow_frames(render(request, "sandbox/ticket.html", ctx), srcs)
