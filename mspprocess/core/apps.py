from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The tenant core. Its label stays "mspprocess", the app it was split from, so
    its tables, migrations, permissions and admin URLs keep their names."""

    name = "mspprocess.core"
    label = "mspprocess"
    verbose_name = "Tenants"

    def ready(self) -> None:
        from mspprocess.core import audit
        from mspprocess.core.models import Membership, Tenant

        audit.label_fields_with("tenant", Tenant)
        audit.label_fields_with("membership", Membership)
