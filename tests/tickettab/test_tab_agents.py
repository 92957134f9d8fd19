"""Halo's signature never expires, so the tab asks Halo whether the agent still may,
once per agent every 5 minutes, and only when the tab is shown."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from integrations.sandbox import services as sandbox
from integrations.sandbox.models import SandboxAgent
from tests.factories import TenantFactory
from tests.tickettab.test_tab_entry import agent_token, signed_url
from tickettab import tabauth

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def conn(live_halo):
    return live_halo.connect(TenantFactory())


def open_tab(client, conn, agent_id: str):
    """Halo's load of the iframe, then the ticket partial the tab asks for when shown."""
    entry = client.get(signed_url(conn, agent_id=agent_id))
    assert entry.status_code == 200
    token = entry.content.decode().split('data-token="')[1].split('"')[0]
    return client.get(f"/tab/{conn.tenant.tab.key}/ticket/?ticket_id=1001", HTTP_X_TAB_TOKEN=token)


def agent_lookups() -> int:
    return sandbox.request_counts().get("GET Agent/{id}", 0)


def test_it_asks_halo_nothing_when_the_iframe_loads(client, conn) -> None:
    sandbox.clear_log()
    assert client.get(signed_url(conn, agent_id="2")).status_code == 200
    assert sandbox.request_counts() == {}


def test_it_names_an_active_agent_from_halo(client, conn) -> None:
    response = open_tab(client, conn, "2")
    assert response.status_code == 200
    assert SandboxAgent.objects.get(pk=2).name in response.content.decode()


def test_it_refuses_an_agent_halo_does_not_know(client, conn) -> None:
    response = open_tab(client, conn, "999")
    assert response.status_code == 403
    assert "no longer exists or is disabled" in response.content.decode()
    assert response["HX-Retarget"] == "#ticket"


def test_it_refuses_a_disabled_agent_even_with_a_token(client, conn) -> None:
    token = agent_token(conn, id=3)
    SandboxAgent.objects.filter(pk=3).update(isdisabled=True)
    response = client.get(f"/tab/{conn.tenant.tab.key}/status/1/", HTTP_X_TAB_TOKEN=token)
    assert response.status_code == 403


def test_it_lets_a_signed_agent_in_while_halo_is_down(client, conn) -> None:
    sandbox.set_faults(status=503, status_count=None)
    response = client.get(
        f"/tab/{conn.tenant.tab.key}/status/1/", HTTP_X_TAB_TOKEN=agent_token(conn, id=2)
    )
    assert response.status_code == 200  # the verification is unknown, not the agent


def test_it_asks_about_each_agent_once_every_five_minutes(client, conn) -> None:
    sandbox.clear_log()
    for _ in range(3):
        open_tab(client, conn, "2")
    assert agent_lookups() == 1


def test_it_asks_once_when_many_tabs_open_at_once(conn) -> None:
    sandbox.clear_log()
    sandbox.set_faults(latency_ms=300)  # long enough for every thread to arrive
    names: list[str | None] = []

    def look_up() -> None:
        try:
            names.append(tabauth.agent_name(conn, 2))
        finally:
            connection.close()

    threads = [threading.Thread(target=look_up) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sandbox.clear_faults()
    assert names == [SandboxAgent.objects.get(pk=2).name] * 8
    assert agent_lookups() == 1
