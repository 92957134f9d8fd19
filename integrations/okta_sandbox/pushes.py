"""Pushes to Okta Verify: sent by the API, answered on the devices page.

A push waits for its lifetime (Okta's default for a factor verification is 300
seconds, `tokenLifetimeSeconds`; the sandbox's is a setting and `set_lifetime`),
then reads TIMEOUT. The first answer wins: answers are a conditional UPDATE of a
push still WAITING and not expired, so a second answer, two racing answers, or an
answer after expiry change nothing.

Number challenge: Okta Verify shows three numbers and the person taps the one the
sign-in screen shows (`correctAnswer`); tapping another is a rejection, as Okta
Verify treats it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from integrations.okta_sandbox.models import OktaFactor, OktaOrg, OktaPush

DEFAULT_LIFETIME_SECONDS = 300  # Okta's default tokenLifetimeSeconds
MAX_LIFETIME_SECONDS = 86400  # Okta's maximum tokenLifetimeSeconds
CHOICES = 3


def lifetime(org: OktaOrg) -> int:
    if org.push_lifetime_seconds is not None:
        return org.push_lifetime_seconds
    default = DEFAULT_LIFETIME_SECONDS
    return int(getattr(settings, "OKTA_SANDBOX_PUSH_LIFETIME_SECONDS", default))


def _challenge() -> tuple[int, list[int]]:
    # Okta Verify's numbers are two digits (10-99); three distinct, one correct.
    rng = secrets.SystemRandom()
    choices = sorted(rng.sample(range(10, 100), CHOICES))
    return rng.choice(choices), choices


def send(
    factor: OktaFactor,
    *,
    number_challenge: bool,
    lifetime_seconds: int,
    user_agent: str = "",
    client_ip: str = "",
) -> OktaPush:
    now = timezone.now()
    push = OktaPush(
        # Okta's transaction ids look like "v2mst.GldKV5VxTrifyeZmWSQguA".
        id="v2mst." + secrets.token_urlsafe(16),
        factor=factor,
        created=now,
        expires=now + timedelta(seconds=lifetime_seconds),
        user_agent=user_agent[:300],
        client_ip=client_ip[:100],
    )
    if number_challenge and factor.number_matching:
        push.correct_answer, push.choices = _challenge()
    push.save()
    return push


def answer(transaction_id: str, approve: bool, number: int | None = None) -> str | None:
    """Approve or deny a push as the person would; returns its result afterwards
    (None for an unknown transaction). A wrong number is a rejection."""
    push = OktaPush.objects.filter(pk=transaction_id).first()
    if push is None:
        return None
    if approve and push.correct_answer is not None and number != push.correct_answer:
        approve = False
    now = timezone.now()
    OktaPush.objects.filter(pk=push.pk, result=OktaPush.WAITING, expires__gt=now).update(
        result=OktaPush.SUCCESS if approve else OktaPush.REJECTED, answered=now
    )
    push.refresh_from_db()
    return push.result_at(now)


def pending(login: str | None = None) -> list[OktaPush]:
    """Pushes still waiting for an answer, newest first (all, or one login's)."""
    qs = OktaPush.objects.filter(result=OktaPush.WAITING, expires__gt=timezone.now())
    if login is not None:
        qs = qs.filter(factor__user__login__iexact=login)
    return list(qs.select_related("factor__user__org").order_by("-created", "-id"))
