"""A tenant's connection to its Halo instance, and the keys of its ticket tab."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from integrations import addresses, tab_problems
from integrations.halo import budget
from integrations.halo.credentials import DEFAULT_SCOPES, HaloCredentials
from integrations.tab_problems import TabProblem
from mspprocess.core.fields import EncryptedTextField
from mspprocess.core.models import Tenant

MIN_CALL_SHARE = 20  # below this, a busy morning's tab opens would mostly wait
CALL_SHARE_HELP = (
    "API calls per rolling 5 minutes that MSP Process may make to your Halo. A hosted "
    "Halo allows about 300 for all your integrations together (PSA sync, RMM, "
    "reporting); the default of 100 leaves two thirds to them."
)

# Recording "custom tab seen" on every tab load would be a write per page view.
TAB_SEEN_RESOLUTION = timedelta(minutes=1)


TAB_KEY_SALT = "integrations.tab-key"  # integrations/migrations/0006 uses the same


def tab_key_digest(tab_key: str) -> str:
    """The indexed lookup value of a tab key: a keyed hash, so a leaked column
    neither reveals the keys nor lets anyone precompute them."""
    return salted_hmac(TAB_KEY_SALT, tab_key, algorithm="sha256").hexdigest()


def new_tab_key() -> str:
    return secrets.token_urlsafe(32)  # 32 random bytes, 43 URL-safe characters


def new_tab_secret() -> str:
    return secrets.token_urlsafe(32)


class HaloConnectionQuerySet(models.QuerySet):
    def for_tab_key(self, tab_key: str) -> HaloConnection | None:
        if not tab_key or len(tab_key) > 100:
            return None
        # The digest is unique: no ordering to compile and sort by, as first() would.
        found = self.select_related("tenant").filter(tab_key_digest=tab_key_digest(tab_key))
        return next(iter(found[:1]), None)


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

    # The ticket tab. The key identifies the tenant in the tab URL; the secret lets
    # Halo sign agent_id. Both are shown again on the integration page, so they are
    # stored encrypted (not only hashed); the key's digest is what lookups use.
    tab_key = EncryptedTextField(blank=True)
    # NULL (not "") until a key exists: unique allows many NULLs but one "".
    tab_key_digest = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False
    )
    tab_generation = models.PositiveIntegerField(default=1)
    tab_key_rotated_at = models.DateTimeField(null=True, blank=True)
    tab_secret = EncryptedTextField(blank=True)
    tab_secret_rotated_at = models.DateTimeField(null=True, blank=True)
    tab_seen_at = models.DateTimeField("custom tab seen", null=True, blank=True)
    # The last misconfiguration a tab load showed (see tab_problems.py), until a
    # correctly signed load clears it. The detail is at most a variable's name.
    tab_problem = models.CharField(max_length=30, blank=True)
    tab_problem_detail = models.CharField(max_length=50, blank=True)
    tab_problem_seen_at = models.DateTimeField(null=True, blank=True)

    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = HaloConnectionQuerySet.as_manager()

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

    # -- the tab -----------------------------------------------------------------

    def rotate_tab_key(self) -> None:
        """A new tab key; the old URL stops working at once. Does not save."""
        had_key = bool(self.tab_key)
        self.tab_key = new_tab_key()
        self.tab_key_digest = tab_key_digest(self.tab_key)
        if had_key:
            # Tab tokens bind the generation, so tokens issued under the old key die too.
            self.tab_generation += 1
            self.tab_key_rotated_at = timezone.now()

    def rotate_tab_secret(self) -> None:
        had_secret = bool(self.tab_secret)
        self.tab_secret = new_tab_secret()
        if had_secret:
            self.tab_generation += 1
        self.tab_secret_rotated_at = timezone.now()

    def ensure_tab_keys(self) -> None:
        if not self.tab_key:
            self.rotate_tab_key()
        if not self.tab_secret:
            self.rotate_tab_secret()

    @property
    def tab_url(self) -> str:
        """The URL the customer pastes into Halo's custom tab.

        Halo's variables stay literal: Halo substitutes them raw (unencoded) when it
        builds the iframe's address, and appends nothing of its own.
        """
        key = quote(self.tab_key, safe="")
        return (
            f"{settings.PUBLIC_BASE_URL}/tab/{key}/"
            f"?ticket_id={settings.HALO_TAB_TICKET_VARIABLE}"
            f"&agent_id={settings.HALO_TAB_AGENT_VARIABLE}"
            f"&hmac={settings.HALO_TAB_HMAC_VARIABLE}"
        )

    def mark_tab_seen(self) -> bool:
        """Record a correctly signed load from Halo: the tab works, and any problem
        recorded before is over. At most one write a minute; True when it wrote."""
        now = timezone.now()
        fresh = self.tab_seen_at and now - self.tab_seen_at < TAB_SEEN_RESOLUTION
        if fresh and not self.tab_problem:
            return False
        HaloConnection.objects.filter(pk=self.pk).update(
            tab_seen_at=now, tab_problem="", tab_problem_detail="", tab_problem_seen_at=None
        )
        self.tab_seen_at = now
        self.tab_problem, self.tab_problem_detail, self.tab_problem_seen_at = "", "", None
        return True

    def record_tab_problem(self, code: str, detail: str = "") -> None:
        """Record what a misconfigured tab load showed; at most one write a minute
        for the same problem (anyone holding the tab URL can send loads)."""
        now = timezone.now()
        same = (self.tab_problem, self.tab_problem_detail) == (code, detail[:50])
        if (
            same
            and self.tab_problem_seen_at
            and now - self.tab_problem_seen_at < TAB_SEEN_RESOLUTION
        ):
            return
        HaloConnection.objects.filter(pk=self.pk).update(
            tab_problem=code, tab_problem_detail=detail[:50], tab_problem_seen_at=now
        )
        self.tab_problem, self.tab_problem_detail, self.tab_problem_seen_at = code, detail[:50], now

    @property
    def current_tab_problem(self) -> TabProblem | None:
        return tab_problems.describe(self.tab_problem, self.tab_problem_detail)

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
