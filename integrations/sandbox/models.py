"""The Halo sandbox's state: a tiny Halo instance in our own database.

Everything lives here (or in the Django cache) rather than in module globals, because
the demo, the tests and the benchmarks run the sandbox in several processes at once.
Seeded records keep Halo's integer ids as primary keys so that tests, the demo and
browser tests can name them (see `seed.py`); `to_halo()` renders each as the bare
object Halo's API returns, using only field names from Halo's own schemas.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from mspprocess.core.fields import EncryptedTextField

# What an application can be allowed to do. Halo has many more; these are the ones
# the project needs, and "all" stands for every one of them.
PERMISSIONS = ("read:tickets", "edit:tickets", "read:customers")
ALL = "all"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def halo_datetime(value: datetime | None) -> str | None:
    # Halo answers UTC times with milliseconds and no offset: 2025-01-06T09:00:00.000
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}"


class Person(models.Model):
    """Halo's agents and end users both carry a first name and a surname."""

    id = models.IntegerField(primary_key=True)
    firstname = models.CharField(max_length=100)
    surname = models.CharField(max_length=100)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.firstname} {self.surname}"


def every_permission() -> list[str]:
    return [ALL]


class SandboxAgent(Person):
    email = models.CharField(max_length=200)
    isdisabled = models.BooleanField(default=False)
    # "Is a HaloPSA Administrator": only such an agent's applications may write tabs.
    is_admin = models.BooleanField(default=False)
    # What the agent's roles let it do, in the applications' permission names ("all"
    # for every one). A token gets only what both its application and its agent may.
    permissions = models.JSONField(default=every_permission, blank=True)

    def to_halo(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "firstname": self.firstname,
            "surname": self.surname,
            "email": self.email,
            "initials": (self.firstname[:1] + self.surname[:1]).upper(),
            "isdisabled": self.isdisabled,
            "is_admin": self.is_admin,
        }

    def allows(self, permission: str) -> bool:
        return not self.isdisabled and (ALL in self.permissions or permission in self.permissions)


class SandboxClient(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    # Halo lists inactive clients only when asked `includeinactive=true`.
    inactive = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name

    def to_halo(self) -> dict[str, Any]:
        # Halo's `Area` schema (a client is an "Area" in Halo's spec).
        return {"id": self.id, "name": self.name, "inactive": self.inactive}


class SandboxSite(models.Model):
    id = models.IntegerField(primary_key=True)
    client = models.ForeignKey(SandboxClient, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.client} / {self.name}"


class SandboxUser(Person):
    """An end user (Halo's "Users"): the caller whose identity gets verified."""

    site = models.ForeignKey(SandboxSite, on_delete=models.CASCADE, related_name="users")
    emailaddress = models.CharField(max_length=200, blank=True)
    phonenumber = models.CharField(max_length=50, blank=True)
    mobilenumber = models.CharField(max_length=50, blank=True)
    inactive = models.BooleanField(default=False)

    def to_halo(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "firstname": self.firstname,
            "surname": self.surname,
            "emailaddress": self.emailaddress,
            "phonenumber": self.phonenumber,
            "mobilenumber": self.mobilenumber,
            "client_id": self.site.client_id,
            "client_name": self.site.client.name,
            "site_id": self.site_id,
            "site_name": self.site.name,
            "inactive": self.inactive,
        }


class SandboxTicketType(models.Model):
    """Halo's "RequestType". A ticket of this type shows a custom tab when the type
    allows all custom tabs (`allowall_iframe_customtabs`) or allows that tab one by one
    (`allowed_iframe_customtabs`, Halo's list of `IframeTabRequestType`)."""

    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=100)
    sequence = models.IntegerField(default=0)
    allowall_iframe_customtabs = models.BooleanField(default=True)
    allowed_tabs = models.ManyToManyField(
        "SandboxCustomTab", through="SandboxAllowedTab", blank=True, related_name="allowed_on"
    )

    class Meta:
        ordering = ["sequence", "id"]

    def __str__(self) -> str:
        return self.name

    def to_halo(self) -> dict[str, Any]:
        # allowed_entries.all() uses a prefetch when the caller made one (listings do).
        return {
            "id": self.id,
            "name": self.name,
            "sequence": self.sequence,
            "use": "ticket",
            "visible": True,
            "allowall_iframe_customtabs": self.allowall_iframe_customtabs,
            "allowed_iframe_customtabs": [e.to_halo() for e in self.allowed_entries.all()],
        }


