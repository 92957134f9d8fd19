"""A slow Halo: the tab stops waiting at its deadline and says so, with a retry (or
shows its older copy); once that Halo has timed out repeatedly, the tab fails fast;
code checks, which need no Halo, go on as ever."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from integrations.halo import resilience
from integrations.sandbox import services as sandbox
from integrations.sandbox.models import SandboxUser
from tickettab.models import Verification

SLOW = "Halo is slow to answer right now"
# Far longer than the deadline below: the outcome shows which one won.
HALO_DELAY_MS = 1500


@pytest.fixture
def slow_halo(tab, live_halo, settings) -> Iterator[str]:
    """The tab's Halo, which `make_slow` makes answer HALO_DELAY_MS late."""
    resilience.reset()
    host = urlsplit(live_halo.url).netloc
    yield host
    sandbox.set_host_latency(host, 0)


@pytest.fixture
def make_slow(settings) -> Iterator[Callable[[str], None]]:
    """Halo answers HALO_DELAY_MS late and the tab waits 0.2 s for it. Set only then:
    while Halo is quick, a tab request's four calls (a token, the agent, the ticket,
    the user) must not race a 0.2 s deadline on a busy machine."""
    slowed: list[str] = []

    def slow(host: str) -> None:
        settings.HALO_INTERACTIVE_DEADLINE = 0.2
        sandbox.set_host_latency(host, HALO_DELAY_MS)
        slowed.append(host)

    yield slow
    if slowed:
        # The requests we stopped waiting for are still asleep in the live server:
        # let them finish before the database is flushed under them (on SQLite they
        # share its connection, and the next test's teardown would fail).
        time.sleep(HALO_DELAY_MS / 1000 + 0.2)


def test_it_says_halo_is_slow_and_offers_a_retry(tab, slow_halo, make_slow) -> None:
    make_slow(slow_halo)
    response = tab.get("ticket/?ticket_id=1001")
    body = response.content.decode()
    assert response.status_code == 200
    assert SLOW in body
    assert "Try again" in body and 'hx-get="/tab/' in body


def test_it_shows_the_older_copy_when_it_has_one(tab, slow_halo, make_slow) -> None:
    assert "Password reset" in tab.get("ticket/?ticket_id=1001").content.decode()
    make_slow(slow_halo)
    body = tab.get("ticket/?ticket_id=1001&fresh=1").content.decode()
    assert "Password reset" in body
    assert 'id="tab-stale"' in body and SLOW in body


def test_it_fails_fast_once_that_halo_timed_out_repeatedly(
    tab, slow_halo, make_slow, settings
) -> None:
    settings.HALO_BREAKER_FAILURES = 1
    make_slow(slow_halo)
    assert SLOW in tab.get("ticket/?ticket_id=1001").content.decode()
    # Halo is quick again, but the breaker is open: the tab does not even ask.
    sandbox.set_host_latency(slow_halo, 0)
    assert SLOW in tab.get("ticket/?ticket_id=1001").content.decode()


def test_it_checks_codes_while_halo_is_slow(tab, slow_halo, make_slow, settings) -> None:
    tab.post("send/", {"method": "sms", "ticket_id": "1001"})
    user = SandboxUser.objects.get(pk=Verification.objects.get().halo_user_id)
    code = sandbox.latest_code(user.mobilenumber)
    settings.HALO_BREAKER_FAILURES = 1
    make_slow(slow_halo)
    assert SLOW in tab.get("ticket/?ticket_id=1001&fresh=1").content.decode()
    v = Verification.objects.get()
    body = tab.post("verify/", {"verification_id": v.pk, "code": code}).content.decode()
    assert 'data-state="green"' in body
