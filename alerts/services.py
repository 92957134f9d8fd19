"""What the alert pages write, each write audited here: the alert settings and an
acknowledgement. `send_test` writes nothing: it sends a test alert at once and says
how each channel answered.

The webhook URL is write-only: a blank one keeps the stored URL, and the trail names
the fields that changed, never their values.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from alerts import delivery, webhooks, wording
from alerts.models import Alert, AlertSettings
from mspprocess.core import audit
from mspprocess.core.people import display_name

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)
Action = audit.AuditEvent.Action
# A test alert posts to a channel and emails people: not as often as anyone can click.
TEST_EVERY_SECONDS = 15


def save_settings(
    prefs: AlertSettings,
    data: Mapping[str, Any],
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> list[str]:
    """Store a settings form's cleaned data; returns the changed field names."""
    changed = []
    contacts = list(data.get("security_contacts") or [])
    if contacts != list(prefs.security_contacts):
        prefs.security_contacts = contacts
        changed.append("security_contacts")
    kind = data.get("webhook_kind") or AlertSettings.WebhookKind.NONE
    url = data.get("webhook_url") or ""
    if kind == AlertSettings.WebhookKind.NONE:
        url_changed = bool(prefs.webhook_url)
        prefs.webhook_url = ""
    else:
        url_changed = bool(url) and url != prefs.webhook_url
        if url_changed:
            prefs.webhook_url = url
    if kind != prefs.webhook_kind:
        prefs.webhook_kind = kind
        changed.append("webhook_kind")
    if url_changed:
        changed.append("webhook_url")
    if not changed:
        return []
    with transaction.atomic():
        prefs.save()
        audit.record(
            prefs.tenant, actor, Action.ALERT_SETTINGS_CHANGED, fields=changed, request=request
        )
    logger.info("alert settings of tenant %s changed: %s", prefs.tenant_id, ", ".join(changed))
    return changed


def acknowledge(alert: Alert, note: str, *, actor: Any, request: HttpRequest | None = None) -> bool:
    """Record who dealt with the alert, when, and what they did; False when someone
    acknowledged it first (their note stands)."""
    now = timezone.now()
    name = display_name(actor)[:150]
    with transaction.atomic():
        done = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now,
            acknowledged_by=actor,
            acknowledged_by_name=name,
            note=note,
        )
        if not done:
            return False
        audit.record(
            alert.tenant,
            actor,
            Action.ALERT_ACKNOWLEDGED,
            detail=f"{alert.get_kind_display()}: {alert.contact_name}, ticket #{alert.ticket_id}",
            request=request,
        )
    alert.acknowledged_at, alert.acknowledged_by_name, alert.note = now, name, note
    return True


@dataclass(frozen=True)
class TestResult:
    channel: str  # "Email" or the chat service's name
    ok: bool
    message: str


def test_allowed(prefs: AlertSettings) -> int:
    """0 when a test may be sent now, else the seconds to wait (the cache keeps count)."""
    key = f"alerts:test:{prefs.tenant_id}"
    if cache.add(key, timezone.now().timestamp(), TEST_EVERY_SECONDS):
        return 0
    started = cache.get(key)
    if started is None:
        return 0
    return max(1, int(TEST_EVERY_SECONDS - (timezone.now().timestamp() - started)) + 1)


def send_test(prefs: AlertSettings) -> list[TestResult]:
    """Send a test alert to every channel set now, waiting for each answer."""
    tenant = prefs.tenant
    link = wording.absolute(reverse("alert_settings", args=[tenant.slug]))
    results = []
    if prefs.security_contacts:
        ctx = {"msp": tenant.name, "link": link}
        try:
            delivery.send_email(
                f"Test alert from MSP Process for {tenant.name}",
                render_to_string("alerts/email/test.txt", ctx),
                render_to_string("alerts/email/test.html", ctx),
                list(prefs.security_contacts),
            )
        except Exception as e:  # the mail server's refusal, in words on the page
            logger.warning(
                "alerts: test email of tenant %s failed: %s", tenant.pk, type(e).__name__
            )
            results.append(TestResult("Email", False, "Our mail service did not accept it."))
        else:
            n = len(prefs.security_contacts)
            results.append(
                TestResult("Email", True, f"Sent to {n} security contact{'s' if n > 1 else ''}.")
            )
    if prefs.has_webhook:
        kind = prefs.webhook_kind
        result = webhooks.post(kind, prefs.webhook_url, webhooks.test_body(kind, tenant.name, link))
        results.append(TestResult(webhooks.LABEL[kind], result.ok, result.message))
    return results
