"""The Duo sandbox's state: a tiny Duo account in our own database.

In the database (not module globals) because the demo, the tests and the live server
run in several processes and threads. Ids look like Duo's (integration keys "DI…",
users "DU…", devices "DP…", 20 characters; transaction ids are UUIDs) so that code
written against the sandbox makes no assumption a real Duo would break.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from django.db import models

from mspprocess.core.fields import EncryptedTextField


class DuoIntegration(models.Model):
    """An Auth API application: what Duo's Admin Panel calls "Protect an Application"."""

    name = models.CharField(max_length=100, default="Auth API")
    ikey = models.CharField("integration key", max_length=20, unique=True)
    # Duo checks an HMAC with the secret key, so it must hold the key itself, not a
    # hash of it: encrypted at rest like the Halo sandbox's secrets.
    skey = EncryptedTextField("secret key")
    api_host = models.CharField("API hostname", max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.name} ({self.ikey})"


class DuoUser(models.Model):
    class Status(models.TextChoices):
        # Duo's user statuses (Admin API): "active", "bypass", "disabled", "locked out".
        ACTIVE = "active"
        BYPASS = "bypass"
        DISABLED = "disabled"
        LOCKED_OUT = "locked out"

    user_id = models.CharField(max_length=20, unique=True)
    # The Halo sandbox contact's email: MSP Process looks the caller up by it.
    username = models.CharField(max_length=200, unique=True)
    realname = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # Which Halo sandbox end user this person is (integrations/sandbox/seed.py).
    halo_user_id = models.IntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.username


class DuoDevice(models.Model):
    """A phone (Duo's device type "phone") with what it can do."""

    device = models.CharField(max_length=20, unique=True)
    user = models.ForeignKey(DuoUser, on_delete=models.CASCADE, related_name="devices")
    number = models.CharField(max_length=40, blank=True, default="")
    name = models.CharField(max_length=100, blank=True, default="")
    platform = models.CharField(max_length=40, blank=True, default="")
    # Duo's capabilities: "auto", "push", "sms", "phone", "mobile_otp".
    capabilities = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def can_push(self) -> bool:
        return "push" in self.capabilities

    @property
    def masked_number(self) -> str:
        # Duo never shows a whole number: e.g. "XXX-XXX-0156" (last four digits).
        digits = [c for c in self.number if c.isascii() and c.isdigit()]
        return "XXX-XXX-" + "".join(digits[-4:]) if digits else ""

    @property
    def display_name(self) -> str:
        shown = self.masked_number
        return f"{self.platform} ({shown})" if self.platform and shown else self.platform or shown

    def to_duo(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "type": "phone",
            "number": self.masked_number,
            "name": self.name,
            "display_name": self.display_name,
            "capabilities": list(self.capabilities),
        }


class DuoPush(models.Model):
    """One push sent by POST /auth/v2/auth, answered (or not) on the devices page.

    The outcome is worked out when read (`outcome`), so a changed timeout applies at
    once and no job is needed to expire pushes.
    """

    class Answer(models.TextChoices):
        NONE = ""
        ALLOW = "allow"
        DENY = "deny"
        # Written once a push is seen past its timeout, so that a longer timeout set
        # later does not bring it back.
        TIMEOUT = "timeout"

    txid = models.CharField(max_length=36, unique=True)
    integration = models.ForeignKey(DuoIntegration, on_delete=models.CASCADE)
    user = models.ForeignKey(DuoUser, on_delete=models.CASCADE, related_name="pushes")
    device = models.ForeignKey(DuoDevice, on_delete=models.CASCADE, null=True, blank=True)
    # Free text from the caller of the API, shown to the user as Duo Mobile would.
    type = models.TextField(blank=True, default="")
    display_username = models.TextField(blank=True, default="")
    pushinfo = models.TextField(blank=True, default="")
    created = models.DateTimeField()
    answer = models.CharField(max_length=7, choices=Answer.choices, blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)
    # Set when the push was refused at once (locked out, not enrolled): never waits.
    refused_status = models.CharField(max_length=20, blank=True, default="")
    refused_msg = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.txid

    def expires_at(self, timeout_seconds: float) -> datetime:
        return self.created + timedelta(seconds=timeout_seconds)

    def outcome(self, now: datetime, timeout_seconds: float) -> str:
        """ "waiting", "allow", "deny" or "timeout"."""
        if self.refused_status:
            return "deny"
        if self.answer:
            return self.answer
        return "timeout" if now >= self.expires_at(timeout_seconds) else "waiting"

    @property
    def request_type(self) -> str:
        # Duo Mobile shows "<type> request"; the type defaults to "Login".
        return f"{self.type or 'Login'} request"

    @property
    def pushinfo_items(self) -> list[tuple[str, str]]:
        # pushinfo is URL-encoded key/value pairs, each shown as a line in Duo Mobile.
        return parse_qsl(self.pushinfo, keep_blank_values=True)


class DuoSandboxState(models.Model):
    """One row: what tests and the demo change at run time, seen by every process."""

    # None: the setting DUO_SANDBOX_PUSH_TIMEOUT_SECONDS (default 60, Duo's timeout).
    push_timeout_seconds = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"push timeout {self.push_timeout_seconds}"
