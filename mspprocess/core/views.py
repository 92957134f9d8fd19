"""The tenant core's pages: where sign-in lands, the workspace overview, the Team
page (admins invite, re-role and remove members) and the audit trail."""

from __future__ import annotations

import logging
import smtplib
import socket

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from mspprocess.core import signup as signups
from mspprocess.core.access import tenant_view
from mspprocess.core.audit import AuditEvent
from mspprocess.core.forms import (
    AuditFilterForm,
    InviteForm,
    RoleForm,
    SignupForm,
    SignupPasswordForm,
)
from mspprocess.core.models import Membership, Tenant
from mspprocess.core.services import (
    InvitationError,
    LastAdminError,
    change_role,
    invite,
    member_name,
    remove,
    send_invitation,
)

logger = logging.getLogger(__name__)

admin_view = tenant_view(Membership.Role.ADMIN)
MAIL_ERRORS = (smtplib.SMTPException, OSError, socket.timeout)
AUDIT_PAGE_SIZE = 50


def _as_role(membership: Membership) -> str:
    return "an admin" if membership.is_admin else "a technician"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where sign-in lands: the one workspace, a choice of several, or none."""
    memberships = list(
        Membership.objects.filter(user=request.user)
        .select_related("tenant")
        .order_by("tenant__name")
    )
    if len(memberships) == 1:
        return redirect(memberships[0].tenant)
    return render(request, "mspprocess/pick_tenant.html", {"memberships": memberships})


@tenant_view()
def tenant_home(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    return render(
        request,
        "mspprocess/tenant_home.html",
        {
            "tenant": tenant,
            "membership": request.membership,  # type: ignore[attr-defined]
            "active": "home",
        },
    )


# -- the Team page ---------------------------------------------------------------


def _members_page(request: HttpRequest, tenant: Tenant, form: InviteForm) -> HttpResponse:
    memberships = (
        Membership.objects.filter(tenant=tenant).select_related("user").order_by("user__username")
    )
    ctx = {
        "tenant": tenant,
        "memberships": memberships,
        "form": form,
        "roles": Membership.Role.choices,
        "active": "members",
    }
    return render(request, "mspprocess/members.html", ctx)


@admin_view
def members(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    return _members_page(request, tenant, InviteForm())


@require_POST
@admin_view
def member_invite(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            membership = invite(
                tenant,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                request.user,
                request=request,
            )
        except InvitationError as e:
            form.add_error("email", e)
        else:
            _send(request, membership)
            return redirect("members", tenant.slug)
    return _members_page(request, tenant, form)


def _send(request: HttpRequest, membership: Membership) -> None:
    email = membership.user.email
    try:
        send_invitation(membership, request.user, request=request)
    except MAIL_ERRORS as e:
        logger.warning("invitation for membership %s not sent: %s", membership.pk, type(e).__name__)
        messages.warning(
            request,
            f"{email} is in the team, but our mail service did not accept the invitation "
            "email. Try “Resend invitation” in a few minutes.",
        )
    else:
        messages.success(
            request, f"Invitation sent to {email}. They join as {_as_role(membership)}."
        )


@require_POST
@admin_view
def member_resend(request: HttpRequest, tenant: Tenant, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("user"), tenant=tenant, pk=pk)
    _send(request, membership)
    return redirect("members", tenant.slug)


@require_POST
@admin_view
def member_role(request: HttpRequest, tenant: Tenant, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("user"), tenant=tenant, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Admin or Technician.")
        return redirect("members", tenant.slug)
    role = form.cleaned_data["role"]
    if role == membership.role:
        return redirect("members", tenant.slug)
    me = request.membership  # type: ignore[attr-defined]
    try:
        change_role(membership, role, by=me, request=request)
    except LastAdminError as e:
        messages.error(request, e.message)
        return redirect("members", tenant.slug)
    if membership.pk == me.pk:
        messages.success(request, f"You are now {_as_role(membership)} of {tenant.name}.")
        # The Team page is for admins only: leave for the overview, not a 403.
        return redirect("tenant_home", tenant.slug)
    messages.success(request, f"{member_name(membership)} is now {_as_role(membership)}.")
    return redirect("members", tenant.slug)


@admin_view
def member_remove(request: HttpRequest, tenant: Tenant, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST removes."""
    membership = get_object_or_404(Membership.objects.select_related("user"), tenant=tenant, pk=pk)
    me = request.membership  # type: ignore[attr-defined]
    is_me = membership.pk == me.pk
    if request.method == "POST":
        try:
            remove(membership, by=me, request=request)
        except LastAdminError as e:
            messages.error(request, e.message)
            return redirect("members", tenant.slug)
        if is_me:
            messages.success(request, f"You have left {tenant.name}.")
            return redirect("home")
        messages.success(
            request, f"{member_name(membership)} no longer has access to {tenant.name}."
        )
        return redirect("members", tenant.slug)
    is_last_admin = (
        membership.is_admin
        and not Membership.objects.filter(tenant=tenant, role=Membership.Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )
    ctx = {
        "tenant": tenant,
        "member": membership,
        "is_me": is_me,
        "is_last_admin": is_last_admin,
        "active": "members",
    }
    return render(request, "mspprocess/members_remove.html", ctx)


# -- the audit trail -------------------------------------------------------------


@tenant_view(Membership.Role.ADMIN)
def audit(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    # The actor is joined only to mark our staff's changes; the name is on the event.
    events = form.filter(AuditEvent.objects.filter(tenant=tenant)).select_related("actor")
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"tenant": tenant, "form": form, "page": page, "active": "audit"}
    return render(request, "mspprocess/audit.html", ctx)


# -- sign-up ----------------------------------------------------------------------


def _signup_enabled() -> None:
    if not settings.SIGNUP_ENABLED:
        raise Http404("Sign-up is off.")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    _signup_enabled()
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_robot:
            return render(request, "registration/signup_sent.html", {"email": ""})
        if signups.throttled(request, form.cleaned_data["email"]):
            form.add_error(
                None,
                "Too many sign-ups from your network or your email domain in the last hour. "
                "Try again in an hour, or ask us to set up your workspace.",
            )
            return render(request, "registration/signup.html", {"form": form}, status=429)
        signup = signups.Signup(**{k: form.cleaned_data[k] for k in ("name", "email", "msp_name")})
        try:
            signups.send_link(signup)
        except MAIL_ERRORS as e:
            logger.warning("sign-up email not sent: %s", type(e).__name__)
            form.add_error(
                None,
                "Our mail service did not accept the confirmation email. Nothing was saved: "
                "try again in a few minutes.",
            )
            return render(request, "registration/signup.html", {"form": form}, status=503)
        return render(request, "registration/signup_sent.html", {"email": signup.email})
    return render(request, "registration/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what will be created and asks for a password; POST creates it (a
    mail scanner that follows the link must not create a workspace), signs the new
    admin in and opens the set-up page."""
    _signup_enabled()
    try:
        pending = signups.read_link(token)
    except signups.SignupError as e:
        return _link_problem(request, e)
    form = SignupPasswordForm(request.POST or None, name=pending.name, email=pending.email)
    if request.method == "POST" and form.is_valid():
        try:
            membership = signups.create_workspace(pending, form.cleaned_data["password"], request)
        except signups.SignupError as e:
            return _link_problem(request, e)
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("setup", membership.tenant.slug)
    status = 400 if form.errors else 200
    ctx = {"signup": pending, "form": form}
    return render(request, "registration/signup_confirm.html", ctx, status=status)


def _link_problem(request: HttpRequest, error: signups.SignupError) -> HttpResponse:
    ctx = {"problem": error.message}
    return render(request, "registration/signup_confirm.html", ctx, status=400)