class SandboxTicket(models.Model):
    """Halo's "Faults" (a ticket)."""

    STATUSES = {1: "New", 2: "In Progress", 4: "Waiting on Customer", 9: "Closed"}

    id = models.IntegerField(primary_key=True)
    summary = models.CharField(max_length=300)
    details = models.TextField(blank=True)
    tickettype = models.ForeignKey(SandboxTicketType, on_delete=models.CASCADE)
    status_id = models.IntegerField(default=1)
    site = models.ForeignKey(SandboxSite, on_delete=models.CASCADE)
    # A ticket may come without an end user (logged from a monitoring alert, say).
    user = models.ForeignKey(SandboxUser, null=True, blank=True, on_delete=models.SET_NULL)
    agent = models.ForeignKey(SandboxAgent, null=True, blank=True, on_delete=models.SET_NULL)
    priority_id = models.IntegerField(default=3)
    sla_id = models.IntegerField(default=1)
    dateoccurred = models.DateTimeField()
    lastactiondate = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.id} {self.summary}"

    @property
    def status_name(self) -> str:
        return self.STATUSES.get(self.status_id, "")

    def to_halo(self) -> dict[str, Any]:
        # Halo fills empty references with 0 and "" rather than null.
        user, agent = self.user, self.agent
        return {
            "id": self.id,
            "summary": self.summary,
            "details": self.details,
            "tickettype_id": self.tickettype_id,
            "tickettype_name": self.tickettype.name,
            "status_id": self.status_id,
            "status_name": self.status_name,
            "client_id": self.site.client_id,
            "client_name": self.site.client.name,
            "site_id": self.site_id,
            "site_name": self.site.name,
            "user_id": user.id if user else 0,
            "user_name": user.name if user else "",
            "user_email": user.emailaddress if user else "",
            "agent_id": agent.id if agent else 0,
            "agent_name": agent.name if agent else "",
            "priority_id": self.priority_id,
            "sla_id": self.sla_id,
            "dateoccurred": halo_datetime(self.dateoccurred),
            "lastactiondate": halo_datetime(self.lastactiondate),
        }


