"""When a finished verification raises an alert, and raising it.

The rules (one alert per verification at most, so one email per event):

- a denial (the contact answered "No" to a secure link, or denied a push) raises a
  "denial" alert at once;
- a lockout (5 wrong codes) raises a "lockout" alert at once;
- a failed verification (denied, locked or expired) of a contact who already had 2
  in the hour before it, counted over the same workspace and Halo user, is
  "repeated failures"; a denial or a lockout stays its own alert and says that it is
  failure number N, and an expiry raises a "repeated failures" alert — unless an
  unacknowledged alert from the last hour already reported repeated failures for
  that contact (a "repeated failures" one, or a denial or lockout that was the 3rd
  failure or later). No alert storm: while someone has not looked at the first
  alert, further failures of the same contact add nothing but rows in the report.
  Once it is acknowledged, the next failure within the hour raises a new one.

The receiver runs after the verification's transaction commits (tickettab/signals.py)
and must never break the request that finished it, so it logs what goes wrong. An
alert the receiver could not write (the database blinked, the process died between
commit and signal) is caught up by the worker (`catch_up`) for denials and lockouts.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts import delivery
from alerts.models import Alert, AlertDelivery, AlertSettings
from tickettab.models import Verification

logger = logging.getLogger(__name__)

S = Verification.Status
FAILED = (S.DENIED, S.LOCKED, S.EXPIRED)
WINDOW = timedelta(hours=1)
REPEATED = 3
OWN_KIND = {S.DENIED: Alert.Kind.DENIAL, S.LOCKED: Alert.Kind.LOCKOUT}
# How far back the worker looks for denials and lockouts the signal missed.
CATCH_UP_WINDOW = timedelta(hours=1)


def on_verification_finished(sender: Any, verification: Verification, **kwargs: Any) -> None:
    """The `verification_finished` receiver (connected in alerts/apps.py)."""
    if verification.status not in FAILED:
        return
    try:
        alert = raise_for(verification)
    except Exception:
        logger.exception(
            "alerts: no alert recorded for verification %s (%s); deliver_alerts catches "
            "denials and lockouts up",
            verification.pk,
            verification.status,
        )
        return
    if alert is not None:
        try:
            delivery.send_soon(alert.pk)
        except Exception:
            # The rows are stored and pending: the worker sends them.
            logger.exception("alerts: alert %s not handed to delivery", alert.pk)


def failures_before(v: Verification, at: Any) -> int:
    """Failed verifications of v's contact in the hour up to `at`, v included."""
    return (
        Verification.objects.filter(
            tenant_id=v.tenant_id,
            halo_user_id=v.halo_user_id,
            status__in=FAILED,
            completed_at__gt=at - WINDOW,
            completed_at__lte=at,
        )
        .exclude(pk=v.pk)
        .count()
        + 1
    )


def _already_reported(v: Verification, now: Any) -> bool:
    """An open alert from the last hour already says this contact keeps failing."""
    return Alert.objects.filter(
        tenant_id=v.tenant_id,
        halo_user_id=v.halo_user_id,
        acknowledged_at__isnull=True,
        created__gte=now - WINDOW,
        failures__gte=REPEATED,
    ).exists()


def decide(v: Verification, failures: int, now: Any) -> str | None:
    """The kind of alert `v` raises, or None."""
    if v.status in OWN_KIND:
        return OWN_KIND[v.status]
    if v.status == S.EXPIRED and failures >= REPEATED and not _already_reported(v, now):
        return Alert.Kind.REPEATED_FAILURES
    return None


def raise_for(v: Verification) -> Alert | None:
    """Write the alert `v` calls for, with one pending delivery per channel the
    workspace has set, in one transaction; None when it calls for none (or has one)."""
    now = timezone.now()
    at = v.completed_at or now
    with transaction.atomic():
        # Alerts are decided one at a time per workspace (its settings row is the
        # lock): two failures finishing together cannot both see "no open alert yet".
        AlertSettings.objects.get_or_create(tenant_id=v.tenant_id)
        prefs = AlertSettings.objects.select_for_update().get(tenant_id=v.tenant_id)
        if Alert.objects.filter(verification=v).exists():
            return None
        failures = failures_before(v, at)
        kind = decide(v, failures, now)
        if kind is None:
            return None
        try:
            with transaction.atomic():  # a savepoint: the unique constraint is the last word
                alert = Alert.objects.create(
                    tenant_id=v.tenant_id,
                    kind=kind,
                    verification=v,
                    halo_user_id=v.halo_user_id,
                    contact_name=v.contact_name,
                    client_name=v.client_name,
                    ticket_id=v.ticket_id,
                    technician=v.agent_name,
                    method=v.method,
                    destination=v.destination,
                    failures=failures,
                    happened_at=at,
                )
        except IntegrityError:
            return None
        AlertDelivery.objects.bulk_create(
            AlertDelivery(tenant_id=v.tenant_id, alert=alert, channel=channel)
            for channel in prefs.channels
        )
    logger.warning(
        "alerts: %s alert %s for Halo user %s of tenant %s (ticket %s)",
        kind,
        alert.pk,
        v.halo_user_id,
        v.tenant_id,
        v.ticket_id,
    )
    return alert


def catch_up(limit: int = 100) -> int:
    """Raise the alerts of recent denials and lockouts that have none: the receiver
    failed, or its process died between the commit and the signal. Returns how many."""
    since = timezone.now() - CATCH_UP_WINDOW
    missed = list(
        Verification.objects.filter(
            status__in=list(OWN_KIND), completed_at__gte=since, alerts__isnull=True
        )
        .select_related("tenant")
        .order_by("completed_at")[:limit]
    )
    raised = 0
    for v in missed:
        if raise_for(v) is not None:
            logger.warning("alerts: caught up the alert of verification %s", v.pk)
            raised += 1
    return raised
