"""The ticket tab: entry, technician sign-in, and the HTMX partials."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from identity import lookup
from integrations.halo import resilience
from integrations.halo.errors import HaloError
from tickettab import (
    context,
    forms,
    onboarding,
    push,
    reverse_check,
    shield,
    tab_problems,
    tabauth,
    tabload,
    verification,
)
from tickettab.framing import tab_partial, tab_view
from tickettab.models import Tab, Verification, VerificationSettings

logger = logging.getLogger(__name__)


@require_GET
@tab_view
def entry(request: HttpRequest, tab: Tab) -> HttpResponse:
    try:
        load = tabload.read_load(tab, request.GET)
    except tabload.LoadProblem as e:
        # The customer cannot see Halo's iframe address, so the tab says what is
        # wrong, and the integration page and the console show it too.
        tab.record_problem(e.code, e.detail)
        logger.warning("tab: %s for tenant %s", e.code, tab.tenant_id)
        problem = tab_problems.describe(e.code, e.detail)
        ctx = {"tab": tab, "tenant": tab.tenant, "problem": problem}
        return render(request, "tickettab/misconfigured.html", ctx, status=403)

    ctx = {"tab": tab, "tenant": tab.tenant, "ticket_id": load.ticket_id}
    if load.agent_id is not None:
        # Correctly signed: the tab is set up right in Halo, whoever is viewing.
        if tab.mark_seen():
            onboarding.activate_if_onboarded(tab.tenant)  # seeing the tab can finish it
        ctx["token"] = tabauth.issue_token(tabauth.agent_identity(tab, load.agent_id))
    return render(request, "tickettab/tab.html", ctx)


@require_POST
@tab_view
def signin(request: HttpRequest, tab: Tab) -> HttpResponse:
    """A technician's sign-in inside the tab, for tenants without a tab secret."""
    if tab.secret:
        return JsonResponse({"error": "This tab signs agents in through Halo."}, status=400)
    form = forms.SigninForm(request.POST)
    identity = (
        tabauth.sign_in(request, tab, form.cleaned_data["username"], form.cleaned_data["password"])
        if form.is_valid()
        else None
    )
    if identity is None:
        return JsonResponse(
            {"error": "Please enter a correct username and password for this workspace."},
            status=401,
        )
    return JsonResponse({"token": tabauth.issue_token(identity), "name": identity.name})


def _panel_ctx(tab: Tab, ticket_id: int, contact_id: int, **extra) -> dict:
    prefs = VerificationSettings.for_tenant(tab.tenant)
    events = shield.history(tab.tenant, contact_id)
    current = shield.shield_for(prefs, events)
    pending = current.verification if current.state == "amber" else None
    return {
        "word": shield.word_to_read(prefs, events),
        "tab": tab,
        "prefs": prefs,
        "ticket_id": ticket_id,
        "contact_id": contact_id,
        "events": events,
        "shield": current,
        "pending": pending,
        **extra,
    }


def _problem(
    request: HttpRequest, message: str, retry_url: str = "", *, beside_panel: bool = False
) -> HttpResponse:
    response = render(
        request, "tickettab/partials/problem.html", {"message": message, "retry_url": retry_url}
    )
    if beside_panel:
        # An action failed before it started: keep the panel, show why next to it.
        return reswap(retarget(response, "#tab-error"), "innerHTML")
    return response


@require_GET
@resilience.interactive()  # a technician waits: Halo gets a short deadline
@tab_partial
def ticket(request: HttpRequest, tab: Tab, who: tabauth.TabIdentity) -> HttpResponse:
    retry = request.get_full_path()
    form = forms.TicketForm(request.GET)
    if not form.is_valid():
        return _problem(request, form.problem(), retry)
    ticket_id = form.cleaned_data["ticket_id"]
    try:
        ctx = context.load_context(tab.connection, ticket_id, fresh=form.cleaned_data["fresh"])
    except context.ContextProblem as e:
        return _problem(request, e.message, retry if e.retry else "")
    except HaloError as e:
        return _problem(request, str(e), retry)
    panel = _panel_ctx(
        tab,
        ctx.ticket_id,
        ctx.contact.halo_user_id,
        contact=ctx.contact,
        # The push button, when the contact's Halo client has an identity provider.
        push_option=lookup.push_option(tab.tenant, ctx.contact.client_id),
    )
    return render(request, "tickettab/partials/ticket.html", {"t": ctx, "who": who, **panel})


def _contact_or_problem(tab: Tab, ticket_id: int):
    """The ticket's end user, read from Halo at the click, or why not."""
    try:
        return context.load_contact(tab.connection, ticket_id), None
    except context.ContextProblem as e:
        return None, e.message
    except HaloError as e:
        return None, str(e)


