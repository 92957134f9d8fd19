"""The connection test when Halo's limit says wait: it says so, and a connected
connection stays connected."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from integrations import services
from integrations.halo import meter
from integrations.models import HaloConnection
from integrations.sandbox import services as sandbox
from mspprocess.core.audit import AuditEvent
from tests.factories import AdminMembershipFactory

live = pytest.mark.django_db(transaction=True)


@pytest.fixture
def connected(live_halo) -> HaloConnection:
    """A connection that passed its test (4 Halo calls), left with no room in its share."""
    m = AdminMembershipFactory()
    conn = live_halo.connect(m.tenant)
    assert services.test_connection(conn).ok
    conn.refresh_from_db()
    assert conn.status == HaloConnection.Status.CONNECTED
    conn.call_share = meter.budget_for(conn.credentials()).used()
    conn.save(update_fields=["call_share"])
    conn.admin = m.user
    return conn


@live
def test_it_says_halo_is_busy_and_keeps_the_connection_connected(connected) -> None:
    before = sandbox.request_counts()
    checked = connected.last_checked
    result = services.test_connection(connected)
    assert result.busy and not result.ok
    assert result.error.startswith("Halo is busy: MSP Process has used its share")
    assert "Try again in " in result.error and result.error.endswith(" seconds.")
    assert sandbox.request_counts() == before  # not even a token request
    connected.refresh_from_db()
    assert connected.status == HaloConnection.Status.CONNECTED
    assert connected.last_checked == checked
    assert connected.last_error == ""
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CONNECTION_TESTED).latest("pk")
    assert event.detail == "busy"


@live
def test_it_reports_busy_when_the_share_runs_out_mid_test(connected) -> None:
    # Room for a token, /Agent/me and /TicketType: the /Users probe is refused.
    connected.call_share += 3
    connected.save(update_fields=["call_share"])
    result = services.test_connection(connected)
    assert result.busy
    assert result.error.startswith("Halo is busy")
    users = next(p for p in result.permissions if p.name == "read:customers")
    assert users.ok is None and users.detail.startswith("Not checked: Halo is busy")
    connected.refresh_from_db()
    assert connected.status == HaloConnection.Status.CONNECTED


@live
def test_it_says_busy_after_halos_429_and_keeps_the_connection(connected) -> None:
    connected.call_share = 100
    connected.save(update_fields=["call_share"])
    sandbox.set_faults(status=429, status_count=None, scope="token")
    result = services.test_connection(connected)
    assert result.busy
    assert "API limit was reached" in result.error
    assert "Try again in 5 seconds." in result.error
    connected.refresh_from_db()
    assert connected.status == HaloConnection.Status.CONNECTED


@live
def test_it_shows_the_busy_message_on_the_integration_page(client, connected) -> None:
    client.force_login(connected.admin)
    slug = connected.tenant.slug
    response = client.post(f"/t/{slug}/integration/test/", follow=True)
    body = response.content.decode()
    assert "Halo is busy: MSP Process has used its share" in body
    assert "The connection test failed" not in body
    connected.refresh_from_db()
    assert connected.status == HaloConnection.Status.CONNECTED


@live
def test_it_says_halo_is_busy_from_the_command_line(connected) -> None:
    with pytest.raises(CommandError, match=r"Halo is busy: .* Try again in \d+ seconds\."):
        call_command("halo_check", connected.tenant.slug)
    connected.refresh_from_db()
    assert connected.status == HaloConnection.Status.CONNECTED


@live
def test_it_warns_the_console_that_halo_is_busy_not_failing(connected, rf) -> None:
    from django.contrib import messages

    from mspprocess.console import actions as console

    request = rf.post("/admin/")
    request.user = connected.admin
    outcome = console.test_connection(connected.tenant, request)
    assert outcome.level == messages.WARNING
    assert "not tested. Halo is busy" in outcome.message
    assert "connection failed" not in outcome.message
