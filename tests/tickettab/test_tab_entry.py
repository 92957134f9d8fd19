from __future__ import annotations

import time

import pytest
from django.core import signing

from integrations.models import HaloConnection
from tests.csp import csp
from tests.factories import (
    PASSWORD,
    ConnectionFactory,
    MembershipFactory,
    TenantFactory,
    UserFactory,
)
from tickettab import tabauth
from tickettab.models import Tab

pytestmark = pytest.mark.django_db


def signed_url(conn: HaloConnection, agent_id: str = "2", secret: str | None = None) -> str:
    signature = tabauth.agent_signature(secret or conn.tenant.tab.secret, agent_id)
    # Raw, as Halo substitutes it: the client reads a "+" as a space.
    return f"/tab/{conn.tenant.tab.key}/?ticket_id=1001&agent_id={agent_id}&hmac={signature}"


def agent_token(conn: HaloConnection, **overrides) -> str:
    values = {
        "tenant_id": conn.tenant_id,
        "generation": conn.tenant.tab.generation,
        "kind": "agent",
        "id": 2,
        "name": "Priya Shah",
    }
    return tabauth.issue_token(tabauth.TabIdentity(**(values | overrides)))


def test_it_opens_with_a_valid_signature(client) -> None:
    conn = ConnectionFactory()  # its Halo answers nothing: opening must not ask it
    response = client.get(signed_url(conn))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-token="' in body
    token = body.split('data-token="')[1].split('"')[0]
    identity = tabauth.read_token(token, conn.tenant.tab)
    assert identity is not None
    assert (identity.kind, identity.id, identity.tenant_id) == ("agent", 2, conn.tenant_id)


