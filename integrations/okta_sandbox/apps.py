from __future__ import annotations

from django.apps import AppConfig


class OktaSandboxConfig(AppConfig):
    """A local stand-in for Okta's Factors API (/sandbox/okta/): demo, tests, benchmarks."""

    name = "integrations.okta_sandbox"
    label = "okta_sandbox"
    verbose_name = "Okta sandbox"
