"""The Team page: a workspace's admins invite, re-role and remove members."""

from __future__ import annotations

import logging
import smtplib
import socket
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from mspprocess import audit
from mspprocess.access import tenant_view
from mspprocess.errors import ReadableError
from mspprocess.invitations import InvitationError, invite, send_invitation
from mspprocess.member_forms import InviteForm, RoleForm
from mspprocess.models import Membership, Tenant
from mspprocess.people import display_name

logger = logging.getLogger(__name__)

admin_view = tenant_view(Membership.Role.ADMIN)
MAIL_ERRORS = (smtplib.SMTPException, OSError, socket.timeout)


class LastAdminError(ReadableError):
    """A change that would leave the workspace without an admin."""


def _as_role(membership: Membership) -> str:
    return "an admin" if membership.is_admin else "a technician"


def _name(membership: Membership) -> str:
    return display_name(membership.user)


def _refuse_if_last_admin(membership: Membership, by: Membership | None, action: str) -> None:
    """Refuse to leave the workspace without an admin; call inside a transaction.

    The admin rows are locked so that two admins demoting each other at the same
    moment cannot both succeed (on PostgreSQL; SQLite serialises writes anyway).
    """
    admins = list(
        Membership.objects.select_for_update()
        .filter(tenant=membership.tenant, role=Membership.Role.ADMIN)
        .values_list("pk", flat=True)
    )
    if admins != [membership.pk]:
        return
    who = "You are" if by is not None and by.pk == membership.pk else f"{_name(membership)} is"
    raise LastAdminError(
        f"{who} the only admin of {membership.tenant.name}, so you cannot {action}. "
        "Make another member an admin first: a workspace needs an admin to manage the "
        "team, the settings and the Halo connection."
    )


def _actor(by: Membership | None, request: HttpRequest | None) -> Any:
    if request is not None:
        return request.user
    return by.user if by is not None else None


def change_role(
    membership: Membership, role: str, by: Membership | None, *, request: HttpRequest | None = None
) -> None:
    before = membership.get_role_display()
    with transaction.atomic():
        if role != Membership.Role.ADMIN:
            _refuse_if_last_admin(membership, by, "make them a technician")
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record(
            membership.tenant,
            _actor(by, request),
            audit.AuditEvent.Action.MEMBERSHIP_ROLE_CHANGED,
            fields=["role"],
            detail=f"{_name(membership)}: {before} → {membership.get_role_display()}",
            request=request,
        )


def remove(
    membership: Membership, by: Membership | None, *, request: HttpRequest | None = None
) -> None:
    # The account stays: it may belong to other workspaces, and past verifications
    # keep the name of the technician who made them.
    with transaction.atomic():
        _refuse_if_last_admin(membership, by, "remove them")
        audit.record(
            membership.tenant,
            _actor(by, request),
            audit.AuditEvent.Action.MEMBERSHIP_REMOVED,
            detail=f"{_name(membership)} ({membership.get_role_display()})",
            request=request,
        )
        membership.delete()


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
    messages.success(request, f"{_name(membership)} is now {_as_role(membership)}.")
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
        messages.success(request, f"{_name(membership)} no longer has access to {tenant.name}.")
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
