from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from integrations import services
from integrations.models import HaloConnection
from integrations.sandbox import services as sandbox
from mspprocess.core.models import Membership
from tests.factories import AdminMembershipFactory, MembershipFactory, StaffFactory, TenantFactory
from tickettab import tabauth
from tickettab.models import Tab, key_digest

live = pytest.mark.django_db(transaction=True)


def form(live_halo, **overrides: str) -> dict[str, str]:
    return live_halo.form(**overrides)


@live
def test_it_saves_normalizes_and_tests_the_connection(client, live_halo) -> None:
    m = AdminMembershipFactory()
    client.force_login(m.user)
    response = client.post(f"/t/{m.tenant.slug}/integration/", form(live_halo), follow=True)
    body = response.content.decode()
    assert "MSP Process is connected to your Halo" in body
    conn = HaloConnection.objects.get(tenant=m.tenant)
    assert conn.base_url == live_halo.url  # "/api" dropped
    assert conn.status == HaloConnection.Status.CONNECTED
    assert conn.agent_name == "API Integration"
    assert conn.credentials_changed_by == m.user
    assert 'id="step-connection" data-done="true"' in body
    assert 'id="step-permissions" data-done="true"' in body
    assert 'id="step-tabs_allowed" data-done="true"' in body
    assert 'id="step-tab_seen" data-done="false"' in body
    assert live_halo.client_secret not in body
    # Shown with /api, so that saving again keeps the path before it.
    assert f'value="{live_halo.url}/api"' in body


@live
def test_it_explains_a_wrong_secret_and_keeps_what_was_typed(client, live_halo) -> None:
    m = AdminMembershipFactory()
    client.force_login(m.user)
    response = client.post(
        f"/t/{m.tenant.slug}/integration/",
        form(live_halo, client_secret="not-the-secret"),
        follow=True,
    )
    body = response.content.decode()
    assert "Halo rejected the Client ID or Client Secret" in body
    assert "Configuration &gt; Integrations &gt; Halo API" in body
    assert f'value="{live_halo.client_id}"' in body
    assert "not-the-secret" not in body
    conn = HaloConnection.objects.get(tenant=m.tenant)
    assert conn.status == HaloConnection.Status.FAILING
    assert 'id="step-connection" data-done="false"' in body


@live
def test_it_reports_a_missing_permission_with_the_fix(client, live_halo) -> None:
    sandbox.set_permissions(live_halo.client_id, ["read:tickets", "edit:tickets"])
    m = AdminMembershipFactory()
    client.force_login(m.user)
    body = client.post(
        f"/t/{m.tenant.slug}/integration/", form(live_halo), follow=True
    ).content.decode()
    assert "✗ missing" in body
    assert "Permissions, tick read:customers" in body
    conn = HaloConnection.objects.get(tenant=m.tenant)
    assert not conn.permissions_complete
    results = {p["name"]: p["ok"] for p in conn.check_results["permissions"]}
    assert results["read:customers"] is False
    assert results["read:tickets"] is True


@live
def test_it_shows_when_ticket_types_do_not_allow_custom_tabs(client, live_halo) -> None:
    sandbox.set_custom_tabs_allowed(False)
    m = AdminMembershipFactory()
    conn = live_halo.connect(m.tenant)
    services.test_connection(conn)
    client.force_login(m.user)
    body = client.get(f"/t/{m.tenant.slug}/integration/").content.decode()
    assert 'id="step-tabs_allowed" data-done="false"' in body
    assert "Allow all custom tabs" in body


