"""The client spends from the Halo instance's shared budget before every request:
API calls and token requests alike, counted in the sandbox's own request log."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
import responses

from integrations.halo import budget, meter
from integrations.halo.client import HaloClient
from integrations.halo.credentials import HaloCredentials
from integrations.halo.errors import HaloBusy
from integrations.sandbox import seed
from integrations.sandbox import services as sandbox
from tests.factories import TenantFactory
from tests.integrations.halo.helpers import API, TOKEN_URL, add_token, calls_to, make_creds

live = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sandbox_mounted(sandbox_mounted: None) -> None:
    """Against the sandbox over HTTP, even where HALO_SANDBOX is off."""


def made() -> int:
    """Requests that reached the sandbox, of every kind (tokens included)."""
    return sum(sandbox.request_counts().values())


def creds_of(live_halo, tenant_name: str, share: int) -> HaloCredentials:
    conn = live_halo.connect(TenantFactory(name=tenant_name))
    return replace(conn.credentials(), call_share=share)


@live
def test_it_refuses_without_calling_halo_past_the_share(live_halo) -> None:
    creds = creds_of(live_halo, "Acme IT", share=3)
    with HaloClient(creds) as client:
        client.me()  # a token and a call
        client.ticket(seed.TICKET_WITH_USER)  # the third
        assert made() == 3
        with pytest.raises(HaloBusy) as info:
            client.ticket(seed.TICKET_WITH_USER)
    assert made() == 3  # refused here: nothing reached Halo
    assert info.value.reason == "share"
    assert info.value.status is None
    assert 290 <= info.value.retry_in <= 320  # when the first call leaves the 5-minute window
    assert str(info.value).startswith("Halo is busy: MSP Process has used its share")


@live
def test_it_counts_token_requests_too(live_halo) -> None:
    creds = creds_of(live_halo, "Acme IT", share=1)
    with HaloClient(creds) as client, pytest.raises(HaloBusy):
        client.me()
    assert sandbox.request_counts() == {"POST auth/token": 1}  # the token spent the share
    assert meter.budget_for(creds).used() == 1


@live
def test_it_shares_one_budget_between_tenants_of_one_halo(live_halo) -> None:
    # Two workspaces that entered the same Resource Server: one Halo, one limit.
    acme = creds_of(live_halo, "Acme IT", share=4)
    globex = creds_of(live_halo, "Globex IT", share=4)
    assert acme.connection_id != globex.connection_id
    with HaloClient(acme) as client:
        client.me()
        client.me()  # 3 calls: a token and two
    with HaloClient(globex) as client:
        client.token()  # the 4th, on its own token
        with pytest.raises(HaloBusy):
            client.me()
    assert made() == 4


@live
def test_it_never_passes_the_share_whatever_the_number_of_clients(live_halo) -> None:
    creds = creds_of(live_halo, "Acme IT", share=5)
    answered = refused = 0
    for _ in range(4):  # four "processes", each with its own client
        with HaloClient(creds) as client:
            for _ in range(3):
                try:
                    client.ticket(seed.TICKET_WITH_USER)
                    answered += 1
                except HaloBusy:
                    refused += 1
    assert made() == 5
    assert (answered, refused) == (4, 8)  # 1 token + 4 calls


class BrokenCache:
    """A cache whose server is down, as Redis restarting mid-window would be."""

    def __getattr__(self, name: str):
        def fail(*args, **kwargs):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        return fail


@pytest.fixture
def redis_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "cache", BrokenCache())
    monkeypatch.setattr(meter, "_cache_failing", type(meter._cache_failing)())


def test_it_lets_calls_through_and_warns_once_when_the_cache_is_down(
    rsps: responses.RequestsMock, redis_down, caplog
) -> None:
    add_token(rsps)
    rsps.get(API + "/Tickets/5", json={"id": 5}, headers={"X-RateLimit-Remaining": "0"})
    creds = make_creds(call_share=1)
    with caplog.at_level(logging.WARNING, logger="integrations.halo"), HaloClient(creds) as c:
        assert c.ticket(5) == {"id": 5}
        assert c.ticket(5) == {"id": 5}  # past the share of 1: nothing can count
    assert len(calls_to(rsps, API)) == 2
    assert len(calls_to(rsps, TOKEN_URL)) == 1
    warnings = [r for r in caplog.records if "halo budget" in r.getMessage()]
    assert len(warnings) == 1
    assert "not being counted" in warnings[0].getMessage()


def test_it_still_stops_at_halos_429_when_the_cache_is_down(
    rsps: responses.RequestsMock, redis_down
) -> None:
    add_token(rsps)
    rsps.get(API + "/Tickets/5", status=429)
    with HaloClient(make_creds()) as client, pytest.raises(HaloBusy) as info:
        client.ticket(5)
    assert (info.value.reason, info.value.status) == ("backoff", 429)
    assert 4 <= info.value.retry_in <= 5
