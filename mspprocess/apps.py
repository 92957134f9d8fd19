from __future__ import annotations

from django.apps import AppConfig


class MspprocessConfig(AppConfig):
    name = "mspprocess"
    verbose_name = "Tenants"
