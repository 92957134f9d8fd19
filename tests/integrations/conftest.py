from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from tests.integrations.halo.helpers import FakeDNS, install_dns


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    """Names resolved by the test, not the network (Halo's hosts are public IPs)."""
    return install_dns(monkeypatch)


@pytest.fixture
def rsps(dns: FakeDNS) -> Iterator[responses.RequestsMock]:
    """`responses` for requests through the outbound guard, which resolves names first."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
