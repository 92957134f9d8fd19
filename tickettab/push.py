"""A push to the authenticator the caller already has (Duo Mobile, Okta Verify).

The push goes through the identity provider of the contact's Halo client
(identity.models.ProviderClient). It is a send like a code: the same cooldown and
hourly caps hold (push bombing is the attack they stop). Only the provider's
"approved" turns the shield green; a denial is an impersonation warning, like a "No"
on a secure link.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from identity import adapters, lookup, matching
from mspprocess.core.models import Tenant
from tickettab import signals
from tickettab.context import Contact
from tickettab.models import Verification, VerificationSettings
from tickettab.onboarding import activate_if_onboarded
from tickettab.tabauth import TabIdentity
from tickettab.verification import VerificationError, mark_send_failed, replace_pending, start

logger = logging.getLogger(__name__)

S = Verification.Status
# Until the provider says how long it waits (Duo 60 s, Okta 5 minutes), the attempt
# counts as pending this long.
PROVISIONAL_LIFETIME = timedelta(minutes=2)
# An answer the caller gave just before the provider's deadline may reach us after it
# (the tab polls every few seconds), so we wait this much longer than the provider;
# the provider itself says "timed out" once its own deadline has passed.
ANSWER_GRACE = timedelta(seconds=10)


def send_push(tenant: Tenant, contact: Contact, ticket_id: int, who: TabIdentity) -> Verification:
    """Ask the contact's identity provider to push to their authenticator."""
    provider = lookup.provider_for_client(tenant, contact.client_id)
    if provider is None:
        client = contact.client_name or "This contact's client"
        raise VerificationError(
            f"{client} has no identity provider connected, so there is no push to send. "
            "Send a code instead, or ask your administrator to connect one."
        )
    try:
        login = matching.login_for(provider, contact.email, contact.record)
    except adapters.ProviderError as e:
        raise VerificationError(e.message) from None

    prefs = VerificationSettings.for_tenant(tenant)
    verification = start(
        tenant,
        prefs,
        contact,
        ticket_id,
        who,
        Verification.Method.PUSH,
        provider=provider,
        destination=provider.app_name,
        expires_at=timezone.now() + PROVISIONAL_LIFETIME,
    )
    message = adapters.PushMessage(msp_name=tenant.name, ticket_id=ticket_id, technician=who.name)
    # Outside any transaction: the provider may be slow, and the lock is the tenant's.
    try:
        sent = adapters.send_push(provider, login, message)
    except adapters.ProviderError as e:
        logger.info("push %s not sent: %s", verification.pk, type(e).__name__)
        raise mark_send_failed(verification, e.message) from None
    verification.provider_ref = sent.ref[:300]
    verification.destination = sent.device[:100] or provider.app_name
    verification.challenge = sent.number[:4]
    verification.expires_at = timezone.now() + sent.lifetime + ANSWER_GRACE
    verification.save(update_fields=["provider_ref", "destination", "challenge", "expires_at"])
    replace_pending(verification)
    return verification


def check_push(tenant: Tenant, verification: Verification) -> Verification:
    """Ask the provider for the caller's answer to a pending push and record it.

    Raises VerificationError (with the verification) when the provider cannot be
    asked now: the push stays pending and the tab asks again at its next poll.
    """
    v = verification
    if v.method != Verification.Method.PUSH or v.status != S.PENDING:
        return v
    # Past our deadline, or its provider removed since: nothing can approve it now.
    if v.is_expired or v.provider is None or not v.provider_ref:
        return _finish(tenant, v, adapters.Answer.TIMED_OUT)
    try:
        answer = adapters.push_answer(v.provider, v.provider_ref)
    except adapters.ProviderError as e:
        raise VerificationError(e.message, v) from None
    if answer == adapters.Answer.WAITING:
        return v
    return _finish(tenant, v, answer)


def _finish(tenant: Tenant, verification: Verification, answer: adapters.Answer) -> Verification:
    status = {
        adapters.Answer.APPROVED: S.VERIFIED,
        adapters.Answer.DENIED: S.DENIED,
    }.get(answer, S.EXPIRED)
    with transaction.atomic():
        # Two tabs polling the same push: the first answer recorded wins, once.
        v = Verification.objects.select_for_update().filter(pk=verification.pk).first()
        if v is None or v.status != S.PENDING:
            return v or verification
        v.tenant = tenant
        v.status, v.completed_at = status, timezone.now()
        v.save(update_fields=["status", "completed_at"])
        signals.finished(v)  # an expired push has no note, but it is an outcome
        if status == S.VERIFIED:
            activate_if_onboarded(tenant)
    return v
