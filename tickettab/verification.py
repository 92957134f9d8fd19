"""Verifying a contact: send a code or a link, check it, record an override.

Every function here works on our database only, except the sends (which need
the contact's details from Halo and a delivery provider). Verification state
never depends on Halo being up; the note for the ticket waits in the outbox.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from mspprocess.core.models import Tenant
from mspprocess.errors import ReadableError
from tickettab import codes, delivery, phones, signals
from tickettab.context import Contact
from tickettab.models import Verification, VerificationSettings
from tickettab.onboarding import activate_if_onboarded
from tickettab.tabauth import TabIdentity

MAX_WRONG_CODES = 5
RESEND_COOLDOWN = timedelta(seconds=30)
SEND_METHODS = (Verification.Method.SMS, Verification.Method.EMAIL, Verification.Method.LINK)
# A push is a send too (push bombing is the attack): it waits out the same cooldown.
COOLDOWN_METHODS = (*SEND_METHODS, Verification.Method.PUSH)
# The reverse check's word reaches the contact as well, so it counts in the hourly caps;
# it is no cooldown's reason, as a technician sends it and then verifies at once.
CAPPED_METHODS = (*COOLDOWN_METHODS, Verification.Method.REVERSE)


class VerificationError(ReadableError):
    """Something the technician should read: a limit, a missing detail, a wrong code."""

    def __init__(self, message: str, verification: Verification | None = None) -> None:
        super().__init__(message)
        self.verification = verification


def _base(tenant: Tenant, contact: Contact, ticket_id: int, who: TabIdentity) -> dict:
    return {
        "tenant": tenant,
        "halo_user_id": contact.halo_user_id,
        "contact_name": contact.name[:200],
        "halo_client_id": contact.client_id or None,
        "client_name": contact.client_name[:200],
        "ticket_id": ticket_id,
        "agent_name": who.name[:200],
        "halo_agent_id": who.halo_agent_id,
        "member_id": who.user_id,
    }


def check_send_allowed(
    tenant: Tenant, prefs: VerificationSettings, contact: Contact, method: str
) -> None:
    """Refuse a send the settings, the contact's details or the limits do not allow.
    Called inside a transaction that holds the tenant's settings row (one send at a time)."""
    if method in SEND_METHODS and method not in prefs.enabled_methods:
        raise VerificationError("Your administrator has turned this verification method off.")
    if method == Verification.Method.SMS:
        try:
            # Checked again here, not only when the tab showed the contact: Halo may
            # have changed since, and we never send to a number we could not read.
            contact.sms_number()
        except phones.PhoneProblem as e:
            raise VerificationError(e.message) from None
    if method in (Verification.Method.EMAIL, Verification.Method.LINK) and not contact.email:
        raise VerificationError(
            "This contact has no email address in Halo. Send a code by SMS, or add the "
            "address to the contact in Halo (never use one the caller gives you)."
        )

    now = timezone.now()
    sends = Verification.objects.filter(tenant=tenant, method__in=CAPPED_METHODS)
    if method in COOLDOWN_METHODS:
        last = (
            sends.filter(halo_user_id=contact.halo_user_id, method__in=COOLDOWN_METHODS)
            .order_by("-created")
            .values_list("created", flat=True)
            .first()
        )
        if last and now - last < RESEND_COOLDOWN:
            wait = int((RESEND_COOLDOWN - (now - last)).total_seconds()) + 1
            raise VerificationError(
                f"A code, link or push was just sent. Wait {wait} seconds before sending another."
            )
    hour_ago = now - timedelta(hours=1)
    if (
        sends.filter(halo_user_id=contact.halo_user_id, created__gte=hour_ago).count()
        >= prefs.contact_hourly_cap
    ):
        raise VerificationError(
            f"This contact has been sent {prefs.contact_hourly_cap} codes, links or pushes in "
            "the last hour, the most allowed. Verify another way, or try again later."
        )
    if sends.filter(created__gte=hour_ago).count() >= prefs.tenant_hourly_cap:
        raise VerificationError(
            "Your workspace has reached its limit of sends per hour. Try again later or ask "
            "your administrator to raise the limit in the verification settings."
        )


