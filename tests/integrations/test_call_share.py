"""Our share of the Halo instance's API limit: set on the integration page, shown with use."""

from __future__ import annotations

import pytest

from integrations.halo.budget import Budget, instance_of
from integrations.models import HaloConnection
from mspprocess.core.audit import AuditEvent
from tests.factories import (
    AdminMembershipFactory,
    ConnectionFactory,
    MembershipFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_conn(client):
    m = AdminMembershipFactory()
    client.force_login(m.user)
    return ConnectionFactory(tenant=m.tenant)


def share_url(conn: HaloConnection) -> str:
    return f"/t/{conn.tenant.slug}/integration/share/"


def test_it_defaults_to_a_third_of_halos_limit_with_the_reason(client, admin_conn) -> None:
    body = client.get(f"/t/{admin_conn.tenant.slug}/integration/").content.decode()
    assert admin_conn.call_share == 100
    assert 'name="call_share" value="100"' in body
    assert "the default of 100 leaves two thirds to them" in body
    assert "0</strong> of 100 calls used in the last 5 minutes" in body


def test_it_shows_calls_used_and_how_often_halo_limited_us(client, admin_conn) -> None:
    spent = Budget(instance_of(admin_conn.base_url), admin_conn.call_share)
    for _ in range(7):
        spent.spend()
    for _ in range(3):
        spent.rate_limited()
    body = client.get(f"/t/{admin_conn.tenant.slug}/integration/").content.decode()
    assert "7</strong> of 100 calls used" in body
    assert "Halo limited us 3 times today" in body


def test_it_saves_a_new_share_and_audits_it(client, admin_conn) -> None:
    response = client.post(share_url(admin_conn), {"call_share": "150"}, follow=True)
    assert "at most 150 calls to Halo per 5 minutes" in response.content.decode()
    admin_conn.refresh_from_db()
    assert admin_conn.call_share == 150
    event = AuditEvent.objects.get(action=AuditEvent.Action.CONNECTION_CALL_SHARE_CHANGED)
    assert (event.tenant_id, event.detail) == (admin_conn.tenant_id, "150")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("abc", "Enter a whole number of calls"),
        ("", "This field is required"),
        ("5", "Allow at least 20 calls"),
        ("301", "enter at most that"),
        ("9" * 5000, "Enter a whole number of calls"),
        ("1\x002", "Enter a whole number of calls"),
    ],
)
def test_it_refuses_a_share_it_cannot_use_and_keeps_the_old(client, admin_conn, value, words):
    response = client.post(share_url(admin_conn), {"call_share": value}, follow=True)
    assert response.status_code == 200
    assert words in response.content.decode()
    admin_conn.refresh_from_db()
    assert admin_conn.call_share == 100
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.CONNECTION_CALL_SHARE_CHANGED
    ).exists()


def test_it_keeps_the_share_from_technicians_and_outsiders(client) -> None:
    conn = ConnectionFactory()
    tech = MembershipFactory(tenant=conn.tenant)
    client.force_login(tech.user)
    assert client.post(share_url(conn), {"call_share": "200"}).status_code == 403
    client.force_login(AdminMembershipFactory().user)  # another tenant's admin
    assert client.post(share_url(conn), {"call_share": "200"}).status_code == 404
    conn.refresh_from_db()
    assert conn.call_share == 100


def test_it_shows_the_use_on_the_consoles_tenant_page(client) -> None:
    conn = ConnectionFactory()
    Budget(instance_of(conn.base_url), 100).rate_limited()
    client.force_login(StaffFactory(is_superuser=True))
    body = client.get(f"/admin/mspprocess/tenant/{conn.tenant.pk}/change/").content.decode()
    assert 'id="admin-call-usage"' in body
    assert "Halo limited us 1 time today" in body
