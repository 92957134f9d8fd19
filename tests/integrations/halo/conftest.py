from __future__ import annotations

import time

import pytest
import responses

from integrations.halo.client import HaloClient
from integrations.halo.credentials import HaloCredentials
from tests.integrations.halo.helpers import add_token, make_creds


@pytest.fixture(autouse=True)
def _production_like(settings) -> None:
    # Halo is a customer's public host here: no private addresses, no real pauses.
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    settings.HALO_BACKOFF_SECONDS = 0
    settings.HALO_TOKEN_WAIT_SECONDS = 0.5


@pytest.fixture
def creds() -> HaloCredentials:
    return make_creds()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses the client would have made, instead of making them."""
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


@pytest.fixture
def halo(rsps: responses.RequestsMock, creds: HaloCredentials) -> HaloClient:
    """Our client against `responses`, with a token already granted."""
    add_token(rsps)
    return HaloClient(creds)
