from __future__ import annotations

import pytest
from django.test import Client

from integrations.sandbox import services
from integrations.sandbox.models import SandboxApplication
from tests.integrations.sandbox.helpers import CLIENT_ID, CLIENT_SECRET, Api


@pytest.fixture(autouse=True)
def _sandbox_mounted(sandbox_mounted: None) -> None:
    """Run these tests against a mounted sandbox even where HALO_SANDBOX is off."""


@pytest.fixture
def application(db) -> SandboxApplication:
    return services.create_application(CLIENT_ID, CLIENT_SECRET)


@pytest.fixture
def bearer(application: SandboxApplication) -> str:
    return "Bearer " + services.issue_token(CLIENT_ID)


@pytest.fixture
def api(client: Client, bearer: str) -> Api:
    return Api(client, bearer)
