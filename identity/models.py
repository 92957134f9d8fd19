"""The identity providers (Duo, Okta) of an MSP's client companies.

An MSP serves many client companies, each with its own Duo or Okta, so a provider
belongs to the workspace and serves the Halo clients mapped to it (`ProviderClient`,
one provider per Halo client). The tab offers a push to a ticket's contact when the
contact's Halo client has a provider.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from mspprocess.core.fields import EncryptedTextField
from mspprocess.core.models import Tenant

MATCH_FIELD_HELP = (
    "Leave empty to find the caller by their email address in Halo. Or name the Halo "
    "user field that holds their sign-in name at this provider (for example a custom "
    "field with the UPN)."
)


class IdentityProvider(models.Model):
    class Kind(models.TextChoices):
        DUO = "duo", "Duo"
        OKTA = "okta", "Okta"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="identity_providers")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(
        max_length=100, help_text="What your technicians see, e.g. “Kestrel's Duo”."
    )

    # Duo's Auth API application (Duo Admin Panel → Applications → Auth API).
    duo_integration_key = models.CharField("Integration key", max_length=40, blank=True)
    duo_secret_key = EncryptedTextField("Secret key", blank=True)
    duo_api_host = models.CharField("API hostname", max_length=255, blank=True)
    # Okta's org and an API token (Security → API → Tokens).
    okta_org_url = models.CharField("Okta org URL", max_length=255, blank=True)
    okta_api_token = EncryptedTextField("API token", blank=True)

    match_field = models.CharField(
        "Halo field with the sign-in name", max_length=100, blank=True, help_text=MATCH_FIELD_HELP
    )

    # The last connection test, in the provider's words.
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.CharField(max_length=300, blank=True)

    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="idp_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def app_name(self) -> str:
        """The authenticator app the caller answers in, as the tab's button names it."""
        return "Duo Mobile" if self.kind == self.Kind.DUO else "Okta Verify"

    @property
    def has_secret(self) -> bool:
        return bool(self.duo_secret_key if self.kind == self.Kind.DUO else self.okta_api_token)


class ProviderClient(models.Model):
    """A Halo client company whose people verify with this provider."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="clients")
    halo_client_id = models.PositiveIntegerField("Halo client id")
    # As Halo named it when picked; shown on the page (Halo may rename it later).
    halo_client_name = models.CharField(max_length=200)

    class Meta:
        ordering = ["halo_client_name"]
        constraints = [
            # One provider per client: the tab must know which one to push through.
            models.UniqueConstraint(
                fields=["tenant", "halo_client_id"], name="idp_one_provider_per_client"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.halo_client_name} → {self.provider.name}"
