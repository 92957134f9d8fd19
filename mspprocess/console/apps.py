from __future__ import annotations

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The onboarding console: the Django admin for our staff. It has no models."""

    name = "mspprocess.console"
    label = "console"
    verbose_name = "Onboarding console"
