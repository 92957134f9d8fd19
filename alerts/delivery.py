"""Telling people of an alert: the email to the security contacts and the chat post,
each an `AlertDelivery` row sent after the alert commits and retried until it goes.

Shaped like tickettab/outbox.py: a sender takes a row with a compare-and-set lease,
writes its outcome only while it still holds the lease, and a row whose sender died
goes again once the lease runs out. A failure (a webhook answering 500, hanging, a
refused address, the mail server away) waits FIRST_RETRY, doubling up to MAX_RETRY,
and gives up after MAX_ATTEMPTS (about five hours), shown as "Gave up" on the page.

Exactly once, as far as the channel lets us know: a row is sent by one sender at a
time and never again once an answer said it arrived. Slack and Teams keep no
idempotency key, so a post whose answer never came (a timeout) is posted again: a
repeated alert is better than a lost one.
"""

from __future__ import annotations

import logging
import smtplib
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connections
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from alerts import webhooks, wording
from alerts.models import Alert, AlertDelivery, AlertSettings

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
# 30 s, 1, 2, 4, 8, 16, 32 minutes, then hourly: the 12th attempt comes about 5 hours
# after the first, long enough to ride out a chat or mail outage.
MAX_ATTEMPTS = 12
# Per SMTP step; Django's default (EMAIL_TIMEOUT None) would wait forever.
EMAIL_TIMEOUT = 20.0
# Longer than one send can take by the limits above (a webhook: connect, headers,
# netsafe's 30 s cap on the body; an email: a few SMTP steps), so a live sender is
# never overtaken; short enough that a dead sender's row goes again within minutes.
LEASE = timedelta(minutes=3)
# Sends after the response (the tab must not wait on Slack); a row whose thread dies
# with its process stays pending, and deliver_alerts sends it when its lease ends.
_sender = ThreadPoolExecutor(max_workers=2, thread_name_prefix="alerts")
Status = AlertDelivery.Status


def backoff(attempts: int) -> timedelta:
    return min(MAX_RETRY, FIRST_RETRY * (2 ** max(attempts - 1, 0)))


def send_soon(alert_id: int) -> Future | None:
    """Send an alert's deliveries in the background (inline when OUTBOX_SEND_INLINE)."""
    if getattr(settings, "OUTBOX_SEND_INLINE", False):
        deliver_alert(alert_id)
        return None
    return _sender.submit(_deliver_in_thread, alert_id)


def _deliver_in_thread(alert_id: int) -> None:
    try:
        deliver_alert(alert_id)
    except Exception:
        logger.exception(
            "alerts: alert %s was not sent after the request; deliver_alerts will send it",
            alert_id,
        )
    finally:
        connections.close_all()  # this thread's own connection


def deliver_alert(alert_id: int) -> dict[str, str]:
    """Try each pending channel of one alert now; channel → outcome."""
    ids = AlertDelivery.objects.filter(alert_id=alert_id, status=Status.PENDING).values_list(
        "pk", "channel"
    )
    return {channel: deliver(pk) for pk, channel in ids}


def _claim(delivery_id: int) -> AlertDelivery | None:
    """Take the lease on a pending row, or None when another sender has it or it is done."""
    now = timezone.now()
    current = (
        AlertDelivery.objects.filter(pk=delivery_id, status=Status.PENDING)
        .values("claimed_until")
        .first()
    )
    if current is None:
        return None
    held_until = current["claimed_until"]
    if held_until is not None and held_until >= now:
        return None
    # Compare-and-set on the lease we saw: of two senders, exactly one wins.
    won = AlertDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, claimed_until=held_until
    ).update(claimed_until=now + LEASE)
    if not won:
        return None
    if held_until is not None:
        logger.warning(
            "alerts: delivery %s taken over: its sender's lease ran out without an outcome",
            delivery_id,
        )
    return AlertDelivery.objects.select_related("alert__tenant").get(pk=delivery_id)


def _finish(row: AlertDelivery, outcome: str, **changes: object) -> str:
    """Write the outcome and end the lease, only while still holding it."""
    done = AlertDelivery.objects.filter(pk=row.pk, claimed_until=row.claimed_until).update(
        claimed_until=None, **changes
    )
    if not done:
        logger.warning("alerts: delivery %s lost its lease before recording %s", row.pk, outcome)
        return "dropped"
    return outcome


