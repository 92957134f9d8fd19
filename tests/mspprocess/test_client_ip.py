"""One client address for the audit trail, the sign-in throttles and the tab."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory

from mspprocess.client_ip import client_ip
from mspprocess.core import audit, staff_auth
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Membership
from tests.factories import AdminMembershipFactory, ConnectionFactory, MembershipFactory
from tickettab.models import Tab

pytestmark = pytest.mark.django_db

BALANCER = "10.0.0.2"  # REMOTE_ADDR behind the load balancer: the same for everyone
CLIENT = "203.0.113.9"


@pytest.fixture
def behind_a_proxy(settings) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXY_COUNT = 1


def via_proxy(forged: str = "198.51.100.66") -> dict[str, str]:
    """What our load balancer passes on: the client's forged entry, then its real one."""
    return {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": f"{forged}, {CLIENT}"}


def test_it_is_the_one_helper_every_user_of_the_address_reads() -> None:
    # The audit trail and the throttles import the same function; the setting tells
    # axes the same (axes throttles every sign-in form, the tab's included).
    assert audit.client_ip is staff_auth.client_ip is client_ip
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "mspprocess.client_ip.client_ip"


def test_it_records_the_clients_address_behind_a_proxy(client, behind_a_proxy) -> None:
    admin = AdminMembershipFactory()
    tech = MembershipFactory(tenant=admin.tenant)
    client.force_login(admin.user)
    url = f"/t/{admin.tenant.slug}/members/{tech.pk}/role/"
    client.post(url, {"role": Membership.Role.ADMIN}, **via_proxy())

    event = AuditEvent.objects.get(tenant=admin.tenant)
    assert event.action == AuditEvent.Action.MEMBERSHIP_ROLE_CHANGED
    assert event.ip_address == CLIENT  # not the balancer's, not the forged entry


def test_it_records_nothing_for_an_outsider_behind_the_same_proxy(client, behind_a_proxy) -> None:
    tech = MembershipFactory()
    outsider = AdminMembershipFactory()  # an admin, of another tenant
    client.force_login(outsider.user)
    url = f"/t/{tech.tenant.slug}/members/{tech.pk}/role/"
    response = client.post(url, {"role": Membership.Role.ADMIN}, **via_proxy())
    assert response.status_code == 404
    assert not AuditEvent.objects.exists()
    tech.refresh_from_db()
    assert tech.role == Membership.Role.TECHNICIAN


def test_it_records_the_peer_without_a_proxy_and_ignores_the_header(client) -> None:
    admin = AdminMembershipFactory()
    tech = MembershipFactory(tenant=admin.tenant)
    client.force_login(admin.user)
    url = f"/t/{admin.tenant.slug}/members/{tech.pk}/role/"
    client.post(url, {"role": Membership.Role.ADMIN}, **via_proxy())
    # Without SECURE_PROXY_SSL_HEADER anyone could have written X-Forwarded-For.
    assert AuditEvent.objects.get().ip_address == BALANCER


def test_it_counts_tab_sign_in_failures_per_client_behind_a_proxy(client, behind_a_proxy) -> None:
    conn = ConnectionFactory()
    Tab.objects.filter(tenant_id=conn.tenant_id).update(secret="")
    member = MembershipFactory(tenant=conn.tenant).user
    url = f"/tab/{conn.tenant.tab.key}/signin/"
    for _ in range(5):
        client.post(url, {"username": member.username, "password": "typo"}, **via_proxy())
    locked = client.post(url, {"username": member.username, "password": "x"}, **via_proxy())
    assert locked.status_code == 429

    # A colleague's client behind the same balancer is another address.
    other = {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": "203.0.113.10"}
    response = client.post(url, {"username": member.username, "password": "x"}, **other)
    assert response.status_code == 401  # a wrong password, not a lockout


def test_it_names_nobody_for_an_address_that_is_not_an_ip(behind_a_proxy) -> None:
    rf = RequestFactory()
    assert client_ip(None) is None
    assert client_ip(rf.get("/", REMOTE_ADDR="unix:/run/gunicorn.sock")) is None
    socket = rf.get("/", REMOTE_ADDR="unix:/run/gunicorn.sock", HTTP_X_FORWARDED_FOR=CLIENT)
    assert client_ip(socket) == CLIENT
