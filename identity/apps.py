from __future__ import annotations

from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Identity providers"

    def ready(self) -> None:
        from identity.models import IdentityProvider
        from mspprocess.core import audit

        audit.label_fields_with("identity_provider", IdentityProvider)
