"""Halo's authinfo as a hint: asked only when signing in failed and the admin named
no Authorisation Server or tenant; kept only when signing in there works."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import responses

from integrations import services
from integrations.sandbox import services as sandbox
from mspprocess.core.audit import AuditEvent
from tests.factories import ConnectionFactory, TenantFactory
from tests.integrations.halo.helpers import API, TOKEN_URL

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hosted(live_halo, settings, sandbox_mounted) -> dict[str, str]:
    """A Halo-hosted instance: it signs in on another origin, with a tenant name, and
    its application refuses the default `<origin>/auth` (a 500, as hosted Halo does)."""
    api = urlsplit(live_halo.url)
    other = "127.0.0.1" if api.hostname == "localhost" else "localhost"
    settings.HALO_SANDBOX_HOSTED_AUTH_HOST = f"{other}:{api.port}"
    settings.HALO_SANDBOX_TENANT = "acme"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    sandbox.create_application(live_halo.client_id, live_halo.client_secret, tenant="acme")
    return {"auth_server": f"http://{other}:{api.port}/sandbox/halo/hosted-auth"}


def test_it_finds_a_hosted_halos_sign_in_and_keeps_it(live_halo, hosted) -> None:
    conn = live_halo.connect(TenantFactory())
    version = conn.credentials_version
    result = services.test_connection(conn)

    assert result.ok is True
    assert (result.discovered_auth_server, result.discovered_tenant) == (
        hosted["auth_server"],
        "acme",
    )
    conn.refresh_from_db()
    assert (conn.auth_server, conn.halo_tenant) == (hosted["auth_server"], "acme")
    assert conn.credentials_version == version + 1  # tokens of the old values die
    assert conn.status == conn.Status.CONNECTED
    counts = sandbox.request_counts()
    assert counts["GET authinfo"] == 1
    assert counts["POST hosted-auth/token"] == 1
    changed = AuditEvent.objects.filter(
        tenant=conn.tenant, action=AuditEvent.Action.CONNECTION_CREDENTIALS_CHANGED
    ).first()  # the newest
    assert sorted(changed.fields) == ["auth_server", "halo_tenant"]


def test_it_asks_nothing_when_the_default_sign_in_works(live_halo, sandbox_mounted) -> None:
    conn = live_halo.connect(TenantFactory())
    assert services.test_connection(conn).ok is True
    assert "GET authinfo" not in sandbox.request_counts()
    conn.refresh_from_db()
    assert (conn.auth_server, conn.halo_tenant) == ("", "")


def test_it_leaves_what_the_admin_named_alone(live_halo, hosted) -> None:
    conn = live_halo.connect(TenantFactory())
    conn.halo_tenant = "wrong"
    conn.save()
    result = services.test_connection(conn)
    assert result.ok is False
    assert "GET authinfo" not in sandbox.request_counts()
    conn.refresh_from_db()
    assert conn.halo_tenant == "wrong"


BAD_ANSWERS = [
    {"status": 404, "body": "<html>Not found</html>"},
    {"status": 200, "body": "not json"},
    {"status": 200, "json": ["a list"]},
    {"status": 200, "json": {"auth_url": 42, "tenant_id": "acme"}},
    {"status": 200, "json": {"auth_url": "https://10.0.0.5/auth", "tenant_id": "acme"}},
    {"status": 200, "json": {"auth_url": "file:///etc/passwd", "tenant_id": "acme"}},
    {"status": 200, "json": {"auth_url": "https://auth.example.com", "tenant_id": "a\x00b"}},
    {"status": 200, "json": {"auth_url": "https://auth.example.com", "tenant_id": "x" * 101}},
]


@pytest.mark.parametrize("answer", BAD_ANSWERS)
def test_it_keeps_the_admins_error_when_authinfo_does_not_help(
    rsps: responses.RequestsMock, answer: dict, settings
) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False  # production: 10.0.0.5 is refused
    conn = ConnectionFactory(tenant=TenantFactory())
    rsps.post(TOKEN_URL, status=500, body="<html>Server Error</html>")
    rsps.get(API + "/authinfo", **answer)
    result = services.test_connection(conn)

    assert result.ok is False
    assert result.sign_in_failed is True
    assert result.discovered_auth_server == ""
    assert [c.request.url for c in rsps.calls] == [TOKEN_URL, API + "/authinfo"]
    conn.refresh_from_db()
    assert (conn.auth_server, conn.halo_tenant) == ("", "")


def test_it_keeps_the_admins_error_when_the_discovered_sign_in_fails_too(
    rsps: responses.RequestsMock,
) -> None:
    conn = ConnectionFactory(tenant=TenantFactory())
    rsps.post(TOKEN_URL, status=500, body="<html>Server Error</html>")
    rsps.get(API + "/authinfo", json={"auth_url": "https://auth.example.com", "tenant_id": "t"})
    rsps.post(
        "https://auth.example.com/token?tenant=t", status=401, json={"error": "invalid_client"}
    )
    result = services.test_connection(conn)

    assert result.ok is False
    assert "500" in result.error or "Halo" in result.error
    conn.refresh_from_db()
    assert (conn.auth_server, conn.halo_tenant) == ("", "")
