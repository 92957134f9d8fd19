from __future__ import annotations

import pytest

from tests.factories import TenantFactory
from tests.tickettab.test_tab_entry import agent_token
from tickettab.context import Contact
from tickettab.tabauth import TabIdentity


@pytest.fixture
def contact() -> Contact:
    return Contact(
        halo_user_id=201,
        name="Jane Doe",
        first_name="Jane",
        email="jane.doe@example.com",
        mobile="+61 491 570 156",
    )


def agent(tenant_id: int, name: str = "Priya Shah") -> TabIdentity:
    return TabIdentity(tenant_id=tenant_id, generation=1, kind="agent", id=2, name=name)


@pytest.fixture
def tab(live_halo, client, settings):
    """A connected tenant and a client that talks to its tab with a valid token."""
    settings.SMS_BACKEND = "integrations.sandbox.devices.SandboxSmsBackend"
    tenant = TenantFactory(name="Acme IT")
    conn = live_halo.connect(tenant)
    token = agent_token(conn)

    class Tab:
        def get(self, path: str, **extra):
            return client.get(f"/tab/{conn.tenant.tab.key}/{path}", HTTP_X_TAB_TOKEN=token, **extra)

        def post(self, path: str, data: dict, **extra):
            return client.post(
                f"/tab/{conn.tenant.tab.key}/{path}", data, HTTP_X_TAB_TOKEN=token, **extra
            )

    t = Tab()
    t.conn, t.tenant, t.token = conn, tenant, token
    return t
