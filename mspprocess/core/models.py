"""Tenants (the MSPs we serve) and who may act in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class Tenant(models.Model):
    class Status(models.TextChoices):
        ONBOARDING = "onboarding", "Onboarding"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=60,
        unique=True,
        help_text="Short name used in addresses, e.g. /t/acme/. Lowercase letters, "
        "numbers and hyphens.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ONBOARDING)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        limit_choices_to={"is_staff": True},
        related_name="managed_tenants",
        help_text="The member of our staff who looks after this customer.",
    )
    # Created by its own admin at /signup/, not by our staff: the console lists these
    # for an account manager to take.
    # db_default: processes of the version before it insert tenants without it.
    self_signed_up = models.BooleanField("self-signed-up", default=False, db_default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        # The console lists tenants by name, thousands of them.
        indexes = [models.Index(fields=["name", "id"], name="tenant_name_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tenant_home", args=[self.slug])

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        TECHNICIAN = "technician", "Technician"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.TECHNICIAN)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="unique_membership"),
        ]
        ordering = ["tenant__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


from mspprocess.core.audit import AuditEvent  # noqa: E402,F401 - registered with the app's models
