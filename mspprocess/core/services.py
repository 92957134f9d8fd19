"""The tenant core's writes: inviting people into a workspace (the membership, the
account, the email), changing a member's role and removing them. Each is audited here.

Shared by the Team page (a customer admin invites technicians) and the onboarding
console (our staff invite a customer's first admin).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mspprocess.core import audit
from mspprocess.core.models import Membership, Tenant
from mspprocess.core.people import display_name
from mspprocess.errors import ReadableError

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)


class InvitationError(ValidationError):
    """Why an invitation was refused, in words for the person inviting."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code)


def normalize_email(email: str) -> str:
    # Mailbox names are case-sensitive in theory, never in practice; comparing in
    # lower case keeps "Jane@Acme.com" and "jane@acme.com" one person.
    return email.strip().lower()


def find_user(email: str) -> Any | None:
    """The account using this address; the oldest when several share it.

    Django does not make emails unique. Whoever holds the mailbox can reset the
    password of every account using it, so picking one is no extra power.
    """
    user_model = get_user_model()
    return user_model.objects.filter(email__iexact=email).order_by("pk").first()


def _username_for(email: str) -> str:
    """The address itself: what people type at sign-in without being told twice."""
    user_model = get_user_model()
    max_length = user_model._meta.get_field("username").max_length
    base = email[:max_length]
    candidate, n = base, 1
    while user_model.objects.filter(username__iexact=candidate).exists():
        n += 1
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)] + suffix
    return candidate


def invite(
    tenant: Tenant,
    email: str,
    role: str,
    invited_by: Any | None,
    *,
    request: HttpRequest | None = None,
) -> Membership:
    """Add the person using `email` to `tenant`, creating their account if needed.

    Raises InvitationError with a message for the inviter. Does not send the
    email: call send_invitation() once the membership is there.
    """
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise InvitationError("Enter a valid email address.", code="invalid_email") from None
    if role not in Membership.Role.values:
        raise InvitationError("Choose Admin or Technician.", code="invalid_role")

    user = find_user(email)
    if user is not None and Membership.objects.filter(tenant=tenant, user=user).exists():
        raise InvitationError(
            f"{email} is already a member of {tenant.name}. Change their role in the list "
            "below instead.",
            code="duplicate",
        )
    if user is not None and not user.is_active:
        raise InvitationError(
            f"The MSP Process account of {email} is switched off. Ask your account manager "
            "to switch it back on.",
            code="inactive",
        )

    try:
        with transaction.atomic():
            if user is None:
                user = get_user_model()(username=_username_for(email), email=email)
                # No password until they choose one through the invitation link.
                user.set_unusable_password()
                user.save()
            membership = Membership.objects.create(tenant=tenant, user=user, role=role)
            audit.record(
                tenant,
                invited_by,
                audit.AuditEvent.Action.MEMBERSHIP_ADDED,
                detail=f"{email} as {membership.get_role_display()}",
                request=request,
            )
    except IntegrityError:
        # Two admins inviting the same address at the same moment.
        raise InvitationError(
            f"{email} is already a member of {tenant.name}.", code="duplicate"
        ) from None
    logger.info(
        "membership %s: %s invited to tenant %s as %s by %s",
        membership.pk,
        user.pk,
        tenant.pk,
        role,
        getattr(invited_by, "pk", None),
    )
    return membership


def set_password_url(user: Any) -> str:
    """An absolute, single-use link to Django's password-reset confirmation page.

    It expires after PASSWORD_RESET_TIMEOUT and stops working once a password is
    set (the token covers the password hash and the last login).
    """
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.PUBLIC_BASE_URL}{path}"


def send_invitation(
    membership: Membership, invited_by: Any | None, *, request: HttpRequest | None = None
) -> None:
    """Email the invitation. Raises what the mail backend raises when it fails.

    People who already have a password are sent to the sign-in page; everyone else
    gets a link to choose one.
    """
    user = membership.user
    tenant = membership.tenant
    needs_password = not user.has_usable_password()
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    workspace_url = f"{settings.PUBLIC_BASE_URL}{tenant.get_absolute_url()}"
    ctx = {
        "msp": tenant.name,
        "inviter": display_name(invited_by),
        "role": membership.get_role_display(),
        "is_admin": membership.is_admin,
        "username": user.get_username(),
        "needs_password": needs_password,
        "workspace_url": workspace_url,
        # Signed out, the workspace address leads through the sign-in page.
        "link": set_password_url(user) if needs_password else workspace_url,
        "days": days,
    }
    subject = f"{tenant.name} invited you to MSP Process"
    text = render_to_string("mspprocess/email/invitation.txt", ctx)
    html = render_to_string("mspprocess/email/invitation.html", ctx)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("invitation for membership %s sent", membership.pk)
    audit.record(
        tenant,
        invited_by,
        audit.AuditEvent.Action.INVITATION_SENT,
        detail=user.email,
        request=request,
    )


# -- members ----------------------------------------------------------------------


class LastAdminError(ReadableError):
    """A change that would leave the workspace without an admin."""


def member_name(membership: Membership) -> str:
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
    who = (
        "You are" if by is not None and by.pk == membership.pk else f"{member_name(membership)} is"
    )
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
            detail=f"{member_name(membership)}: {before} → {membership.get_role_display()}",
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
            detail=f"{member_name(membership)} ({membership.get_role_display()})",
            request=request,
        )
        membership.delete()


# -- the workspace ------------------------------------------------------------------


def save_tenant(
    tenant: Tenant,
    changed: list[str],
    *,
    created: bool,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> None:
    """Save a workspace edited in the console; `changed` names the fields changed."""
    with transaction.atomic():
        tenant.save()
        if created:
            audit.record(tenant, actor, audit.AuditEvent.Action.TENANT_CREATED, request=request)
        elif changed:
            action = (
                audit.AuditEvent.Action.TENANT_STATUS_CHANGED
                if changed == ["status"]
                else audit.AuditEvent.Action.TENANT_CHANGED
            )
            audit.record(tenant, actor, action, fields=changed, request=request)


def set_status(
    tenant: Tenant, status: str, *, actor: Any = None, request: HttpRequest | None = None
) -> bool:
    """Activate, suspend or reopen onboarding; False when it already was."""
    if tenant.status == status:
        return False
    before = tenant.get_status_display()
    with transaction.atomic():
        tenant.status = status
        tenant.save(update_fields=["status", "updated"])
        audit.record(
            tenant,
            actor,
            audit.AuditEvent.Action.TENANT_STATUS_CHANGED,
            fields=["status"],
            detail=f"{before} → {tenant.get_status_display()}",
            request=request,
        )
    return True


def assign_account_manager(
    tenant: Tenant, manager: Any, *, request: HttpRequest | None = None
) -> bool:
    """`manager` (a member of our staff) looks after this workspace from now on;
    False when they already did."""
    if tenant.account_manager_id == manager.pk:
        return False
    with transaction.atomic():
        tenant.account_manager = manager
        tenant.save(update_fields=["account_manager", "updated"])
        audit.record(
            tenant,
            manager,
            audit.AuditEvent.Action.TENANT_CHANGED,
            fields=["account_manager"],
            detail=f"Account manager: {display_name(manager)}",
            request=request,
        )
    return True