def mark_send_failed(verification: Verification, message: str) -> VerificationError:
    """Record why a send did not go out; the error to raise, for the tab to show."""
    Verification.objects.filter(pk=verification.pk).update(
        status=Verification.Status.SEND_FAILED, error=message[:300]
    )
    verification.status, verification.error = Verification.Status.SEND_FAILED, message[:300]
    return VerificationError(message, verification)


def replace_pending(verification: Verification) -> None:
    """Cancel the contact's other pending attempts, now that this one is on its way: a
    failed send leaves an earlier code usable, a sent one makes it the only one."""
    Verification.objects.filter(
        tenant_id=verification.tenant_id,
        halo_user_id=verification.halo_user_id,
        status=Verification.Status.PENDING,
    ).exclude(pk=verification.pk).update(
        status=Verification.Status.CANCELLED, completed_at=timezone.now()
    )


def start(
    tenant: Tenant,
    prefs: VerificationSettings,
    contact: Contact,
    ticket_id: int,
    who: TabIdentity,
    method: str,
    **fields,
) -> Verification:
    """Record a send once the limits allow it. Sends are serialized per tenant (its
    settings row is the lock), so two clicks cannot both pass the limits."""
    with transaction.atomic():
        VerificationSettings.objects.select_for_update().filter(pk=prefs.pk).first()
        check_send_allowed(tenant, prefs, contact, method)
        return Verification.objects.create(
            **_base(tenant, contact, ticket_id, who), method=method, **fields
        )


def send(
    tenant: Tenant, contact: Contact, ticket_id: int, who: TabIdentity, method: str
) -> Verification:
    """Send a code (SMS/email) or a secure link to the contact's details from Halo."""
    prefs = VerificationSettings.for_tenant(tenant)
    link = method == Verification.Method.LINK
    secret = codes.new_link_token() if link else codes.new_code()
    verification = start(
        tenant,
        prefs,
        contact,
        ticket_id,
        who,
        method,
        # Masked only: the full number or address is read from Halo when needed. (A
        # number that cannot take an SMS is refused by the checks, before any row.)
        destination=contact.masked_mobile
        if method == Verification.Method.SMS
        else contact.masked_email,
        code_hash="" if link else codes.hash_code(secret),
        link_hash=codes.hash_link_token(secret) if link else None,
        expires_at=timezone.now() + prefs.code_lifetime,
    )

    # Deliver outside the transaction: a slow provider must not hold the lock.
    try:
        delivery.deliver(tenant, prefs, verification, contact, secret)
    except delivery.DeliveryError as e:
        raise mark_send_failed(verification, e.message) from None
    replace_pending(verification)
    return verification


def _pending(tenant: Tenant, verification_id: int) -> Verification:
    v = Verification.objects.select_for_update().filter(tenant=tenant, pk=verification_id).first()
    if v is None:
        raise VerificationError("This verification no longer exists. Start a new one.")
    return v


def _refusal(v: Verification) -> str:
    """Why this attempt can no longer be answered ("" when it can). An attempt found
    past its expiry is recorded as expired here, so the caller must let its
    transaction commit before raising the refusal (raising inside would undo it)."""
    if v.status == Verification.Status.PENDING and v.is_expired:
        v.status, v.completed_at = Verification.Status.EXPIRED, timezone.now()
        v.save(update_fields=["status", "completed_at"])
        signals.finished(v)
    if v.status == Verification.Status.PENDING:
        return ""
    messages = {
        Verification.Status.EXPIRED: "This code has expired. Send a new one.",
        Verification.Status.LOCKED: "Too many wrong codes: this attempt is locked. "
        "Send a new code or verify another way.",
        Verification.Status.CANCELLED: "A newer code was sent; use that one.",
        Verification.Status.VERIFIED: "This contact is already verified with this code.",
    }
    return messages.get(v.status, "This verification is finished. Start a new one.")