def _panel(request: HttpRequest, tab: Tab, ticket_id: int, contact_id: int, **extra):
    ctx = _panel_ctx(tab, ticket_id, contact_id, **extra)
    return render(request, "tickettab/partials/panel.html", ctx)


@require_POST
@resilience.interactive()  # a technician waits: Halo gets a short deadline
@tab_partial
def send(request: HttpRequest, tab: Tab, who: tabauth.TabIdentity) -> HttpResponse:
    """A code by SMS or email, or a secure link."""

    def act(contact: context.Contact, ticket_id: int, data: dict[str, Any]) -> None:
        verification.send(tab.tenant, contact, ticket_id, who, data["method"])

    return _act_on_contact(request, tab, forms.SendForm(request.POST), act)


def _act_on_contact(
    request: HttpRequest,
    tab: Tab,
    form: forms.TabForm,
    act: Callable[[context.Contact, int, dict[str, Any]], None],
) -> HttpResponse:
    """What every action on the ticket's contact does around its own step: the form
    parsed before Halo is asked anything, the contact read from Halo at the click,
    then the panel (with the step's refusal, if any)."""
    if not form.is_valid():
        return _problem(request, form.problem(), beside_panel=True)
    ticket_id = form.cleaned_data["ticket_id"]
    contact, problem = _contact_or_problem(tab, ticket_id)
    if problem:
        return _problem(request, problem, beside_panel=True)
    try:
        act(contact, ticket_id, form.cleaned_data)
    except verification.VerificationError as e:
        return _panel(request, tab, ticket_id, contact.halo_user_id, error=e.message)
    return _panel(request, tab, ticket_id, contact.halo_user_id)


@require_POST
@tab_partial
def verify(request: HttpRequest, tab: Tab, who: tabauth.TabIdentity) -> HttpResponse:
    """Check the code. Needs nothing from Halo: verification works while Halo is down."""
    form = forms.VerifyForm(request.POST)
    if not form.is_valid() and "verification_id" in form.errors:
        return _problem(request, form.problem(), beside_panel=True)
    vid = form.cleaned_data["verification_id"]
    # A code that is no code at all is checked as an empty one: a typo, not a guess.
    code = form.cleaned_data.get("code", "")
    try:
        v = verification.check_code(tab.tenant, vid, code)
    except verification.VerificationError as e:
        if e.verification is None:
            return _problem(request, e.message, beside_panel=True)
        v = e.verification
        return _panel(request, tab, v.ticket_id, v.halo_user_id, error=e.message, code_error=True)
    return _panel(request, tab, v.ticket_id, v.halo_user_id)


@require_POST
@resilience.interactive()  # a technician waits: Halo gets a short deadline
@tab_partial
def send_push(request: HttpRequest, tab: Tab, who: tabauth.TabIdentity) -> HttpResponse:
    """Push to the caller's authenticator through their client's identity provider."""

    def act(contact: context.Contact, ticket_id: int, data: dict[str, Any]) -> None:
        push.send_push(tab.tenant, contact, ticket_id, who)

    return _act_on_contact(request, tab, forms.PushForm(request.POST), act)


@require_POST
@resilience.interactive()  # a technician waits: Halo gets a short deadline
@tab_partial
def send_word(request: HttpRequest, tab: Tab, who: tabauth.TabIdentity) -> HttpResponse:
    """The reverse check: the technician's word, sent to the contact's details in Halo."""

    def act(contact: context.Contact, ticket_id: int, data: dict[str, Any]) -> None:
        reverse_check.send_word(tab.tenant, contact, ticket_id, who, data["channel"])

    return _act_on_contact(request, tab, forms.WordForm(request.POST), act)


@require_GET
@tab_partial
def status(
    request: HttpRequest, tab: Tab, who: tabauth.TabIdentity, verification_id: int
) -> HttpResponse:
    """Polled while a secure link or a push is pending; the panel stops polling once
    decided. A push's answer is asked of its provider here."""
    v = (
        Verification.objects.select_related("provider")
        .filter(tenant=tab.tenant, pk=verification_id)
        .first()
    )
    if v is None:
        return _problem(
            request, "This verification no longer exists. Start a new one.", beside_panel=True
        )
    try:
        v = push.check_push(tab.tenant, v)
    except verification.VerificationError as e:
        # The provider could not be asked now: say so, keep waiting.
        return _panel(request, tab, v.ticket_id, v.halo_user_id, error=e.message)
    return _panel(request, tab, v.ticket_id, v.halo_user_id)


@require_POST
@resilience.interactive()  # a technician waits: Halo gets a short deadline
@tab_partial
def override(request: HttpRequest, tab: Tab, who: tabauth.TabIdentity) -> HttpResponse:
    def act(contact: context.Contact, ticket_id: int, data: dict[str, Any]) -> None:
        verification.record_override(tab.tenant, contact, ticket_id, who, data["reason"])

    return _act_on_contact(request, tab, forms.OverrideForm(request.POST), act)
