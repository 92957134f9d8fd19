from __future__ import annotations

from django.apps import AppConfig


class MspprocessConfig(AppConfig):
    name = "mspprocess"
    verbose_name = "Tenants"

    def ready(self) -> None:
        # The audit trail's admin lives in its own module; registering it here means
        # admin.py need not import it.
        import mspprocess.admin_audit  # noqa: F401
