from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from integrations.duo_sandbox import services
from integrations.duo_sandbox.client import SandboxAuth
from integrations.duo_sandbox.seed import DEMO_IKEY, DEMO_SKEY


@pytest.fixture(autouse=True)
def _sandbox_mounted(sandbox_mounted: None) -> None:
    """Run these tests against a mounted sandbox even where HALO_SANDBOX is off."""


@pytest.fixture
def live_host(live_server) -> str:
    services.ensure_seeded()
    return urlsplit(live_server.url).netloc


@pytest.fixture
def duo(live_host: str) -> SandboxAuth:
    """duo_client's Auth, with the seeded integration's keys, against the live sandbox."""
    return SandboxAuth(DEMO_IKEY, DEMO_SKEY, live_host, timeout=10)