def check_code(tenant: Tenant, verification_id: int, typed: str) -> Verification:
    """Check the code the caller read back. Five wrong entries lock the attempt."""
    code = codes.normalize_code(typed)
    with transaction.atomic():
        v = _pending(tenant, verification_id)
        v.tenant = tenant  # the note needs it; don't load it again
        if v.method not in (Verification.Method.SMS, Verification.Method.EMAIL):
            raise VerificationError("This verification has no code to type.", v)
        refusal = _refusal(v)
        if not refusal:
            if not (code.isascii() and code.isdigit()) or len(code) != codes.CODE_DIGITS:
                # Not a guess: a typo costs no attempt.
                raise VerificationError("Type the 6 digits the caller reads to you.", v)
            if codes.check_code(code, v.code_hash):
                v.status, v.completed_at = Verification.Status.VERIFIED, timezone.now()
                v.save(update_fields=["status", "completed_at"])
                signals.finished(v)
                activate_if_onboarded(tenant)  # the first verification can finish onboarding
                return v
            v.wrong_attempts += 1
            if v.wrong_attempts >= MAX_WRONG_CODES:
                v.status, v.completed_at = Verification.Status.LOCKED, timezone.now()
                v.save(update_fields=["wrong_attempts", "status", "completed_at"])
                signals.finished(v)
            else:
                v.save(update_fields=["wrong_attempts"])
    if refusal:
        raise VerificationError(refusal, v)
    if v.status == Verification.Status.LOCKED:
        raise VerificationError(
            f"Wrong code {MAX_WRONG_CODES} times: this attempt is locked. Be careful: the caller "
            "may not be who they say. Send a new code or verify another way.",
            v,
        )
    left = MAX_WRONG_CODES - v.wrong_attempts
    raise VerificationError(
        f"That code is not right. {left} {'try' if left == 1 else 'tries'} left.", v
    )


def answer_link(token: str, confirmed: bool) -> Verification:
    """The contact's click on the secure-link page: "Yes, it's me" or "No"."""
    with transaction.atomic():
        v = (
            Verification.objects.select_for_update()
            .select_related("tenant")
            .filter(link_hash=codes.hash_link_token(token), method=Verification.Method.LINK)
            .first()
        )
        if v is None:
            raise VerificationError("This link is not valid.")
        refusal = _refusal(v)
        if not refusal:
            v.status = Verification.Status.VERIFIED if confirmed else Verification.Status.DENIED
            v.completed_at = timezone.now()
            v.save(update_fields=["status", "completed_at"])
            signals.finished(v)
            if confirmed:
                activate_if_onboarded(v.tenant)
    if refusal:
        raise VerificationError(refusal, v)
    return v


def find_link(token: str) -> Verification | None:
    return (
        Verification.objects.select_related("tenant")
        .filter(link_hash=codes.hash_link_token(token), method=Verification.Method.LINK)
        .first()
    )


def record_override(
    tenant: Tenant, contact: Contact, ticket_id: int, who: TabIdentity, reason: str
) -> Verification:
    prefs = VerificationSettings.for_tenant(tenant)
    reason = " ".join(reason.split())
    if len(reason) < prefs.override_min_reason:
        raise VerificationError(
            f"Say how you verified the caller, in at least {prefs.override_min_reason} characters "
            "(for example: “called back on the number in our documentation”)."
        )
    with transaction.atomic():
        v = Verification.objects.create(
            **_base(tenant, contact, ticket_id, who),
            method=Verification.Method.OVERRIDE,
            status=Verification.Status.OVERRIDE,
            reason=reason[:2000],
            completed_at=timezone.now(),
        )
        signals.finished(v)
        activate_if_onboarded(tenant)
    return v
