"""Alerts on impersonation attempts: what happened, who was told, who dealt with it.

An `Alert` is written when a verification ends in a way that suggests someone is
pretending to be a contact (alerts/triggers.py decides). Each way of telling the
workspace's security people (an email, a chat webhook) is an `AlertDelivery`, an
outbox row like tickettab's `Note`: written in the alert's transaction, sent after
commit, retried by `manage.py deliver_alerts` until it goes or gives up.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mspprocess.core.fields import EncryptedTextField
from mspprocess.core.models import Tenant
from tickettab.models import Verification

MAX_SECURITY_CONTACTS = 10
NOTE_MAX_LENGTH = 2000


class AlertSettings(models.Model):
    """Who hears of an alert: security contacts by email, and a chat channel."""

    class WebhookKind(models.TextChoices):
        NONE = "none", "No chat webhook"
        SLACK = "slack", "Slack"
        TEAMS = "teams", "Microsoft Teams"

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="alert_settings")
    # A list of addresses (alerts/forms.py checks each, at most MAX_SECURITY_CONTACTS).
    security_contacts = models.JSONField("Security contacts", default=list, blank=True)
    webhook_kind = models.CharField(
        "Chat webhook", max_length=10, choices=WebhookKind.choices, default=WebhookKind.NONE
    )
    # Whoever holds the URL can post to the channel: a secret, write-only on the page.
    webhook_url = EncryptedTextField("Webhook URL", blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "alert settings"
        verbose_name_plural = "alert settings"

    def __str__(self) -> str:
        return f"Alert settings of {self.tenant}"

    @classmethod
    def for_tenant(cls, tenant: Tenant) -> AlertSettings:
        prefs, _ = cls.objects.get_or_create(tenant=tenant)
        return prefs

    @property
    def has_webhook(self) -> bool:
        return self.webhook_kind != self.WebhookKind.NONE and bool(self.webhook_url)

    @property
    def channels(self) -> list[str]:
        """The channels an alert raised now goes to."""
        found = []
        if self.security_contacts:
            found.append(AlertDelivery.Channel.EMAIL)
        if self.has_webhook:
            found.append(AlertDelivery.Channel.WEBHOOK)
        return found


class Alert(models.Model):
    class Kind(models.TextChoices):
        DENIAL = "denial", "Denied by the contact"
        LOCKOUT = "lockout", "Locked after wrong codes"
        REPEATED_FAILURES = "repeated_failures", "Repeated failed verifications"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # SET_NULL: the alert outlives the verification it reports (a copy of what matters
    # is kept below, as the report would show it).
    verification = models.ForeignKey(
        Verification, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    halo_user_id = models.PositiveIntegerField("Halo user id")
    contact_name = models.CharField(max_length=200)
    client_name = models.CharField(max_length=200, blank=True)
    ticket_id = models.PositiveIntegerField("Halo ticket id")
    technician = models.CharField(max_length=200)
    method = models.CharField(max_length=10, choices=Verification.Method.choices, blank=True)
    # Masked, as the verification has it (the app a push went to, or j•••@e•••.com).
    destination = models.CharField(max_length=100, blank=True)
    # Failed verifications of this contact in the hour up to this one, this one included.
    failures = models.PositiveSmallIntegerField(default=1)
    happened_at = models.DateTimeField("when it happened")
    created = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The account may be deleted later; acknowledged_by_name keeps who it was.
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_by_name = models.CharField(max_length=150, blank=True)
    note = models.TextField("What was done", max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["tenant", "-created"], name="alert_tenant_idx"),
            # "Is an alert about this contact still open?" (the no-storm rule)
            models.Index(fields=["tenant", "halo_user_id", "-created"], name="alert_contact_idx"),
        ]
        constraints = [
            # One alert per verification at most, whichever of the signal and the
            # worker's catch-up gets there first (alerts/triggers.py).
            models.UniqueConstraint(
                fields=["verification"],
                condition=Q(verification__isnull=False),
                name="alert_once_per_verification",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.contact_name}, ticket {self.ticket_id}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class AlertDelivery(models.Model):
    """One channel of one alert, waiting in the outbox until it is sent."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email to the security contacts"
        WEBHOOK = "webhook", "Chat webhook"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A lease: the sender working on this row; others leave it alone until it ends.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # Where it went, in words ("Slack", "2 security contacts"): never the webhook URL.
    sent_to = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "alert deliveries"
        ordering = ["channel"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="alertdelivery_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["alert", "channel"], name="alertdelivery_once"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_channel_display()} for alert {self.alert_id}: {self.get_status_display()}"
        )
