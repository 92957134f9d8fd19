from __future__ import annotations

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Halo integration"

    def ready(self) -> None:
        from integrations.models import HaloConnection
        from mspprocess.core import audit

        audit.label_fields_with("connection", HaloConnection)
