"""The onboarding console (Django admin) as account managers use it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import HaloConnection
from mspprocess.core.models import Membership, Tenant
from tests.factories import (
    ConnectionFactory,
    MembershipFactory,
    StaffFactory,
    TenantFactory,
    UserFactory,
    VerificationFactory,
)
from tickettab import tabauth
from tickettab.models import Tab

pytestmark = pytest.mark.django_db

SECRET = "console-stored-secret-value"


def change_url(tenant: Tenant) -> str:
    return f"/admin/mspprocess/tenant/{tenant.pk}/change/"


def inline_post(tenant: Tenant, conn: HaloConnection | None, **connection) -> dict:
    """The change form's POST, as the browser sends it."""
    data = {
        "name": tenant.name,
        "slug": tenant.slug,
        "status": tenant.status,
        "account_manager": tenant.account_manager_id or "",
        "halo_connection-TOTAL_FORMS": "1",
        "halo_connection-INITIAL_FORMS": "1" if conn else "0",
        "halo_connection-MIN_NUM_FORMS": "0",
        "halo_connection-MAX_NUM_FORMS": "1",
        "halo_connection-0-tenant": tenant.pk,
        "halo_connection-0-base_url": connection.get("base_url", conn.base_url if conn else ""),
        "halo_connection-0-client_id": connection.get("client_id", conn.client_id if conn else ""),
        "halo_connection-0-client_secret": connection.get("client_secret", ""),
        "halo_connection-0-auth_server": "",
        "halo_connection-0-halo_tenant": "",
        "halo_connection-0-scopes": "read:tickets edit:tickets read:customers",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "verification_settings-TOTAL_FORMS": "0",
        "verification_settings-INITIAL_FORMS": "0",
        "verification_settings-MIN_NUM_FORMS": "0",
        "verification_settings-MAX_NUM_FORMS": "1",
    }
    if conn:
        data["halo_connection-0-id"] = conn.pk
    return data


# -- permissions ----------------------------------------------------------------------


def test_it_lets_account_managers_see_and_change_tenants(client, am) -> None:
    conn = ConnectionFactory(client_secret=SECRET)
    assert client.get("/admin/mspprocess/tenant/").status_code == 200
    page = client.get(change_url(conn.tenant))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Halo connection" in body and "Verification settings" in body
    assert client.get("/admin/mspprocess/tenant/add/").status_code == 200


