"""What the onboarding console does to a tenant, one tenant at a time.

Each action returns an Outcome (a message level and words for the account
manager), so bulk actions can report per tenant what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from integrations import services
from integrations.halo.check import ConnectionTestResult, PermissionResult
from mspprocess.core import services as core_services
from mspprocess.core.models import Membership, Tenant
from tickettab import onboarding
from tickettab import services as tab_services


@dataclass(frozen=True)
class Outcome:
    level: int
    message: str


def _mark(p: PermissionResult, connected: bool) -> str:
    # Beside a passed test, edit:tickets is pending, not a bare "not checked".
    if p.ok is None and p.name == "edit:tickets" and connected:
        return f"{p.name}: {onboarding.EDIT_PENDING.removeprefix('edit:tickets ')}"
    return f"{p.symbol} {p.name}"


def describe_test(tenant: Tenant, result: ConnectionTestResult) -> str:
    if result.busy:
        return f"{tenant}: not tested. {result.error}"
    if not result.ok and result.error:
        return f"{tenant}: connection failed. {result.error}"
    marks = ", ".join(_mark(p, result.ok) for p in result.permissions)
    missing = [p for p in result.permissions if p.ok is False]
    text = f"{tenant}: {'connected' if result.ok else 'not connected'}"
    if result.agent_name:
        text += f" as {result.agent_name}"
    text += f" ({marks})."
    if missing:
        text += " " + " ".join(p.fix for p in missing)
    if result.custom_tabs_allowed is False:
        text += (
            " Custom tabs are not allowed on: " + ", ".join(result.ticket_types_without_tabs) + "."
        )
    return text


def test_connection(tenant: Tenant, request: HttpRequest) -> Outcome:
    conn = services.connection_for(tenant)
    if not conn.has_credentials:
        return Outcome(messages.WARNING, f"{tenant}: no Halo credentials entered yet.")
    result = services.test_connection(conn, actor=request.user, request=request)
    level = messages.SUCCESS if result.ok else messages.ERROR
    if result.busy:
        level = messages.WARNING
    return Outcome(level, describe_test(tenant, result))


def rotate_tab_key(tenant: Tenant, request: HttpRequest) -> Outcome:
    tab_services.rotate_key(tab_services.tab_for(tenant), actor=request.user, request=request)
    return Outcome(
        messages.SUCCESS,
        f"{tenant}: new tab URL generated; the old one stopped working. The customer must "
        "paste the new URL into their custom tab in Halo.",
    )


def rotate_tab_secret(tenant: Tenant, request: HttpRequest) -> Outcome:
    tab_services.rotate_secret(tab_services.tab_for(tenant), actor=request.user, request=request)
    return Outcome(
        messages.SUCCESS,
        f"{tenant}: new tab secret generated; the old one stopped working. The customer "
        "must paste it into their custom tab in Halo.",
    )


def set_status(tenant: Tenant, status: str, request: HttpRequest) -> Outcome:
    label = Tenant.Status(status).label.lower()
    if not core_services.set_status(tenant, status, actor=request.user, request=request):
        return Outcome(messages.INFO, f"{tenant}: already {label}.")
    if status == Tenant.Status.SUSPENDED:
        return Outcome(
            messages.WARNING, f"{tenant}: suspended. Their tab now says the service is paused."
        )
    return Outcome(messages.SUCCESS, f"{tenant}: {label}.")


def invite_admin(tenant: Tenant, email: str, request: HttpRequest) -> Outcome:
    try:
        membership = core_services.invite(
            tenant, email, Membership.Role.ADMIN, request.user, request=request
        )
    except core_services.InvitationError as e:
        return Outcome(messages.ERROR, f"{tenant}: {e.message}")
    try:
        core_services.send_invitation(membership, request.user, request=request)
    except Exception as e:  # the mail service's own exception types vary
        return Outcome(
            messages.WARNING,
            f"{tenant}: {email} was added as an admin, but the invitation email could not be "
            f"sent ({type(e).__name__}). Try again from the Team page or here.",
        )
    return Outcome(messages.SUCCESS, f"{tenant}: invitation sent to {email}.")


CONNECTION = "integrations.change_haloconnection"


def take(tenant: Tenant, request: HttpRequest) -> Outcome:
    if not core_services.assign_account_manager(tenant, request.user, request=request):
        return Outcome(messages.INFO, f"{tenant}: already yours.")
    return Outcome(messages.SUCCESS, f"{tenant}: you are now its account manager.")


TENANT = "mspprocess.change_tenant"
# name: (button label, the permission it needs, what it does)
ACTIONS: dict[str, Any] = {
    "test_connection": ("Test Halo connection", CONNECTION, test_connection),
    "rotate_tab_key": ("Rotate tab key", CONNECTION, rotate_tab_key),
    "rotate_tab_secret": ("Rotate tab secret", CONNECTION, rotate_tab_secret),
    "mark_active": (
        "Mark active",
        TENANT,
        lambda t, r: set_status(t, Tenant.Status.ACTIVE, r),
    ),
    "suspend": ("Suspend", TENANT, lambda t, r: set_status(t, Tenant.Status.SUSPENDED, r)),
    "take": ("Take as my customer", TENANT, take),
}
