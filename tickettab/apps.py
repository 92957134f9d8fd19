from __future__ import annotations

from django.apps import AppConfig


class TickettabConfig(AppConfig):
    name = "tickettab"
    verbose_name = "Ticket tab"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from integrations.models import HaloConnection
        from integrations.signals import connection_tested
        from mspprocess.core import audit
        from tickettab import onboarding, services
        from tickettab.models import Tab, VerificationSettings

        audit.label_fields_with("settings", VerificationSettings)
        audit.label_fields_with("tab", Tab)  # the tab's installation: "Halo custom tab id"
        connection_tested.connect(onboarding.finish_after_connection_test)
        post_save.connect(services.create_with_connection, sender=HaloConnection)