class SandboxAction(models.Model):
    """A note or other action on a ticket, as posted through POST /api/Actions."""

    ticket = models.ForeignKey(SandboxTicket, on_delete=models.CASCADE, related_name="actions")
    # Halo numbers actions within their ticket: action 1, 2, … of ticket 1001.
    number = models.IntegerField()
    outcome = models.CharField(max_length=100)
    note = models.TextField(blank=True)
    hiddenfromuser = models.BooleanField(default=False)
    timetaken = models.FloatField(default=0)
    sendemail = models.BooleanField(default=False)
    who = models.ForeignKey(SandboxAgent, null=True, on_delete=models.SET_NULL)
    application = models.ForeignKey(
        "SandboxApplication", null=True, on_delete=models.SET_NULL, related_name="actions"
    )
    created = models.DateTimeField()

    class Meta:
        ordering = ["ticket_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "number"], name="sandbox_action_number"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id}/{self.number} {self.outcome}"

    def to_halo(self) -> dict[str, Any]:
        return {
            "id": self.number,
            "ticket_id": self.ticket_id,
            "outcome": self.outcome,
            "note": self.note,
            "hiddenfromuser": self.hiddenfromuser,
            "timetaken": self.timetaken,
            "sendemail": self.sendemail,
            "who_agentid": self.who_id or 0,
            "actionby_agent_id": self.who_id or 0,
            "actionby_application_id": self.application.client_id if self.application else "",
            "datetime": halo_datetime(self.created),
        }


class SandboxApplication(models.Model):
    """A Halo API application: client credentials, an agent, permission switches."""

    client_id = models.CharField(max_length=100, unique=True)
    # Only a digest: security tests scan the whole database for plaintext secrets.
    secret_hash = models.CharField(max_length=64)
    name = models.CharField(max_length=100, default="MSP Process")
    # Null once the agent is deleted in Halo: the application then stops working.
    agent = models.ForeignKey(SandboxAgent, null=True, on_delete=models.SET_NULL)
    permissions = models.JSONField(default=list, blank=True)
    # Halo-hosted instances put several customers behind one auth server and tell
    # them apart by ?tenant=; blank means "self-hosted, no tenant needed".
    tenant = models.CharField(max_length=100, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    secret_rotated = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.client_id

    def check_secret(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, sha256_hex(secret))

    def allows(self, permission: str) -> bool:
        return permission in self.permissions


class SandboxToken(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    application = models.ForeignKey(
        SandboxApplication, on_delete=models.CASCADE, related_name="tokens"
    )
    # Space-separated, as granted: "all" or a subset of PERMISSIONS.
    scope = models.CharField(max_length=200)
    expires = models.DateTimeField()
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"token for {self.application_id} until {self.expires:%H:%M:%S}"

    def agent_active(self) -> bool:
        agent = self.application.agent
        return agent is not None and not agent.isdisabled

    def allows(self, permission: str) -> bool:
        # What a token may do: what it asked for, cut down to what the application
        # and its agent may do *now* (so a permission switched off bites on existing
        # tokens too). Halo intersects the application's and the agent's permissions.
        scopes = self.scope.split()
        agent = self.application.agent
        return (
            (ALL in scopes or permission in scopes)
            and self.application.allows(permission)
            and agent is not None
            and agent.allows(permission)
        )


class SandboxFault(models.Model):
    """One injected fault; see `faults.py` for how each kind plays out."""

    class Kind(models.TextChoices):
        LATENCY = "latency", "Added latency (ms)"
        STATUS = "status", "Error status"
        TIMEOUT = "timeout", "Timeout (s)"
        MALFORMED = "malformed", "Malformed JSON"
        EXPIRES_IN = "expires_in", "Token lifetime (s)"

    class Scope(models.TextChoices):
        API = "api", "API calls"
        TOKEN = "token", "Token endpoint"
        ALL = "all", "Both"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.API)
    value = models.FloatField(default=0)
    # How many more replies this fault hits; null means every reply until cleared.
    remaining = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        times = "always" if self.remaining is None else f"{self.remaining} more"
        return f"{self.kind}={self.value:g} on {self.scope} ({times})"


class SandboxRequest(models.Model):
    """The request log: one row per request, cheap to write, counted per endpoint."""

    method = models.CharField(max_length=10)
    # The route, not the address: "Tickets/{id}", so that counts group by endpoint.
    endpoint = models.CharField(max_length=100)
    status = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.status}"


class SandboxCustomTab(models.Model):
    """Configuration > Custom Tabs: one of the instance's ticket tabs (Halo's `Tabname`).

    An instance holds several (every integration adds its own, and each tenant the
    sandbox stands in for keeps one); the ticket page shows each enabled tab.
    """

    # Halo's table id for tickets in `Tabname.tableid` is *unconfirmed*; 1 stands for it.
    TICKET_TABLE = 1

    name = models.CharField(max_length=100, default="MSP Process")
    url = models.CharField(max_length=2000)
    tableid = models.IntegerField(default=TICKET_TABLE)
    sequence = models.IntegerField(default=0)
    # Halo keeps the secret to sign agent ids. It is *our* tab secret, and security
    # tests scan the database for our secrets in plaintext, so it is encrypted.
    secret = EncryptedTextField(blank=True, default="")
    enabled = models.BooleanField(default=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sequence", "id"]

    def __str__(self) -> str:
        return self.name


class SandboxAllowedTab(models.Model):
    """One custom tab a ticket type allows one by one: Halo's `IframeTabRequestType`.

    A row of its own (not a bare many-to-many) because Halo gives each entry an `id`
    of its own, and its `iframetab_name` is the tab's name as it is now.
    """

    tickettype = models.ForeignKey(
        SandboxTicketType, on_delete=models.CASCADE, related_name="allowed_entries"
    )
    # Deleting a tab in Halo takes it off every ticket type's list.
    tab = models.ForeignKey(SandboxCustomTab, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["tickettype", "tab"], name="sandbox_allowed_tab_once"),
        ]

    def __str__(self) -> str:
        return f"tab {self.tab_id} on ticket type {self.tickettype_id}"

    def to_halo(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "iframetab_id": self.tab_id,
            "iframetab_name": self.tab.name,
            "tickettype_id": self.tickettype_id,
        }


class SandboxMessage(models.Model):
    """An SMS or email "delivered" to a fictional person's device (see devices.py)."""

    class Kind(models.TextChoices):
        SMS = "sms", "SMS"
        EMAIL = "email", "Email"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    to = models.CharField(max_length=300)
    # `to` normalised (see inbox.destination_key) so that "+44 7700 900201" and
    # "+447700900201" find the same messages.
    to_key = models.CharField(max_length=300, db_index=True)
    sender = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    # Bodies carry one-time codes and secure links, which the app itself keeps only
    # hashed; encrypted so that database scans for them find nothing here either.
    body = EncryptedTextField(blank=True, default="")
    html_body = EncryptedTextField(blank=True, default="")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}"


class SandboxSwitch(models.Model):
    """A named on/off switch (e.g. "sms_failure"), stored so every worker sees it."""

    SMS_FAILURE = "sms_failure"
    # While on, a one-item POST api/Actions answers a list of one (views/api.py).
    ACTIONS_AS_LIST = "actions_as_list"
    # While on, a ticket page loads every custom tab's iframe at once, the unopened
    # ones hidden, as a single-page Halo may (views/pages.py).
    PRELOAD_CUSTOM_TABS = "preload_custom_tabs"

    name = models.CharField(max_length=50, primary_key=True)
    on = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.name}={'on' if self.on else 'off'}"

    @classmethod
    def is_on(cls, name: str) -> bool:
        return cls.objects.filter(name=name, on=True).exists()

    @classmethod
    def set(cls, name: str, on: bool) -> None:
        cls.objects.update_or_create(name=name, defaults={"on": on})
