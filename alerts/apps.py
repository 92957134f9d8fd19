from __future__ import annotations

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from alerts import triggers
        from alerts.models import AlertSettings
        from mspprocess.core import audit
        from tickettab.signals import verification_finished

        # "alerts.settings_changed" lists the fields of the alert settings it changed.
        audit.label_fields_with("alerts", AlertSettings)
        # The tab knows nothing of alerts: it tells whoever listens (tickettab/signals.py).
        verification_finished.connect(
            triggers.on_verification_finished, dispatch_uid="alerts.on_verification_finished"
        )