def test_it_refuses_account_managers_deletes_staff_and_permissions(client, am) -> None:
    tenant = TenantFactory()
    assert client.get(f"/admin/mspprocess/tenant/{tenant.pk}/delete/").status_code == 403
    assert client.post(
        "/admin/mspprocess/tenant/", {"action": "delete_selected", "_selected_action": [tenant.pk]}
    ).status_code in (200, 302)
    assert Tenant.objects.filter(pk=tenant.pk).exists()
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get(f"/admin/auth/user/{am.pk}/change/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get("/admin/auth/permission/").status_code in (403, 404)


def test_it_offers_only_customer_accounts_as_members(client, am) -> None:
    tenant = TenantFactory()
    StaffFactory(username="staff-person")
    UserFactory(username="customer-person")
    body = client.get(change_url(tenant)).content.decode()
    # The empty row the inline adds from: its user choices.
    choices = body.split('name="memberships-__prefix__-user"')[1].split("</select>")[0]
    assert "customer-person" in choices
    assert "staff-person" not in choices


def user_choices(body: str) -> str:
    return body.split('name="memberships-__prefix__-user"')[1].split("</select>")[0]


def test_it_offers_no_other_tenants_people_in_the_team_picker(client, am) -> None:
    tenant = TenantFactory()
    own = MembershipFactory(tenant=tenant, user__username="own-person").user
    MembershipFactory(user__username="outsider-person")  # another tenant's member
    UserFactory(username="unattached-person")
    choices = user_choices(client.get(change_url(tenant)).content.decode())
    assert own.username in choices and "unattached-person" in choices
    assert "outsider-person" not in choices


def test_it_refuses_another_tenants_user_posted_to_the_team(client, am) -> None:
    tenant = TenantFactory()
    outsider = MembershipFactory(user__username="outsider-person").user
    data = inline_post(tenant, None)
    data |= {
        "memberships-TOTAL_FORMS": "1",
        "memberships-0-user": str(outsider.pk),
        "memberships-0-role": Membership.Role.ADMIN,
    }
    response = client.post(change_url(tenant), data)
    assert response.status_code == 200  # the form again, with the error
    assert "Select a valid choice" in response.content.decode()
    assert not Membership.objects.filter(tenant=tenant, user=outsider).exists()


def test_it_lists_memberships_read_only(client, admin_user) -> None:
    client.force_login(admin_user)
    member = MembershipFactory(user__email="jo@example.com")
    body = client.get("/admin/mspprocess/membership/").content.decode()
    assert "jo@example.com" in body and str(member.tenant) in body
    # Adding here saved a membership without a tenant (a 500): people join by
    # invitation or on the tenant page, which check and audit.
    assert client.get("/admin/mspprocess/membership/add/").status_code == 403
    before = Membership.objects.count()
    response = client.post(
        "/admin/mspprocess/membership/add/",
        {"user": str(UserFactory().pk), "role": Membership.Role.ADMIN},
    )
    assert response.status_code == 403
    assert Membership.objects.count() == before


def test_it_offers_no_view_on_site_link(client, am) -> None:
    tenant = TenantFactory()
    body = client.get(change_url(tenant)).content.decode()
    assert "View on site" not in body
    assert f"/t/{tenant.slug}/" not in body.split('id="content-main"')[0]


def test_it_shows_the_audit_trail_as_the_tenants_history(client, am) -> None:
    from mspprocess.core.audit import AuditEvent, record

    tenant, other = TenantFactory(name="Mine Ltd"), TenantFactory(name="Other Ltd")
    record(tenant, None, AuditEvent.Action.TENANT_CHANGED, detail="renamed by mine")
    record(other, None, AuditEvent.Action.TENANT_CHANGED, detail="renamed by other")
    response = client.get(f"/admin/mspprocess/tenant/{tenant.pk}/history/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"?tenant__id__exact={tenant.pk}")
    body = client.get(response["Location"]).content.decode()
    assert "renamed by mine" in body
    assert "renamed by other" not in body
    assert client.get("/admin/mspprocess/tenant/999999/history/").status_code == 404
    assert client.get("/admin/mspprocess/tenant/x/history/").status_code == 404


def test_it_keeps_the_tenants_history_from_customers(client) -> None:
    member = MembershipFactory()
    client.force_login(member.user)
    response = client.get(f"/admin/mspprocess/tenant/{member.tenant.pk}/history/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# -- the write-only secret ------------------------------------------------------------


def test_it_never_renders_the_stored_secret_anywhere(client, admin_user) -> None:
    client.force_login(admin_user)
    conn = ConnectionFactory(client_secret=SECRET)
    pages = [
        "/admin/",
        "/admin/mspprocess/tenant/",
        change_url(conn.tenant),
        f"/admin/mspprocess/tenant/{conn.tenant.pk}/history/",
        "/admin/mspprocess/membership/",
        "/admin/tickettab/verification/",
        "/admin/tickettab/note/",
        f"/admin/mspprocess/tenant/{conn.tenant.pk}/invite/",
    ]
    for url in pages:
        response = client.get(url, follow=True)  # history leads to the audit trail
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url


def test_it_keeps_the_secret_when_left_blank(client, am) -> None:
    conn = ConnectionFactory(client_secret=SECRET)
    version = conn.credentials_version
    response = client.post(change_url(conn.tenant), inline_post(conn.tenant, conn))
    assert response.status_code == 302, response.content.decode()[:3000]
    conn.refresh_from_db()
    assert conn.client_secret == SECRET
    assert conn.credentials_version == version


def test_it_replaces_the_secret_and_normalizes_the_address(client, am) -> None:
    conn = ConnectionFactory(client_secret=SECRET)
    version = conn.credentials_version
    response = client.post(
        change_url(conn.tenant),
        inline_post(
            conn.tenant,
            conn,
            client_secret="brand-new-secret",
            base_url="HTTPS://Globex.HaloPSA.com/api/",
        ),
    )
    assert response.status_code == 302
    conn.refresh_from_db()
    assert conn.client_secret == "brand-new-secret"
    assert conn.base_url == "https://globex.halopsa.com"
    assert conn.credentials_version == version + 1
    assert conn.secret_changed_by == am
    body = client.get(change_url(conn.tenant)).content.decode()
    assert "brand-new-secret" not in body
    assert "Stored, last changed" in body and "by am1" in body


def test_it_keeps_a_self_hosted_path_when_saved_again(client, am) -> None:
    conn = ConnectionFactory(base_url="https://halo.example.com/halo", client_secret=SECRET)
    version = conn.credentials_version
    page = client.get(change_url(conn.tenant)).content.decode()
    assert 'value="https://halo.example.com/halo/api"' in page
    post = inline_post(conn.tenant, conn, base_url="https://halo.example.com/halo/api")
    assert client.post(change_url(conn.tenant), post).status_code == 302
    conn.refresh_from_db()
    assert conn.base_url == "https://halo.example.com/halo"
    assert conn.credentials_version == version


def test_it_gives_the_integration_pages_address_errors(client, am, settings) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    conn = ConnectionFactory(client_secret=SECRET)
    response = client.post(
        change_url(conn.tenant),
        inline_post(conn.tenant, conn, base_url="http://10.0.0.1", client_secret="typed-9"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "errornote" in body or "errorlist" in body
    assert "typed-9" not in body
    conn.refresh_from_db()
    assert conn.base_url == "https://acme.halopsa.com"


def test_it_creates_a_connection_with_tab_keys_from_the_console(client, am) -> None:
    tenant = TenantFactory()
    response = client.post(
        change_url(tenant),
        inline_post(
            tenant, None, base_url="acme.halopsa.com", client_id="cid", client_secret=SECRET
        ),
    )
    assert response.status_code == 302
    conn = HaloConnection.objects.get(tenant=tenant)
    assert conn.client_secret == SECRET and conn.tenant.tab.key and conn.tenant.tab.secret
    assert conn.base_url == "https://acme.halopsa.com"


# -- actions -----------------------------------------------------------------------------


def run_action(client, tenant: Tenant, name: str):
    return client.post(f"/admin/mspprocess/tenant/{tenant.pk}/do/{name}/", follow=True)


# A superuser: transactional tests flush the group that the migrations created.
@pytest.mark.django_db(transaction=True)
def test_it_tests_the_connection_and_shows_each_permission(client, live_halo, admin_user) -> None:
    client.force_login(admin_user)
    tenant = TenantFactory(name="Globex")
    live_halo.connect(tenant)
    body = run_action(client, tenant, "test_connection").content.decode()
    assert "Globex: connected as API Integration" in body
    assert "✓ read:tickets" in body and "✓ read:customers" in body


def test_it_reports_a_tenant_without_credentials(client, am) -> None:
    tenant = TenantFactory(name="Initech")
    body = run_action(client, tenant, "test_connection").content.decode()
    assert "Initech: no Halo credentials entered yet" in body


def test_it_rotates_the_tab_key_and_secret(client, am) -> None:
    conn = ConnectionFactory()
    key, secret = conn.tenant.tab.key, conn.tenant.tab.secret
    run_action(client, conn.tenant, "rotate_tab_key")
    run_action(client, conn.tenant, "rotate_tab_secret")
    conn.refresh_from_db()
    assert conn.tenant.tab.key != key and conn.tenant.tab.secret != secret
    assert tabauth.tab_for_key(key) is None


def test_it_suspends_and_the_tab_pauses(client, am) -> None:
    conn = ConnectionFactory()
    body = run_action(client, conn.tenant, "suspend").content.decode()
    assert "suspended" in body
    conn.tenant.refresh_from_db()
    assert conn.tenant.status == Tenant.Status.SUSPENDED
    assert "MSP Process is paused" in client.get(f"/tab/{conn.tenant.tab.key}/").content.decode()
    run_action(client, conn.tenant, "mark_active")
    conn.tenant.refresh_from_db()
    assert conn.tenant.status == Tenant.Status.ACTIVE


def test_it_refuses_actions_by_get_and_unknown_actions(client, am) -> None:
    tenant = TenantFactory()
    assert client.get(f"/admin/mspprocess/tenant/{tenant.pk}/do/suspend/").status_code == 405
    assert client.post(f"/admin/mspprocess/tenant/{tenant.pk}/do/delete/").status_code == 405
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ONBOARDING


def test_it_refuses_actions_to_staff_without_permission(client) -> None:
    client.force_login(StaffFactory())
    tenant = TenantFactory()
    response = client.post(f"/admin/mspprocess/tenant/{tenant.pk}/do/suspend/")
    assert response.status_code == 403
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ONBOARDING


def test_it_reports_bulk_actions_per_tenant(client, am) -> None:
    a, b = TenantFactory(name="Alpha"), TenantFactory(name="Beta", status="active")
    response = client.post(
        "/admin/mspprocess/tenant/",
        {"action": "action_mark_active", "_selected_action": [a.pk, b.pk]},
        follow=True,
    )
    body = response.content.decode()
    assert "Alpha: active." in body
    assert "Beta: already active." in body


def test_it_invites_the_customers_admin(client, am, mailoutbox) -> None:
    tenant = TenantFactory(name="Globex")
    response = client.post(
        f"/admin/mspprocess/tenant/{tenant.pk}/invite/",
        {"email": "boss@globex.example"},
        follow=True,
    )
    assert "Globex: invitation sent to boss@globex.example" in response.content.decode()
    membership = Membership.objects.get(tenant=tenant)
    assert membership.role == Membership.Role.ADMIN
    assert mailoutbox[0].to == ["boss@globex.example"]
    assert "/accounts/reset/" in mailoutbox[0].body


def test_it_explains_a_refused_invitation(client, am) -> None:
    m = MembershipFactory()
    response = client.post(
        f"/admin/mspprocess/tenant/{m.tenant.pk}/invite/", {"email": m.user.email}
    )
    assert response.status_code == 200
    assert m.tenant.name in response.content.decode()


# -- the list --------------------------------------------------------------------------


def make_tenants(n: int) -> None:
    for i in range(n):
        conn = ConnectionFactory(tenant=TenantFactory(account_manager=StaffFactory()))
        if i % 2:
            HaloConnection.objects.filter(pk=conn.pk).update(
                status="connected", permissions_ok=True, last_checked=timezone.now()
            )
        if i % 3 == 0:
            VerificationFactory(tenant=conn.tenant)


def list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/admin/mspprocess/tenant/").status_code == 200
    return len(ctx.captured_queries)


def test_it_lists_tenants_in_a_constant_number_of_queries(client, am) -> None:
    make_tenants(10)
    at_10 = list_queries(client)
    make_tenants(190)
    at_200 = list_queries(client)
    assert at_10 == at_200


def test_it_shows_progress_and_filters_by_stage(client, am) -> None:
    ConnectionFactory(tenant=TenantFactory(name="Half Way"))
    done = ConnectionFactory(tenant=TenantFactory(name="All Done"))
    HaloConnection.objects.filter(pk=done.pk).update(status="connected", permissions_ok=True)
    Tab.objects.filter(tenant_id=done.tenant_id).update(seen_at=timezone.now())
    VerificationFactory(tenant=done.tenant)
    TenantFactory(name="Not Started")

    body = client.get("/admin/mspprocess/tenant/?stage=6").content.decode()
    assert "All Done" in body and "Half Way" not in body
    body = client.get("/admin/mspprocess/tenant/?stage=1").content.decode()
    assert "Half Way" in body and "All Done" not in body
    body = client.get("/admin/mspprocess/tenant/?stage=0").content.decode()
    assert "Not Started" in body
    assert 'title="6 of 6 steps done"' in client.get("/admin/mspprocess/tenant/").content.decode()


def test_it_filters_mine_and_searches_the_halo_host(client, am) -> None:
    ConnectionFactory(tenant=TenantFactory(name="Mine Ltd", account_manager=am))
    ConnectionFactory(
        tenant=TenantFactory(name="Theirs Ltd"), base_url="https://theirs.halopsa.com"
    )
    body = client.get("/admin/mspprocess/tenant/?am=mine").content.decode()
    assert "Mine Ltd" in body and "Theirs Ltd" not in body
    body = client.get("/admin/mspprocess/tenant/?q=theirs.halopsa").content.decode()
    assert "Theirs Ltd" in body and "Mine Ltd" not in body


def test_it_shows_stages_and_stuck_tenants_on_the_home(client, am) -> None:
    old = TenantFactory(name="Stuck Corp", account_manager=am)
    Tenant.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=9))
    TenantFactory(name="Fresh Corp")
    body = client.get("/admin/").content.decode()
    assert "Tenants by onboarding stage" in body
    assert '0/6 · Waiting for credentials</a></td><td class="count">2</td>' in body
    stuck = body.split('id="stuck-tenants"')[1]
    assert "Stuck Corp" in stuck and "am1" in stuck
    assert "Fresh Corp" not in stuck


def test_it_audits_console_changes_without_secret_values(client, am) -> None:
    from mspprocess.core.audit import AuditEvent

    conn = ConnectionFactory(client_secret=SECRET)
    client.post(
        change_url(conn.tenant),
        inline_post(conn.tenant, conn, client_secret="rotated-secret-77"),
    )
    run_action(client, conn.tenant, "suspend")
    run_action(client, conn.tenant, "rotate_tab_key")
    events = {e.action: e for e in AuditEvent.objects.filter(tenant=conn.tenant)}
    changed = events[AuditEvent.Action.CONNECTION_CREDENTIALS_CHANGED]
    assert changed.fields == ["client_secret"] and changed.actor == am
    assert AuditEvent.Action.TENANT_STATUS_CHANGED in events
    assert AuditEvent.Action.CONNECTION_TAB_KEY_ROTATED in events
    dump = str(list(AuditEvent.objects.values()))
    assert "rotated-secret-77" not in dump and SECRET not in dump


def test_it_hides_secrets_from_view_only_staff(client) -> None:
    from django.contrib.auth.models import Permission

    viewer = StaffFactory()
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_tenant", "view_haloconnection"])
    )
    client.force_login(viewer)
    conn = ConnectionFactory(client_secret=SECRET)
    body = client.get(change_url(conn.tenant)).content.decode()
    assert conn.tenant.name in body
    assert SECRET not in body
    assert conn.tenant.tab.secret not in body and conn.tenant.tab.key not in body
    assert (
        client.post(f"/admin/mspprocess/tenant/{conn.tenant.pk}/do/rotate_tab_key/").status_code
        == 403
    )


def test_it_shows_the_tab_keys_to_account_managers(client, am) -> None:
    conn = ConnectionFactory(client_secret=SECRET)
    body = client.get(change_url(conn.tenant)).content.decode()
    assert conn.tenant.tab.secret in body and conn.tenant.tab.key in body
    assert SECRET not in body


def test_it_needs_the_connection_permission_to_rotate(client) -> None:
    from django.contrib.auth.models import Permission

    staff = StaffFactory()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_tenant", "change_tenant"])
    )
    client.force_login(staff)
    conn = ConnectionFactory()
    key = conn.tenant.tab.key
    assert (
        client.post(f"/admin/mspprocess/tenant/{conn.tenant.pk}/do/rotate_tab_key/").status_code
        == 403
    )
    conn.refresh_from_db()
    assert conn.tenant.tab.key == key
    # A status change is a tenant change: allowed.
    client.post(f"/admin/mspprocess/tenant/{conn.tenant.pk}/do/suspend/")
    conn.tenant.refresh_from_db()
    assert conn.tenant.status == Tenant.Status.SUSPENDED
