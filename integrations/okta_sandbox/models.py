"""The Okta sandbox's state: one small Okta org in our own database.

In the database (not module globals) because the demo, the tests and the benchmarks
run the sandbox in several processes at once. Ids look like Okta's (20 characters,
`00u…` for users, `opf…`, `sms…`, `clf…`, `ost…` for factors) so that the product
never depends on a shape Okta does not use; `to_okta()` renders each record with
field names from Okta's Management API (openapi: User, UserFactor, push transaction).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import models
from django.utils import timezone

from integrations.sandbox import models as halo_sandbox_models

# Tokens are stored as the Halo sandbox stores secrets: only their SHA-256.
sha256_hex = halo_sandbox_models.sha256_hex


def okta_datetime(value: datetime | None) -> str | None:
    # Okta answers UTC with milliseconds and a Z: 2015-04-01T15:57:32.000Z
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class OktaOrg(models.Model):
    """The org the sandbox stands for (one; seeded). Its push lifetime is stored
    here so that every worker sees a change made by a test or the demo."""

    name = models.CharField(max_length=100)
    # None: the setting OKTA_SANDBOX_PUSH_LIFETIME_SECONDS (default: Okta's 300).
    push_lifetime_seconds = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class OktaApiToken(models.Model):
    """An API token (Okta's "SSWS" token). Only a digest is kept: the sandbox only
    compares, and security tests scan the database for plaintext secrets."""

    org = models.ForeignKey(OktaOrg, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100, default="MSP Process")
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class OktaUser(models.Model):
    class Status(models.TextChoices):
        # Only the statuses the sandbox seeds; Okta has more (STAGED, PROVISIONED,
        # RECOVERY, PASSWORD_EXPIRED, SUSPENDED, DEPROVISIONED).
        ACTIVE = "ACTIVE"
        LOCKED_OUT = "LOCKED_OUT"

    id = models.CharField(max_length=20, primary_key=True)
    org = models.ForeignKey(OktaOrg, on_delete=models.CASCADE, related_name="users")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # Okta's logins are unique and compared without case; emails need be neither.
    login = models.CharField(max_length=200, unique=True)
    email = models.CharField(max_length=200, db_index=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    mobile_phone = models.CharField(max_length=30, blank=True)
    created = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.login

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def to_okta(self, base: str) -> dict[str, Any]:
        href = f"{base}/users/{self.id}"
        return {
            "id": self.id,
            "status": self.status,
            "created": okta_datetime(self.created),
            "activated": okta_datetime(self.created),
            "statusChanged": okta_datetime(self.created),
            "lastLogin": None,
            "lastUpdated": okta_datetime(self.created),
            "passwordChanged": okta_datetime(self.created),
            "type": {"id": "oty00sandboxdefault0"},
            "profile": {
                "firstName": self.first_name,
                "lastName": self.last_name,
                "mobilePhone": self.mobile_phone or None,
                "secondEmail": None,
                "login": self.login,
                "email": self.email,
            },
            "credentials": {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}},
            "_links": {"self": {"href": href}},
        }


class OktaFactor(models.Model):
    class Type(models.TextChoices):
        PUSH = "push"
        SMS = "sms"
        CALL = "call"
        TOTP = "token:software:totp"

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        PENDING_ACTIVATION = "PENDING_ACTIVATION"

    id = models.CharField(max_length=20, primary_key=True)
    user = models.ForeignKey(OktaUser, on_delete=models.CASCADE, related_name="factors")
    factor_type = models.CharField(max_length=30, choices=Type.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # Okta's per-type profile, as Okta names its fields (push: credentialId, name,
    # platform, deviceType, version; sms/call: phoneNumber; totp: credentialId).
    profile = models.JSONField(default=dict)
    # Whether this Okta Verify enrollment answers number challenges. Okta sends one
    # only when the verify request asks (`useNumberMatchingChallenge`); what it does
    # for an enrollment that cannot is unconfirmed: here it sends a standard push.
    number_matching = models.BooleanField(default=False)
    created = models.DateTimeField()

    class Meta:
        ordering = ["user_id", "created", "id"]

    def __str__(self) -> str:
        return f"{self.factor_type} of {self.user_id}"

    def to_okta(self, base: str) -> dict[str, Any]:
        href = f"{base}/users/{self.user_id}/factors/{self.id}"
        links: dict[str, Any] = {
            "self": {"href": href, "hints": {"allow": ["GET", "DELETE"]}},
            "user": {"href": f"{base}/users/{self.user_id}", "hints": {"allow": ["GET"]}},
        }
        if self.status == self.Status.ACTIVE:
            links["verify"] = {"href": f"{href}/verify", "hints": {"allow": ["POST"]}}
        else:
            links["next"] = {
                "name": "activate",
                "href": f"{href}/lifecycle/activate",
                "hints": {"allow": ["POST"]},
            }
        return {
            "id": self.id,
            "factorType": self.factor_type,
            "provider": "OKTA",
            "vendorName": "OKTA",
            "status": self.status,
            "created": okta_datetime(self.created),
            "lastUpdated": okta_datetime(self.created),
            "profile": self.profile,
            "_links": links,
        }


class OktaPush(models.Model):
    """One push sent to an Okta Verify enrollment: Okta's factor "transaction".

    The stored result is what the person did (or CANCELLED); TIMEOUT is not
    stored but read from the clock (`result_at`), so nothing has to sweep.
    """

    WAITING = "WAITING"
    SUCCESS = "SUCCESS"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    CANCELLED = "CANCELLED"

    id = models.CharField(max_length=40, primary_key=True)
    factor = models.ForeignKey(OktaFactor, on_delete=models.CASCADE, related_name="pushes")
    result = models.CharField(max_length=20, default=WAITING)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    answered = models.DateTimeField(null=True, blank=True)
    # The number challenge: the number the person must pick, and the three shown.
    correct_answer = models.PositiveSmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    # What Okta Verify shows about who asks: the caller's User-Agent and the
    # X-Forwarded-For it passed on (Okta takes both on the verify request).
    user_agent = models.CharField(max_length=300, blank=True)
    client_ip = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"push {self.id} ({self.result})"

    def result_at(self, now: datetime | None = None) -> str:
        if self.result == self.WAITING and (now or timezone.now()) >= self.expires:
            return self.TIMEOUT
        return self.result