def test_it_refuses_a_wrong_signature_with_instructions(client) -> None:
    conn = ConnectionFactory()
    response = client.get(signed_url(conn, secret="some-other-secret"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "signed who is viewing with a different secret" in body
    assert "Configuration &gt; Custom Tabs" in body
    assert "data-token" not in body


def test_it_refuses_a_missing_signature(client) -> None:
    conn = ConnectionFactory()
    response = client.get(f"/tab/{conn.tenant.tab.key}/?ticket_id=1001&agent_id=2")
    assert response.status_code == 403
    assert "the tab has no Secret in Halo" in response.content.decode()


def test_it_refuses_another_tenants_signature(client) -> None:
    ours, theirs = ConnectionFactory(), ConnectionFactory()
    # A URL correctly signed with the other tenant's secret, replayed on our key.
    response = client.get(signed_url(ours, secret=theirs.tenant.tab.secret))
    assert response.status_code == 403


def test_it_refuses_a_signature_for_another_agent(client) -> None:
    conn = ConnectionFactory()
    signature = tabauth.agent_signature(conn.tenant.tab.secret, "2")
    response = client.get(f"/tab/{conn.tenant.tab.key}/?ticket_id=1&agent_id=3&hmac={signature}")
    assert response.status_code == 403


def test_it_answers_a_plain_404_to_unknown_and_rotated_keys(client) -> None:
    conn = ConnectionFactory(tenant=TenantFactory(name="Secret Customer Ltd"))
    old_key = conn.tenant.tab.key
    conn.tenant.tab.rotate_key()
    conn.tenant.tab.save()
    for key in ("x" * 43, old_key):
        response = client.get(f"/tab/{key}/?ticket_id=1")
        assert response.status_code == 404
        assert "Secret Customer" not in response.content.decode()
        assert "Tab not found" in response.content.decode()


def test_it_pauses_a_suspended_tenant(client) -> None:
    conn = ConnectionFactory(tenant=TenantFactory(status="suspended"))
    response = client.get(signed_url(conn))
    assert response.status_code == 200
    assert "MSP Process is paused" in response.content.decode()
    assert "data-token" not in response.content.decode()


def test_it_shows_sign_in_without_a_tab_secret(client) -> None:
    conn = ConnectionFactory()
    Tab.objects.filter(tenant_id=conn.tenant_id).update(secret="")
    body = client.get(f"/tab/{conn.tenant.tab.key}/?ticket_id=1001").content.decode()
    assert 'data-mode="signin"' in body
    assert "Sign in to verify callers" in body
    assert "data-token" not in body


def test_it_signs_a_member_in_to_the_tab(client) -> None:
    conn = ConnectionFactory()
    Tab.objects.filter(tenant_id=conn.tenant_id).update(secret="")
    conn.refresh_from_db()
    member = MembershipFactory(tenant=conn.tenant).user
    response = client.post(
        f"/tab/{conn.tenant.tab.key}/signin/", {"username": member.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    identity = tabauth.read_token(response.json()["token"], conn.tenant.tab)
    assert identity.kind == "member" and identity.id == member.pk
    assert "Set-Cookie" not in response.headers
    assert not response.cookies


def test_it_refuses_outsiders_and_wrong_passwords_at_tab_sign_in(client) -> None:
    conn = ConnectionFactory()
    Tab.objects.filter(tenant_id=conn.tenant_id).update(secret="")
    outsider = MembershipFactory().user  # a member of another tenant
    for username, password in ((outsider.username, PASSWORD), ("nobody", "x")):
        response = client.post(
            f"/tab/{conn.tenant.tab.key}/signin/", {"username": username, "password": password}
        )
        assert response.status_code == 401
        assert "token" not in response.json()


def test_it_throttles_tab_sign_in(client) -> None:
    conn = ConnectionFactory()
    Tab.objects.filter(tenant_id=conn.tenant_id).update(secret="")
    member = MembershipFactory(tenant=conn.tenant).user
    for _ in range(10):
        client.post(
            f"/tab/{conn.tenant.tab.key}/signin/", {"username": member.username, "password": "x"}
        )
    response = client.post(
        f"/tab/{conn.tenant.tab.key}/signin/", {"username": member.username, "password": PASSWORD}
    )
    assert response.status_code == 429


def test_it_locks_an_address_that_sprays_tab_sign_ins_over_many_accounts(client, settings) -> None:
    # django-axes counts every sign-in form's failures, the tab's included, per address.
    conn = ConnectionFactory()
    Tab.objects.filter(tenant_id=conn.tenant_id).update(secret="")
    member = MembershipFactory(tenant=conn.tenant).user
    url = f"/tab/{conn.tenant.tab.key}/signin/"
    limit = settings.SIGNIN_ADDRESS_FAILURE_LIMIT
    statuses = [
        client.post(url, {"username": f"guess-{i}", "password": "x"}).status_code
        for i in range(limit)
    ]
    assert statuses == [401] * (limit - 1) + [429]
    response = client.post(url, {"username": member.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "token" not in response.json()


def test_it_refuses_member_sign_in_when_halo_signs_agents(client) -> None:
    conn = ConnectionFactory()
    member = MembershipFactory(tenant=conn.tenant).user
    response = client.post(
        f"/tab/{conn.tenant.tab.key}/signin/", {"username": member.username, "password": PASSWORD}
    )
    assert response.status_code == 400


def test_it_sets_no_cookie_and_the_tenants_frame_ancestors(client) -> None:
    conn = ConnectionFactory(base_url="https://globex.halopsa.com")
    other = ConnectionFactory(base_url="https://initech.halopsa.com:8443/halo")
    for c in (conn, other):
        response = client.get(signed_url(c))
        assert "Set-Cookie" not in response.headers
        assert not response.cookies
        assert "X-Frame-Options" not in response.headers
    policy = csp(client.get(signed_url(conn)))
    assert policy["frame-ancestors"] == "'self' https://globex.halopsa.com"
    # The rest of the site's policy stays: no inline script in the tab either.
    assert policy["script-src"] == "'self'"
    assert csp(client.get(signed_url(other)))["frame-ancestors"] == (
        "'self' https://initech.halopsa.com:8443"
    )


def test_it_keeps_x_frame_options_on_other_pages(client) -> None:
    assert client.get("/accounts/login/")["X-Frame-Options"] == "DENY"
    assert csp(client.get("/accounts/login/"))["frame-ancestors"] == "'none'"


# -- the tab token ---------------------------------------------------------------------


def partial(client, conn: HaloConnection, token: str):
    return client.get(f"/tab/{conn.tenant.tab.key}/status/1/", HTTP_X_TAB_TOKEN=token)


def test_it_answers_401_without_or_with_a_tampered_token(client) -> None:
    conn = ConnectionFactory()
    token = agent_token(conn)
    assert partial(client, conn, "").status_code == 401
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = partial(client, conn, tampered)
    assert response.status_code == 401
    assert "Reload the ticket in Halo" in response.content.decode()


def test_it_answers_401_to_an_expired_token(client, monkeypatch) -> None:
    conn = ConnectionFactory()
    token = agent_token(conn)
    assert partial(client, conn, token).status_code != 401
    real_time = time.time
    # Eight hours and a minute later, as the signer sees the clock.
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 8 * 3600 + 60)
    assert partial(client, conn, token).status_code == 401


def test_it_refuses_another_tenants_token(client) -> None:
    ours, theirs = ConnectionFactory(), ConnectionFactory()
    assert partial(client, ours, agent_token(theirs)).status_code == 401
    # Even when it claims our tenant id, the generation and signature must match.
    forged = agent_token(theirs, tenant_id=ours.tenant_id, generation=99)
    assert partial(client, ours, forged).status_code == 401


def test_it_refuses_tokens_issued_before_a_rotation(client) -> None:
    conn = ConnectionFactory()
    token = agent_token(conn)
    conn.tenant.tab.rotate_secret()
    conn.tenant.tab.save()
    assert partial(client, conn, token).status_code == 401


def test_it_refuses_a_removed_members_token(client) -> None:
    conn = ConnectionFactory()
    m = MembershipFactory(tenant=conn.tenant)
    token = agent_token(conn, kind="member", id=m.user.pk)
    assert partial(client, conn, token).status_code != 401
    m.delete()
    assert partial(client, conn, token).status_code == 401
    stranger = UserFactory()
    assert (
        partial(client, conn, agent_token(conn, kind="member", id=stranger.pk)).status_code == 401
    )