def deliver(delivery_id: int) -> str:
    """Try one row once: "sent", "retry", "failed", "skipped" (not ours, or done) or
    "dropped" (the lease ran out mid-send). A database error raises and leaves the
    row to its lease."""
    row = _claim(delivery_id)
    if row is None:
        return "skipped"
    alert = row.alert
    prefs = AlertSettings.for_tenant(alert.tenant)
    try:
        if row.channel == AlertDelivery.Channel.EMAIL:
            ok, message, sent_to, wait = _email(alert, prefs)
        else:
            ok, message, sent_to, wait = _webhook(alert, prefs)
    except Exception:
        logger.exception("alerts: delivery %s failed unexpectedly", row.pk)
        ok, message, sent_to, wait = False, "Unexpected error while sending.", "", None
    attempts = row.attempts + 1
    if ok:
        logger.info("alerts: alert %s sent by %s", alert.pk, row.channel)
        return _finish(
            row,
            "sent",
            status=Status.SENT,
            attempts=attempts,
            sent_at=timezone.now(),
            sent_to=sent_to[:300],
            last_error="",
        )
    if sent_to is None or attempts >= MAX_ATTEMPTS:
        # None: nothing to send to any more (the channel was removed in the settings).
        logger.warning("alerts: delivery %s gave up after %s attempts", row.pk, attempts)
        return _finish(row, "failed", status=Status.FAILED, attempts=attempts, last_error=message)
    delay = backoff(attempts)
    if wait is not None:
        delay = min(MAX_RETRY, max(delay, timedelta(seconds=wait)))
    logger.warning("alerts: delivery %s not sent (attempt %s)", row.pk, attempts)
    return _finish(
        row,
        "retry",
        attempts=attempts,
        next_attempt_at=timezone.now() + delay,
        last_error=message[:300],
    )


# ok, what went wrong, where it went (None: nowhere left to send), seconds to wait
Outcome = tuple[bool, str, str | None, float | None]


def _email(alert: Alert, prefs: AlertSettings) -> Outcome:
    to = list(prefs.security_contacts)
    if not to:
        return False, "No security contacts are set in the alert settings.", None, None
    d = wording.describe(alert)
    ctx = {
        "alert": alert,
        "msp": alert.tenant.name,
        "d": d,
        "link": wording.alerts_url(alert),
        "what_to_do": wording.WHAT_TO_DO,
    }
    text = render_to_string("alerts/email/alert.txt", ctx)
    html = render_to_string("alerts/email/alert.html", ctx)
    try:
        send_email(wording.subject(alert), text, html, to)
    except (TimeoutError, smtplib.SMTPException, OSError) as e:
        logger.warning("alerts: email for alert %s failed: %s", alert.pk, type(e).__name__)
        return False, "Our mail service did not accept the email.", "", None
    people = "security contact" if len(to) == 1 else "security contacts"
    return True, "", f"{len(to)} {people}: {', '.join(to)}", None


def send_email(subject: str, text: str, html: str, to: list[str]) -> None:
    message = EmailMultiAlternatives(
        subject, text, to=to, connection=get_connection(timeout=EMAIL_TIMEOUT)
    )
    message.attach_alternative(html, "text/html")
    message.send()


def _webhook(alert: Alert, prefs: AlertSettings) -> Outcome:
    if not prefs.has_webhook:
        return False, "The chat webhook was removed in the alert settings.", None, None
    kind = prefs.webhook_kind
    result = webhooks.post(kind, prefs.webhook_url, webhooks.alert_body(kind, alert))
    return result.ok, result.message, webhooks.LABEL[kind], result.retry_after


# -- the worker's pass --------------------------------------------------------------------


def due(limit: int = 100) -> list[int]:
    """Rows due now, the longest waiting first; rows a live sender holds are not due."""
    now = timezone.now()
    return list(
        AlertDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def deliver_due(limit: int = 100) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pk in due(limit):
        outcome = deliver(pk)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
