"""Halo's signature never expires, so the tab asks Halo whether the agent still may."""

from __future__ import annotations

import pytest

from integrations.sandbox import services as sandbox
from integrations.sandbox.models import SandboxAgent
from tests.factories import TenantFactory
from tests.tickettab.test_tab_entry import signed_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def conn(live_halo):
    return live_halo.connect(TenantFactory())


def test_it_names_an_active_agent_from_halo(client, conn) -> None:
    response = client.get(signed_url(conn, agent_id="2"))
    assert response.status_code == 200
    assert SandboxAgent.objects.get(pk=2).name in response.content.decode()


def test_it_refuses_an_agent_halo_does_not_know(client, conn) -> None:
    response = client.get(signed_url(conn, agent_id="999"))
    assert response.status_code == 403
    assert "no longer exists or is disabled" in response.content.decode()
    assert "data-token" not in response.content.decode()


def test_it_refuses_a_disabled_agent(client, conn) -> None:
    SandboxAgent.objects.filter(pk=3).update(isdisabled=True)
    response = client.get(signed_url(conn, agent_id="3"))
    assert response.status_code == 403


def test_it_lets_a_signed_agent_in_while_halo_is_down(client, conn) -> None:
    sandbox.set_faults(status=503, status_count=None)
    response = client.get(signed_url(conn, agent_id="2"))
    assert response.status_code == 200
    assert "Agent 2" in response.content.decode()
