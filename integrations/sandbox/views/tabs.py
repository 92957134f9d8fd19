"""The sandbox's Configuration > Custom Tabs: every ticket tab, added, edited, deleted,
and whether a ticket loads them all when it opens (the "preload_custom_tabs" switch).

An instance holds several tabs: each tenant connected to the sandbox keeps its own,
as each integration does in a real Halo. The secret is write-only (never rendered
back; blank keeps the stored one; a box removes it), as everywhere in the project.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from integrations.sandbox import seed
from integrations.sandbox.forms import CustomTabForm, CustomTabLoadingForm
from integrations.sandbox.models import SandboxCustomTab, SandboxSwitch, SandboxTicketType

NEW_TAB = {"name": "MSP Process", "url": "", "sequence": 0, "enabled": True}


def _save(tab: SandboxCustomTab, data: dict[str, Any]) -> None:
    tab.name, tab.url = data["name"], data["url"]
    tab.sequence, tab.enabled = data["sequence"], data["enabled"]
    if data["secret"]:
        tab.secret = data["secret"]
    elif data.get("remove_secret"):
        tab.secret = ""
    tab.save()


def _list_context(form: CustomTabForm) -> dict[str, Any]:
    return {
        "form": form,
        "tabs": SandboxCustomTab.objects.all(),
        # Each type's tabs allowed one by one (POST api/TicketType sets them) are
        # shown beside its "allow all" switch, which leaves them as they are.
        "ticket_types": SandboxTicketType.objects.prefetch_related("allowed_entries__tab"),
        "loading_form": CustomTabLoadingForm(
            initial={"preload": SandboxSwitch.is_on(SandboxSwitch.PRELOAD_CUSTOM_TABS)}
        ),
        "example_ticket": seed.TICKET_WITH_USER,
        "section": "config",
    }


@require_http_methods(["GET", "POST"])
def custom_tabs(request: HttpRequest) -> HttpResponse:
    """The list of tabs, and the form that adds one."""
    seed.ensure_seeded()
    if request.method == "POST":
        form = CustomTabForm(request.POST)
        if form.is_valid():
            tab = SandboxCustomTab()
            _save(tab, form.cleaned_data)
            messages.success(request, f"Custom tab “{tab.name}” added.")
            return redirect("sandbox:custom_tabs")
    else:
        form = CustomTabForm(initial=NEW_TAB)
    return render(request, "sandbox/custom_tabs.html", _list_context(form))


@require_http_methods(["GET", "POST"])
def custom_tab_edit(request: HttpRequest, id: int) -> HttpResponse:
    seed.ensure_seeded()
    tab = get_object_or_404(SandboxCustomTab, pk=id)
    secret_stored = bool(tab.secret)
    if request.method == "POST":
        form = CustomTabForm(request.POST, secret_stored=secret_stored)
        if form.is_valid():
            _save(tab, form.cleaned_data)
            messages.success(request, f"Custom tab “{tab.name}” saved.")
            return redirect("sandbox:custom_tabs")
    else:
        initial = {f: getattr(tab, f) for f in ("name", "url", "sequence", "enabled")}
        form = CustomTabForm(initial=initial, secret_stored=secret_stored)
    ctx = {
        "form": form,
        "tab": tab,
        "example_ticket": seed.TICKET_WITH_USER,
        "section": "config",
    }
    return render(request, "sandbox/custom_tab_edit.html", ctx)


@require_POST
def custom_tab_delete(request: HttpRequest, id: int) -> HttpResponse:
    tab = get_object_or_404(SandboxCustomTab, pk=id)
    tab.delete()
    messages.success(request, f"Custom tab “{tab.name}” deleted.")
    return redirect("sandbox:custom_tabs")


@require_POST
def ticket_types(request: HttpRequest) -> HttpResponse:
    """Each ticket type's "allow all custom tabs" switch (checked boxes are on). The
    tabs a type allows one by one are not on this form and stay as they are."""
    seed.ensure_seeded()
    allowed = set(request.POST.getlist("allow"))
    for ticket_type in SandboxTicketType.objects.all():
        on = str(ticket_type.id) in allowed
        if ticket_type.allowall_iframe_customtabs != on:
            ticket_type.allowall_iframe_customtabs = on
            ticket_type.save(update_fields=["allowall_iframe_customtabs"])
    messages.success(request, "Ticket types saved.")
    return redirect("sandbox:custom_tabs")


@require_POST
def tab_loading(request: HttpRequest) -> HttpResponse:
    """The "preload_custom_tabs" switch (an unchecked box is off)."""
    form = CustomTabLoadingForm(request.POST)
    # A BooleanField that is not required accepts any input: always valid.
    on = bool(form.is_valid() and form.cleaned_data["preload"])
    SandboxSwitch.set(SandboxSwitch.PRELOAD_CUSTOM_TABS, on)
    state = "loaded when a ticket opens" if on else "loaded when opened"
    messages.success(request, f"Custom tabs are {state}.")
    return redirect("sandbox:custom_tabs")
