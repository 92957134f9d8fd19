"""What a tab open costs in Halo calls, and what the tab shows when Halo can't be asked."""

from __future__ import annotations

import time

import pytest

from integrations.halo.budget import Budget, instance_of
from integrations.sandbox import services as sandbox
from integrations.sandbox.models import SandboxMessage, SandboxUser
from tickettab import context

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = 201  # the end user of tickets 1001 and 1014


def halo_reads() -> dict[str, int]:
    counts = sandbox.request_counts()
    return {k: v for k, v in counts.items() if k.startswith("GET")}


@pytest.fixture
def later(monkeypatch):
    """Move the tab's clock forward, as if the context were read that long ago."""

    def move(seconds: float) -> None:
        now = time.time() + seconds
        monkeypatch.setattr(context.time, "time", lambda: now)

    return move


def test_it_reads_a_known_contact_from_cache_on_another_ticket(tab) -> None:
    tab.get("ticket/?ticket_id=1001")
    sandbox.clear_log()
    body = tab.get("ticket/?ticket_id=1014").content.decode()
    assert SandboxUser.objects.get(pk=ALICE).name in body
    assert halo_reads() == {"GET Tickets/{id}": 1}  # one call for this open


def test_it_shows_a_reopened_ticket_for_five_minutes_without_asking_halo(tab, later) -> None:
    tab.get("ticket/?ticket_id=1001")
    sandbox.clear_log()
    later(299)
    assert "Password reset" in tab.get("ticket/?ticket_id=1001").content.decode()
    assert halo_reads() == {}
    later(301)
    tab.get("ticket/?ticket_id=1001")
    assert halo_reads().get("GET Tickets/{id}") == 1


def test_it_says_when_halo_said_it(tab) -> None:
    body = tab.get("ticket/?ticket_id=1001").content.decode()
    assert f"from Halo at {time.strftime('%H:', time.gmtime())}" in body


def test_it_refreshes_everything_on_request(tab) -> None:
    tab.get("ticket/?ticket_id=1001")
    SandboxUser.objects.filter(pk=ALICE).update(firstname="Alicia")
    sandbox.clear_log()
    body = tab.get("ticket/?ticket_id=1001&fresh=1").content.decode()
    assert "Alicia" in body
    assert halo_reads() == {"GET Tickets/{id}": 1, "GET Users/{id}": 1}


def test_it_sends_to_the_details_halo_has_now(tab) -> None:
    tab.get("ticket/?ticket_id=1001")  # the contact is now cached for display
    SandboxUser.objects.filter(pk=ALICE).update(mobilenumber="+61 491 570 110")
    tab.post("send/", {"method": "sms", "ticket_id": "1001"})
    sent = SandboxMessage.objects.filter(kind=SandboxMessage.Kind.SMS).get()
    assert sent.to == "+61491570110"


def test_it_shows_the_last_context_when_halo_is_down(tab, later) -> None:
    tab.get("ticket/?ticket_id=1001")
    later(600)
    sandbox.set_faults(status=503, status_count=None)
    body = tab.get("ticket/?ticket_id=1001").content.decode()
    assert "Password reset" in body
    assert 'id="tab-stale"' in body
    assert "Showing what Halo said at" in body


def test_it_says_a_ticket_does_not_exist(tab) -> None:
    body = tab.get("ticket/?ticket_id=424242").content.decode()
    assert "Ticket 424242 does not exist in Halo." in body
    assert "/Tickets/" not in body


def test_it_shows_the_last_context_when_our_share_is_spent(tab, later) -> None:
    tab.get("ticket/?ticket_id=1001")
    later(600)
    spend_the_share(tab.conn)
    sandbox.clear_log()
    body = tab.get("ticket/?ticket_id=1001").content.decode()
    assert "Password reset" in body
    assert "Halo is busy" in body and 'id="tab-stale"' in body
    assert halo_reads() == {}  # refused before reaching Halo


def test_it_says_halo_is_busy_and_when_to_try_again(tab) -> None:
    spend_the_share(tab.conn)
    body = tab.get("ticket/?ticket_id=1002").content.decode()
    assert "Halo is busy" in body
    assert "Try again in" in body
    assert "Try again</button>" in body


def spend_the_share(conn) -> None:
    budget = Budget(instance_of(conn.base_url), conn.call_share)
    while budget.spend() is None:
        pass
