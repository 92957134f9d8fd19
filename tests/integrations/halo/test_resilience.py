"""One slow Halo must not stall everyone: the deadline, the bulkhead and the breaker
(integrations/halo/resilience.py), alone and in the client (against `responses`)."""

from __future__ import annotations

import pytest
import requests

from integrations.halo import resilience
from integrations.halo.budget import instance_of
from integrations.halo.client import HaloClient
from integrations.halo.errors import HaloSlow, NotFound, Unavailable
from tests.integrations.halo.helpers import API, BASE, add_token

TICKET = {"id": 5, "summary": "Reset my password"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _fresh_state(settings) -> None:
    settings.HALO_BREAKER_FAILURES = 3
    settings.HALO_BREAKER_WINDOW = 30
    settings.HALO_BREAKER_COOLOFF = 15
    settings.HALO_BULKHEAD = 2
    resilience.reset()


# -- the breaker, on a fake clock -------------------------------------------------


def test_it_opens_the_breaker_after_repeated_timeouts() -> None:
    clock = FakeClock()
    breaker = resilience.Breaker(clock)
    for _ in range(3):
        breaker.before_call()
        breaker.timed_out()
    with pytest.raises(HaloSlow) as caught:
        breaker.before_call()
    assert caught.value.reason == "circuit"


def test_it_forgets_timeouts_older_than_the_window() -> None:
    clock = FakeClock()
    breaker = resilience.Breaker(clock)
    breaker.timed_out()
    breaker.timed_out()
    clock.now += 31
    breaker.timed_out()
    breaker.before_call()  # still closed: only one timeout in the last 30 s
    assert not breaker.is_open


def test_it_lets_one_probe_through_after_the_cooloff() -> None:
    clock = FakeClock()
    breaker = resilience.Breaker(clock)
    for _ in range(3):
        breaker.timed_out()
    clock.now += 15
    assert breaker.before_call() is True  # the probe
    with pytest.raises(HaloSlow):
        breaker.before_call()  # everyone else still fails fast while it runs
    breaker.succeeded()
    assert breaker.before_call() is False
    assert not breaker.is_open


def test_it_reopens_when_the_probe_times_out() -> None:
    clock = FakeClock()
    breaker = resilience.Breaker(clock)
    for _ in range(3):
        breaker.timed_out()
    clock.now += 15
    assert breaker.before_call() is True
    breaker.timed_out()
    clock.now += 14
    with pytest.raises(HaloSlow):
        breaker.before_call()  # a whole new cool-off
    clock.now += 1
    assert breaker.before_call() is True


def test_it_lets_another_probe_go_when_one_proved_nothing() -> None:
    clock = FakeClock()
    breaker = resilience.Breaker(clock)
    for _ in range(3):
        breaker.timed_out()
    clock.now += 15
    assert breaker.before_call() is True
    breaker.released()  # e.g. a 404: neither fast nor slow
    assert breaker.before_call() is True


# -- the deadline -----------------------------------------------------------------


def test_it_keeps_the_clients_timeouts_without_a_deadline() -> None:
    # Background work (the outbox, commands) sets no deadline.
    assert resilience.remaining() is None
    assert resilience.timeout_for(5, 15) is None


def test_it_cuts_timeouts_to_the_deadline() -> None:
    with resilience.interactive(2):
        connect, read = resilience.timeout_for(5, 15)
    assert 0 < connect <= 2 and 0 < read <= 2
    assert resilience.remaining() is None  # only inside the block


def test_it_never_extends_a_deadline_in_a_nested_block() -> None:
    with resilience.interactive(1), resilience.interactive(60):
        assert resilience.remaining() <= 1


def test_it_refuses_a_call_once_the_deadline_has_passed() -> None:
    with resilience.interactive(0), pytest.raises(HaloSlow) as caught:
        resilience.timeout_for(5, 15)
    assert caught.value.reason == "deadline"


# -- in the client ----------------------------------------------------------------


def test_it_sends_the_deadline_as_the_requests_timeout(rsps, halo) -> None:
    rsps.get(API + "/Tickets/5", json=TICKET)
    with resilience.interactive(3):
        halo.ticket(5)
    connect, read = rsps.calls[-1].request.req_kwargs["timeout"]
    assert 0 < connect <= 3 and 0 < read <= 3


def test_it_reports_a_timeout_under_a_deadline_as_halo_slow(rsps, halo) -> None:
    rsps.get(API + "/Tickets/5", body=requests.exceptions.ReadTimeout("slow"))
    with resilience.interactive(3), pytest.raises(HaloSlow) as caught:
        halo.ticket(5)
    assert caught.value.reason == "deadline"
    assert "Halo is slow to answer right now" in str(caught.value)
    # Not retried within the request: a retry would hold the thread past the deadline.
    assert len([c for c in rsps.calls if "/Tickets/" in c.request.url]) == 1


def test_it_does_not_pause_for_a_retry_past_the_deadline(rsps, halo, settings, sleeps) -> None:
    settings.HALO_BACKOFF_SECONDS = 10
    rsps.get(API + "/Tickets/5", status=500)
    with resilience.interactive(3), pytest.raises(HaloSlow):
        halo.ticket(5)
    assert sleeps == []


def test_it_refuses_at_once_when_the_bulkhead_is_full(rsps, halo) -> None:
    rsps.get(API + "/Tickets/5", json=TICKET)
    instance = instance_of(BASE)
    # Both places taken (HALO_BULKHEAD = 2), as by two calls still waiting on Halo.
    with (
        resilience.guarded(instance),
        resilience.guarded(instance),
        pytest.raises(HaloSlow) as caught,
    ):
        halo.ticket(5)
    assert caught.value.reason == "bulkhead"
    assert not [c for c in rsps.calls if "/Tickets/" in c.request.url]
    assert halo.ticket(5)["id"] == 5  # places given back


def test_it_keeps_one_bulkhead_per_instance(rsps, halo) -> None:
    rsps.get(API + "/Tickets/5", json=TICKET)
    other = instance_of("https://other.halopsa.com")
    with resilience.guarded(other), resilience.guarded(other):
        assert halo.ticket(5)["id"] == 5  # another tenant's slow Halo is not ours


def test_it_fails_fast_after_repeated_timeouts(rsps, creds) -> None:
    add_token(rsps)
    rsps.get(API + "/Tickets/5", body=requests.exceptions.ReadTimeout("slow"))
    halo = HaloClient(creds, retries=0)
    for _ in range(3):
        with pytest.raises(Unavailable) as caught:
            halo.ticket(5)
        assert not isinstance(caught.value, HaloSlow)  # background: a plain timeout
    with pytest.raises(HaloSlow) as caught:
        halo.ticket(5)
    assert caught.value.reason == "circuit"
    assert len([c for c in rsps.calls if "/Tickets/" in c.request.url]) == 3


def test_it_does_not_count_answers_as_slowness(rsps, creds) -> None:
    add_token(rsps)
    rsps.get(API + "/Tickets/5", status=404, json={"Message": "no"})
    halo = HaloClient(creds, retries=0)
    for _ in range(5):
        with pytest.raises(NotFound):
            halo.ticket(5)
    assert not resilience.breaker_for(instance_of(BASE)).is_open


def test_it_resets_state_when_a_halo_setting_changes(settings) -> None:
    breaker = resilience.breaker_for("x")
    for _ in range(3):
        breaker.timed_out()
    settings.HALO_BREAKER_COOLOFF = 20
    assert not resilience.breaker_for("x").is_open