@pytest.mark.django_db
def test_it_keeps_the_stored_secret_when_left_blank(client, rsps) -> None:
    m = AdminMembershipFactory()
    conn = services.connection_for(m.tenant)
    conn.set_credentials(
        base_url="https://acme.halopsa.com", client_id="id-1", client_secret="stored-secret-1"
    )
    conn.save()
    version = conn.credentials_version
    # Nothing answers (responses has no replies): this test is about what is stored.
    client.force_login(m.user)
    client.post(
        f"/t/{m.tenant.slug}/integration/",
        {"resource_server": "acme.halopsa.com", "client_id": "id-2", "client_secret": ""},
    )
    conn.refresh_from_db()
    assert conn.client_secret == "stored-secret-1"
    assert conn.client_id == "id-2"
    assert conn.credentials_version == version + 1
    body = client.get(f"/t/{m.tenant.slug}/integration/").content.decode()
    assert "stored-secret-1" not in body
    assert "Client Secret: stored" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("ftp://acme.halopsa.com", "https://"),
        ("https://user:pw@acme.halopsa.com", ""),
        ("http://10.0.0.1", ""),
    ],
)
def test_it_refuses_bad_addresses_with_a_message(client, settings, address, message) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    m = AdminMembershipFactory()
    client.force_login(m.user)
    response = client.post(
        f"/t/{m.tenant.slug}/integration/",
        {"resource_server": address, "client_id": "abc", "client_secret": "typed-secret-9"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="error"' in body
    assert message in body
    # A banner at the top of the form says nothing was saved, and why.
    assert "Nothing was saved. Correct the field marked below." in body
    assert 'href="#connect-h">correct the form below' in body  # seen above the fold
    assert "typed-secret-9" not in body
    assert not HaloConnection.objects.filter(tenant=m.tenant).exclude(base_url="").exists()


@pytest.mark.django_db
def test_it_asks_for_a_secret_when_none_is_stored(client) -> None:
    m = AdminMembershipFactory()
    client.force_login(m.user)
    body = client.post(
        f"/t/{m.tenant.slug}/integration/",
        {"resource_server": "acme.halopsa.com", "client_id": "abc", "client_secret": ""},
    ).content.decode()
    assert "Paste the Client Secret of your API application" in body


@pytest.mark.django_db
def test_it_shows_the_tab_url_and_secret(client, settings) -> None:
    settings.PUBLIC_BASE_URL = "https://app.mspprocess.example"
    m = AdminMembershipFactory()
    client.force_login(m.user)
    body = client.get(f"/t/{m.tenant.slug}/integration/").content.decode()
    conn = HaloConnection.objects.get(tenant=m.tenant)
    assert len(conn.tenant.tab.key) >= 43
    assert f"https://app.mspprocess.example/tab/{conn.tenant.tab.key}/?ticket_id=$FAULTID" in body
    assert f'value="{conn.tenant.tab.secret}"' in body


@pytest.mark.django_db
def test_it_rotates_the_tab_key_and_the_old_one_stops_working(client) -> None:
    m = AdminMembershipFactory()
    client.force_login(m.user)
    conn = services.connection_for(m.tenant)
    old_key, generation = conn.tenant.tab.key, conn.tenant.tab.generation
    response = client.post(f"/t/{m.tenant.slug}/integration/rotate/tab-key/", follow=True)
    assert "The old one has stopped working" in response.content.decode()
    conn.refresh_from_db()
    assert conn.tenant.tab.key != old_key
    assert conn.tenant.tab.generation == generation + 1
    assert tabauth.tab_for_key(old_key) is None
    assert tabauth.tab_for_key(conn.tenant.tab.key).tenant_id == conn.tenant_id
    assert conn.tenant.tab.key_digest == key_digest(conn.tenant.tab.key)
    assert client.get(f"/tab/{old_key}/?ticket_id=1").status_code == 404


@pytest.mark.django_db
def test_it_rotates_the_tab_secret(client) -> None:
    m = AdminMembershipFactory()
    client.force_login(m.user)
    conn = services.connection_for(m.tenant)
    old = conn.tenant.tab.secret
    client.post(f"/t/{m.tenant.slug}/integration/rotate/tab-secret/")
    conn.refresh_from_db()
    assert conn.tenant.tab.secret and conn.tenant.tab.secret != old


@pytest.mark.django_db
def test_it_refuses_rotation_by_get(client) -> None:
    m = AdminMembershipFactory()
    client.force_login(m.user)
    key = services.connection_for(m.tenant).tenant.tab.key
    assert client.get(f"/t/{m.tenant.slug}/integration/rotate/tab-key/").status_code == 405
    assert Tab.objects.get(tenant=m.tenant).key == key


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["integration/", "integration/test/", "integration/rotate/tab-key/"]
)
def test_it_hides_the_pages_from_outsiders(client, path) -> None:
    tenant = TenantFactory()
    outsider = AdminMembershipFactory().user
    client.force_login(outsider)
    assert client.get(f"/t/{tenant.slug}/{path}").status_code in (404, 405)
    assert client.post(f"/t/{tenant.slug}/{path}").status_code == 404


@pytest.mark.django_db
def test_it_refuses_technicians(client) -> None:
    m = MembershipFactory(role=Membership.Role.TECHNICIAN)
    client.force_login(m.user)
    assert client.get(f"/t/{m.tenant.slug}/integration/").status_code == 403
    assert client.post(f"/t/{m.tenant.slug}/integration/rotate/tab-key/").status_code == 403


@pytest.mark.django_db
def test_it_lets_account_managers_run_the_page(client) -> None:
    tenant = TenantFactory()
    am = StaffFactory()
    am.groups.add(Group.objects.get(name="Account managers"))
    client.force_login(am)
    response = client.get(f"/t/{tenant.slug}/integration/")
    assert response.status_code == 200
    assert "viewing this page as staff" in response.content.decode()
    # Staff without the permission are outsiders.
    client.force_login(StaffFactory())
    assert client.get(f"/t/{tenant.slug}/integration/").status_code == 404


@live
def test_it_checks_from_the_command_line(live_halo, capsys) -> None:
    m = AdminMembershipFactory()
    live_halo.connect(m.tenant)
    call_command("halo_check", m.tenant.slug)
    out = capsys.readouterr().out
    assert "✓ read:tickets" in out
    assert "✓ read:customers" in out
    assert "Connected." in out

    sandbox.set_permissions(live_halo.client_id, ["read:tickets", "edit:tickets"])
    with pytest.raises(CommandError):
        call_command("halo_check", m.tenant.slug)
    assert "✗ read:customers" in capsys.readouterr().out


@pytest.mark.django_db
def test_it_fails_the_command_without_credentials() -> None:
    tenant = TenantFactory()
    with pytest.raises(CommandError, match="has no Halo credentials"):
        call_command("halo_check", tenant.slug)
    with pytest.raises(CommandError, match="No tenant"):
        call_command("halo_check", "nope")


@pytest.mark.django_db
def test_it_finds_tab_keys_again_after_secret_key_changes(settings, capsys) -> None:
    from tests.factories import ConnectionFactory

    conn = ConnectionFactory()
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert tabauth.tab_for_key(conn.tenant.tab.key) is None
    call_command("rehash_tab_keys")
    assert "1 tab key digest(s) recomputed." in capsys.readouterr().out
    assert tabauth.tab_for_key(conn.tenant.tab.key).tenant_id == conn.tenant_id


@live
def test_it_forgets_the_last_test_when_the_credentials_change(client, live_halo) -> None:
    m = AdminMembershipFactory()
    client.force_login(m.user)
    client.post(f"/t/{m.tenant.slug}/integration/", form(live_halo))
    assert HaloConnection.objects.get(tenant=m.tenant).agent_name == "API Integration"
    # New credentials that Halo's limit keeps us from testing: nothing about the old
    # ones (signed in as, permissions granted) may stay beside them.
    sandbox.set_rate_limit(0)
    body = client.post(
        f"/t/{m.tenant.slug}/integration/", form(live_halo, client_id="another-app"), follow=True
    ).content.decode()
    conn = HaloConnection.objects.get(tenant=m.tenant)
    assert (conn.status, conn.last_checked, conn.check_results) == ("untested", None, {})
    assert "signed in as API Integration" not in body
    assert "✓ granted" not in body
    assert "Not tested yet" in body


@pytest.mark.django_db
def test_it_names_the_workspace_in_the_possessive(client) -> None:
    m = AdminMembershipFactory(tenant__name="Acme IT Services")
    client.force_login(m.user)
    body = client.get(f"/t/{m.tenant.slug}/integration/").content.decode()
    assert "Connect Acme IT Services&#x27; HaloPSA" in body
    assert "Services's" not in body and "Services&#x27;s" not in body
