from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client, override_settings

from integrations.sandbox import services
from integrations.sandbox.models import SandboxApplication
from tests.integrations.sandbox.helpers import CLIENT_ID, CLIENT_SECRET, Api, reload_urls


@pytest.fixture(autouse=True)
def _sandbox_mounted() -> Iterator[None]:
    """Run these tests against a mounted sandbox even where HALO_SANDBOX is off."""
    if settings.HALO_SANDBOX:
        yield
        return
    with override_settings(HALO_SANDBOX=True):
        reload_urls()
        yield
    reload_urls()


@pytest.fixture
def application(db) -> SandboxApplication:
    return services.create_application(CLIENT_ID, CLIENT_SECRET)


@pytest.fixture
def bearer(application: SandboxApplication) -> str:
    return "Bearer " + services.issue_token(CLIENT_ID)


@pytest.fixture
def api(client: Client, bearer: str) -> Api:
    return Api(client, bearer)
