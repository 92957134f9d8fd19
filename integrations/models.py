"""A tenant's connection to its Halo instance."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from integrations import addresses
from integrations.halo import budget
from integrations.halo.credentials import DEFAULT_SCOPES, HaloCredentials
from mspprocess.core.fields import EncryptedTextField
from mspprocess.core.models import Tenant

MIN_CALL_SHARE = 20  # below this, a busy morning's tab opens would mostly wait
CALL_SHARE_HELP = (
    "API calls per rolling 5 minutes that MSP Process may make to your Halo. A hosted "
    "Halo allows about 300 for all your integrations together (PSA sync, RMM, "
    "reporting); the default of 100 leaves two thirds to them."
)


class HaloConnection(models.Model):
    class Status(models.TextChoices):
        UNTESTED = "untested", "Not tested"
        CONNECTED = "connected", "Connected"
        FAILING = "failing", "Failing"

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="halo_connection")

    # Credentials, as the customer entered them (addresses normalized).
    base_url = models.CharField(
        "Resource Server",
        max_length=300,
        blank=True,
        help_text="Normalized, e.g. https://acme.halopsa.com (the API is this plus /api).",
    )
    auth_server = models.CharField(
        "Authorisation Server",
        max_length=300,
        blank=True,
        help_text="Only when Halo shows a separate one; otherwise <Resource Server>/auth.",
    )
    halo_tenant = models.CharField("Halo tenant", max_length=100, blank=True)
    client_id = models.CharField("Client ID", max_length=200, blank=True)
    client_secret = EncryptedTextField("Client Secret", blank=True)
    scopes = models.CharField(max_length=200, default=DEFAULT_SCOPES)
    # Changes whenever credentials change, so tokens cached for the old ones die.
    credentials_version = models.PositiveIntegerField(default=1)
    credentials_changed_at = models.DateTimeField(null=True, blank=True)
    credentials_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    secret_changed_at = models.DateTimeField(null=True, blank=True)
    secret_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The last connection test.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNTESTED)
    last_checked = models.DateTimeField(null=True, blank=True)
    check_results = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    agent_name = models.CharField(max_length=200, blank=True)
    # Denormalized from check_results so the onboarding console can filter on it.
    permissions_ok = models.BooleanField("permissions complete", default=False)
    # How many of the Halo instance's API calls per rolling 5 minutes we may spend
    # (halo/budget.py): Halo allows about 300 for all of the MSP's integrations.
    call_share = models.PositiveSmallIntegerField(
        "share of Halo's API limit",
        default=budget.DEFAULT_SHARE,
        validators=[MinValueValidator(MIN_CALL_SHARE), MaxValueValidator(budget.HALO_LIMIT)],
        help_text=CALL_SHARE_HELP,
    )

    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Halo connection"

    def __str__(self) -> str:
        return f"Halo connection of {self.tenant}"

    # -- credentials -------------------------------------------------------------

    @property
    def has_credentials(self) -> bool:
        return bool(self.base_url and self.client_id and self.client_secret)

    @property
    def effective_auth_server(self) -> str:
        return self.auth_server or addresses.default_auth_server(self.base_url)

    @property
    def halo_origin(self) -> str:
        """Scheme, host and port of the customer's Halo: the tab's only frame ancestor."""
        return addresses.origin_of(self.base_url) if self.base_url else ""

    def credentials(self) -> HaloCredentials:
        return HaloCredentials(
            connection_id=self.pk,
            version=self.credentials_version,
            base_url=self.base_url,
            auth_server=self.effective_auth_server,
            halo_tenant=self.halo_tenant,
            client_id=self.client_id,
            client_secret=self.client_secret,
            scopes=self.scopes,
            call_share=self.call_share,
        )

    def set_credentials(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str | None,
        auth_server: str = "",
        halo_tenant: str = "",
        by: Any = None,
    ) -> list[str]:
        """Apply new credentials (a blank secret keeps the stored one).

        Returns the names of the fields that changed; any change bumps the
        credentials version and marks the connection untested, forgetting the last
        test's outcome: it was of other credentials, and a "signed in as" or a
        permissions table beside new credentials would be stale. Does not save.
        """
        new = {
            "base_url": base_url,
            "client_id": client_id,
            "auth_server": auth_server,
            "halo_tenant": halo_tenant,
        }
        if client_secret:
            new["client_secret"] = client_secret
        changed = [name for name, value in new.items() if getattr(self, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(self, name, new[name])
        now = timezone.now()
        self.credentials_version += 1
        self.credentials_changed_at, self.credentials_changed_by = now, by
        if "client_secret" in changed:
            self.secret_changed_at, self.secret_changed_by = now, by
        self.status = self.Status.UNTESTED
        self.last_checked = None
        self.check_results = {}
        self.last_error = self.agent_name = ""
        self.permissions_ok = False
        return changed

    def record_test(self, result: Any) -> None:
        """Store a connection test's outcome (a ConnectionTestResult). Does not save."""
        self.last_checked = timezone.now()
        self.check_results = result.to_dict()
        self.status = self.Status.CONNECTED if result.ok else self.Status.FAILING
        self.last_error = result.error or ""
        self.agent_name = result.agent_name or ""
        self.permissions_ok = self.permissions_complete

    # -- onboarding --------------------------------------------------------------

    @property
    def permissions_complete(self) -> bool:
        # None means "not checked" (edit:tickets can only be proven by a note).
        perms = self.check_results.get("permissions") or []
        return (
            self.status == self.Status.CONNECTED
            and bool(perms)
            and all(p.get("ok") is not False for p in perms)
        )

    @property
    def custom_tabs_allowed(self) -> bool | None:
        """True when every ticket type allows our tab; None before a test said."""
        return self.check_results.get("custom_tabs_allowed")
