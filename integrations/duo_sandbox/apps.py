from __future__ import annotations

from django.apps import AppConfig


class DuoSandboxConfig(AppConfig):
    """A local stand-in for Duo's Auth API (/sandbox/duo/): demo, tests, benchmarks."""

    name = "integrations.duo_sandbox"
    label = "duo_sandbox"
    verbose_name = "Duo sandbox"
