"""The ticket tab and verification of ticket callers: the tab's keys, settings,
attempts and the notes outbox."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from integrations.models import HaloConnection
from mspprocess.core.fields import EncryptedTextField
from mspprocess.core.models import Tenant
from tickettab import phones, tab_problems
from tickettab.tab_problems import TabProblem

# Recording "custom tab seen" on every tab load would be a write per page view.
TAB_SEEN_RESOLUTION = timedelta(minutes=1)
KEY_SALT = "tickettab.tab-key"  # tickettab/migrations/0006 uses the same
MAX_KEY_LENGTH = 100  # ours are 43 characters; anything much longer is no key of ours


def key_digest(key: str) -> str:
    """The indexed lookup value of a tab key: a keyed hash, so a leaked column
    neither reveals the keys nor lets anyone precompute them."""
    return salted_hmac(KEY_SALT, key, algorithm="sha256").hexdigest()


def _new_key() -> str:
    return secrets.token_urlsafe(32)  # 32 random bytes, 43 URL-safe characters


class TabQuerySet(models.QuerySet):
    def for_key(self, key: str) -> Tab | None:
        if not key or len(key) > MAX_KEY_LENGTH:
            return None
        # The digest is unique: no ordering to compile and sort by, as first() would.
        found = self.select_related("tenant").filter(key_digest=key_digest(key))
        return next(iter(found[:1]), None)


class Tab(models.Model):
    """A workspace's custom tab in Halo. The key identifies the workspace in the tab
    URL; the secret lets Halo sign agent_id. Both are shown again on the integration
    page, so they are stored encrypted (not only hashed); the key's digest is what
    lookups use."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="tab")
    key = EncryptedTextField(blank=True)
    # NULL (not "") until a key exists: unique allows many NULLs but one "".
    key_digest = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    # Tab tokens bind the generation: a new key or secret ends every token issued.
    generation = models.PositiveIntegerField(default=1)
    key_rotated_at = models.DateTimeField(null=True, blank=True)
    secret = EncryptedTextField(blank=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField("custom tab seen", null=True, blank=True)
    # The last misconfiguration a tab load showed (see tab_problems.py), until a
    # correctly signed load clears it. The detail is at most a variable's name.
    problem = models.CharField(max_length=30, blank=True)
    problem_detail = models.CharField(max_length=50, blank=True)
    problem_seen_at = models.DateTimeField(null=True, blank=True)
    # Our custom tab in the workspace's Halo, as "Install the tab for me" made or found
    # it (tickettab/install/); null before that and after "Remove the tab". Ours by
    # this id, never by name: the MSP may rename the tab in Halo.
    halo_tab_id = models.PositiveIntegerField("Halo custom tab id", null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = TabQuerySet.as_manager()

    class Meta:
        verbose_name = "ticket tab"

    def __str__(self) -> str:
        return f"Ticket tab of {self.tenant}"

    @property
    def connection(self) -> HaloConnection | None:
        """The workspace's Halo connection (loaded with the tab by the tab's views)."""
        try:
            return self.tenant.halo_connection
        except HaloConnection.DoesNotExist:
            return None

    def rotate_key(self) -> None:
        """A new key; the old URL stops working at once. Does not save."""
        had_key = bool(self.key)
        self.key = _new_key()
        self.key_digest = key_digest(self.key)
        if had_key:
            self.generation += 1
            self.key_rotated_at = timezone.now()

    def rotate_secret(self) -> None:
        had_secret = bool(self.secret)
        self.secret = _new_key()
        if had_secret:
            self.generation += 1
        self.secret_rotated_at = timezone.now()

    def ensure_keys(self) -> None:
        if not self.key:
            self.rotate_key()
        if not self.secret:
            self.rotate_secret()

    @property
    def url(self) -> str:
        """The URL the customer pastes into Halo's custom tab.

        Halo's variables stay literal: Halo substitutes them raw (unencoded) when it
        builds the iframe's address, and appends nothing of its own.
        """
        key = quote(self.key, safe="")
        return (
            f"{settings.PUBLIC_BASE_URL}/tab/{key}/"
            f"?ticket_id={settings.HALO_TAB_TICKET_VARIABLE}"
            f"&agent_id={settings.HALO_TAB_AGENT_VARIABLE}"
            f"&hmac={settings.HALO_TAB_HMAC_VARIABLE}"
        )

    def mark_seen(self) -> bool:
        """Record a correctly signed load from Halo: the tab works, and any problem
        recorded before is over. At most one write a minute; True when it wrote."""
        now = timezone.now()
        fresh = self.seen_at and now - self.seen_at < TAB_SEEN_RESOLUTION
        if fresh and not self.problem:
            return False
        Tab.objects.filter(pk=self.pk).update(
            seen_at=now, problem="", problem_detail="", problem_seen_at=None
        )
        self.seen_at = now
        self.problem, self.problem_detail, self.problem_seen_at = "", "", None
        return True

    def record_problem(self, code: str, detail: str = "") -> None:
        """Record what a misconfigured tab load showed; at most one write a minute
        for the same problem (anyone holding the tab URL can send loads)."""
        now = timezone.now()
        same = (self.problem, self.problem_detail) == (code, detail[:50])
        if same and self.problem_seen_at and now - self.problem_seen_at < TAB_SEEN_RESOLUTION:
            return
        Tab.objects.filter(pk=self.pk).update(
            problem=code, problem_detail=detail[:50], problem_seen_at=now
        )
        self.problem, self.problem_detail, self.problem_seen_at = code, detail[:50], now

    @property
    def current_problem(self) -> TabProblem | None:
        return tab_problems.describe(self.problem, self.problem_detail)

    @property
    def secret_confirmed(self) -> bool:
        """Whether Halo has this secret: a correctly signed load came since it last
        changed. The API cannot set it (see tickettab/install), so until then a tab
        installed for the admin still needs the secret pasted in Halo."""
        if self.seen_at is None or self.problem:
            return False
        return self.secret_rotated_at is None or self.seen_at >= self.secret_rotated_at


class VerificationSettings(models.Model):
    """A tenant's choices for verification; defaults are what a new tenant gets."""

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, related_name="verification_settings"
    )
    sms_enabled = models.BooleanField("Code by SMS", default=True)
    email_enabled = models.BooleanField("Code by email", default=True)
    link_enabled = models.BooleanField("Secure link by email", default=True)
    code_lifetime_minutes = models.PositiveSmallIntegerField(
        "Code lifetime (minutes)",
        default=10,
        validators=[MinValueValidator(2), MaxValueValidator(30)],
        help_text="How long a code or secure link works: 2 to 30 minutes.",
    )
    shield_window_minutes = models.PositiveSmallIntegerField(
        "Shield stays green for (minutes)",
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(1440)],
        help_text="How long a contact counts as verified after a verification: 5 to 1440.",
    )
    note_outcome = models.CharField(
        "Outcome of notes in Halo",
        max_length=50,
        default="MSP Process",
        help_text="The action outcome Halo shows for the private notes we add.",
    )
    override_min_reason = models.PositiveSmallIntegerField(
        "Minimum length of an override reason",
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    contact_hourly_cap = models.PositiveSmallIntegerField(
        "Sends per contact per hour",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    tenant_hourly_cap = models.PositiveIntegerField(
        "Sends per hour for the whole workspace",
        default=200,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
    )
    # Halo has no country on the user or the ticket (see tickettab.context), so the
    # workspace says which country a number without a country code belongs to.
    country = models.CharField(
        "Country",
        max_length=2,
        default=phones.DEFAULT_REGION,
        choices=phones.region_choices,
        help_text="Used to read phone numbers stored in Halo without a country code (as "
        "people dial them at home, such as 0491 570 156 in Australia) before sending a code "
        "by SMS. Numbers that start with + and a country code are read as written.",
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "verification settings"
        verbose_name_plural = "verification settings"

    def __str__(self) -> str:
        return f"Verification settings of {self.tenant}"

    @classmethod
    def for_tenant(cls, tenant: Tenant) -> VerificationSettings:
        # Django keeps the reverse one-to-one on the tenant instance: one request asks
        # several times (limits, the note's outcome, the panel) and pays once, or not
        # at all when the tab loaded it with the tenant (select_related).
        try:
            return tenant.verification_settings
        except cls.DoesNotExist:
            prefs, _ = cls.objects.get_or_create(tenant=tenant)
            tenant.verification_settings = prefs
            return prefs

    @property
    def enabled_methods(self) -> list[str]:
        methods = []
        if self.sms_enabled:
            methods.append(Verification.Method.SMS)
        if self.email_enabled:
            methods.append(Verification.Method.EMAIL)
        if self.link_enabled:
            methods.append(Verification.Method.LINK)
        return methods

    @property
    def code_lifetime(self) -> timedelta:
        return timedelta(minutes=self.code_lifetime_minutes)

    @property
    def shield_window(self) -> timedelta:
        return timedelta(minutes=self.shield_window_minutes)


class Verification(models.Model):
    """One attempt to verify a contact: a code sent, a link sent, or an override.

    Contact details are never stored, only a masked destination: the full
    address or number is read from Halo each time it is needed.
    """

    class Method(models.TextChoices):
        SMS = "sms", "Code by SMS"
        EMAIL = "email", "Code by email"
        LINK = "link", "Secure link"
        OVERRIDE = "override", "Verified another way"
        PUSH = "push", "Push to the caller's authenticator"
        # The reverse check: the technician's word sent to the contact. It proves the
        # technician to the caller, never the caller to us: it never turns the shield green.
        REVERSE = "reverse", "Technician's word sent"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        VERIFIED = "verified", "Verified"
        OVERRIDE = "override", "Override"
        DENIED = "denied", "Denied by the contact"
        LOCKED = "locked", "Locked after wrong codes"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Replaced by a newer attempt"
        SEND_FAILED = "send_failed", "Could not be sent"
        SENT = "sent", "Sent"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="verifications")
    halo_user_id = models.PositiveIntegerField("Halo user id")
    contact_name = models.CharField(max_length=200)
    # The contact's client company in Halo when verified (reports per client; Halo may
    # rename it later, the report shows the name of the day).
    halo_client_id = models.PositiveIntegerField("Halo client id", null=True, blank=True)
    client_name = models.CharField(max_length=200, blank=True)
    ticket_id = models.PositiveIntegerField("Halo ticket id")
    method = models.CharField(max_length=10, choices=Method.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    destination = models.CharField("masked destination", max_length=100, blank=True)
    # Secrets are kept only as keyed hashes.
    code_hash = models.CharField(max_length=100, blank=True)
    link_hash = models.CharField(max_length=64, blank=True, null=True, unique=True)
    wrong_attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Who acted: a Halo agent (signed agent_id) or a member who signed in to the tab.
    agent_name = models.CharField(max_length=200)
    halo_agent_id = models.PositiveIntegerField(null=True, blank=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    # A push: the provider it went through, the provider's reference to poll it by
    # (opaque to us, the adapter's), and the number the caller must pick, if any.
    provider = models.ForeignKey(
        "identity.IdentityProvider",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    provider_ref = models.CharField(max_length=300, blank=True)
    challenge = models.CharField("number to pick", max_length=4, blank=True)
    # The reverse check's word, shown to the technician to read out. Not a secret
    # worth hashing: it proves nothing after the call, and the tab shows it again.
    word = models.CharField(max_length=40, blank=True)
    created = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["tenant", "halo_user_id", "-created"], name="verif_contact_idx"),
            models.Index(fields=["tenant", "-created"], name="verif_tenant_idx"),
            # The onboarding console asks "has this tenant verified anyone yet?"
            models.Index(fields=["tenant", "status"], name="verif_tenant_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} for {self.contact_name}: {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and timezone.now() >= self.expires_at


class Note(models.Model):
    """A private note for a Halo ticket, waiting in the outbox until Halo has it.

    Written in the same transaction as the verification it reports; delivered
    after commit and retried by `manage.py deliver_outbox`. `marker` is a unique
    text in the note, so a retry after a timeout can tell whether Halo already
    stored it and never posts it twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="notes")
    verification = models.OneToOneField(Verification, on_delete=models.CASCADE, related_name="note")
    ticket_id = models.PositiveIntegerField()
    text = models.TextField()
    outcome = models.CharField(max_length=50)
    marker = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A lease: the worker posting this note; others leave it alone until it ends.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # The last POST ended without a clear answer (a timeout): it may have reached
    # Halo, so look for the marker among the ticket's actions before posting again.
    maybe_posted = models.BooleanField(default=False)
    halo_action_id = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="note_due_idx")]

    def __str__(self) -> str:
        return f"Note for ticket {self.ticket_id}: {self.get_status_display()}"


class WorkerHeartbeat(models.Model):
    """When a long-running worker last finished a pass, and how it went.

    `deliver_outbox` writes one row (by name) after every pass, and also puts the
    same record in the cache: the row outlives a cache flush or eviction, the cache
    entry is what still gets written while the database is down. /healthz reads both
    and shows the newer one.
    """

    name = models.CharField(max_length=50, primary_key=True)
    last_ran = models.DateTimeField()
    # A short category ("ok: 2 sent", "database unavailable"): /healthz is public,
    # so error details stay in the worker's log.
    outcome = models.CharField(max_length=100, blank=True)
    interval = models.FloatField(default=10.0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_ran:%Y-%m-%d %H:%M:%S} ({self.outcome})"
