from __future__ import annotations

import smtplib

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory

from integrations import services
from integrations.halo.check import ConnectionTestResult
from integrations.models import HaloConnection
from mspprocess.core import audit
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Membership, Tenant
from tests.factories import (
    AdminMembershipFactory,
    MembershipFactory,
    StaffFactory,
    TenantFactory,
    UserFactory,
)
from tickettab.models import Tab

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
SECRET = "s3cret-Value-that-must-never-be-stored"


def halo_answers(monkeypatch, ok: bool = True) -> None:
    # These tests are about the trail; the real connection test is tested elsewhere.
    result = ConnectionTestResult(ok=ok, error="" if ok else "Halo rejected the Client ID.")
    monkeypatch.setattr(services, "run_connection_test", lambda creds: result)


def trail_text() -> str:
    return repr(list(AuditEvent.objects.values()))


def actions(tenant: Tenant) -> list[str]:
    return list(
        AuditEvent.objects.filter(tenant=tenant).order_by("pk").values_list("action", flat=True)
    )


# -- the integration page -------------------------------------------------------------


def test_it_records_saved_credentials_by_field_name_only(
    signed_in_admin, client, monkeypatch
) -> None:
    m = signed_in_admin
    halo_answers(monkeypatch)
    client.post(
        f"/t/{m.tenant.slug}/integration/",
        {"resource_server": "acme.halopsa.com", "client_id": "id-1", "client_secret": SECRET},
        REMOTE_ADDR="203.0.113.7",
    )
    assert actions(m.tenant) == [Action.CONNECTION_CREDENTIALS_CHANGED, Action.CONNECTION_TESTED]
    saved = AuditEvent.objects.get(action=Action.CONNECTION_CREDENTIALS_CHANGED)
    assert saved.fields == ["base_url", "client_id", "client_secret"]
    assert saved.actor == m.user
    assert saved.actor_name == "Alex Lee"
    assert saved.ip_address == "203.0.113.7"
    assert saved.summary == "Resource Server, Client ID and Client Secret changed"
    assert HaloConnection.objects.get(tenant=m.tenant).client_secret == SECRET
    assert SECRET not in trail_text()


def test_it_records_only_the_secret_when_only_the_secret_changes(rf) -> None:
    m = AdminMembershipFactory()
    conn = services.connection_for(m.tenant)
    data = {"resource_server": "https://acme.halopsa.com", "client_id": "id-1"}
    services.save_credentials(conn, data | {"client_secret": "first-secret"}, by=m.user)
    request = rf.post("/", REMOTE_ADDR="198.51.100.4")
    services.save_credentials(conn, data | {"client_secret": SECRET}, by=m.user, request=request)
    services.save_credentials(conn, data | {"client_secret": ""}, by=m.user)  # kept: no change
    events = list(AuditEvent.objects.filter(tenant=m.tenant).order_by("pk"))
    assert [e.fields for e in events] == [
        ["base_url", "client_id", "client_secret"],
        ["client_secret"],
    ]
    assert events[1].summary == "Client Secret changed"
    assert events[1].ip_address == "198.51.100.4"
    assert SECRET not in trail_text()
    assert "first-secret" not in trail_text()


def test_it_records_a_connection_test_and_its_outcome(signed_in_admin, client, monkeypatch) -> None:
    m = signed_in_admin
    conn = services.connection_for(m.tenant)
    services.save_credentials(
        conn,
        {"resource_server": "https://acme.halopsa.com", "client_id": "id", "client_secret": "x"},
        by=None,
    )
    halo_answers(monkeypatch, ok=False)
    client.post(f"/t/{m.tenant.slug}/integration/test/")
    halo_answers(monkeypatch, ok=True)
    client.post(f"/t/{m.tenant.slug}/integration/test/")
    tests = AuditEvent.objects.filter(action=Action.CONNECTION_TESTED).order_by("pk")
    assert [(e.detail, e.actor) for e in tests] == [("failing", m.user), ("connected", m.user)]
    assert tests[0].summary == "Failing"


def test_it_records_tab_rotations_without_the_new_keys(signed_in_admin, client) -> None:
    m = signed_in_admin
    client.post(f"/t/{m.tenant.slug}/integration/rotate/tab-key/")
    client.post(f"/t/{m.tenant.slug}/integration/rotate/tab-secret/")
    assert actions(m.tenant) == [
        Action.CONNECTION_TAB_KEY_ROTATED,
        Action.CONNECTION_TAB_SECRET_ROTATED,
    ]
    tab = Tab.objects.get(tenant=m.tenant)
    assert tab.key not in trail_text()
    assert tab.secret not in trail_text()
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {m.user.pk}


def test_it_records_an_account_managers_change_under_their_name(client, monkeypatch) -> None:
    manager = StaffFactory(username="am", first_name="", last_name="", email="am@example.com")
    manager.groups.add(Group.objects.get(name="Account managers"))
    tenant = TenantFactory()
    client.force_login(manager)
    client.post(f"/t/{tenant.slug}/integration/rotate/tab-key/")
    event = AuditEvent.objects.get(tenant=tenant)
    # Without a name, the email a customer can place, never the bare username.
    assert (event.actor, event.actor_name) == (manager, "am@example.com")


# -- the settings page and the team page -----------------------------------------------


def test_it_records_the_names_of_changed_settings(signed_in_admin, client) -> None:
    m = signed_in_admin
    data = {
        "email_enabled": "on",
        "link_enabled": "on",
        "code_lifetime_minutes": 7,
        "shield_window_minutes": 60,
        "note_outcome": "MSP Process",
        "override_min_reason": 15,
        "contact_hourly_cap": 5,
        "tenant_hourly_cap": 200,
        "country": "GB",
    }  # sms_enabled left out: unticked
    client.post(f"/t/{m.tenant.slug}/settings/", data)
    client.post(f"/t/{m.tenant.slug}/settings/", data)  # nothing changed: no event
    event = AuditEvent.objects.get(tenant=m.tenant)
    assert event.action == Action.SETTINGS_CHANGED
    assert event.fields == ["sms_enabled", "code_lifetime_minutes"]
    assert event.summary == "Code by SMS and Code lifetime (minutes) changed"


def test_it_records_an_invitation(signed_in_admin, client, mailoutbox) -> None:
    m = signed_in_admin
    client.post(
        f"/t/{m.tenant.slug}/members/invite/",
        {"email": "new@example.com", "role": Membership.Role.TECHNICIAN},
        REMOTE_ADDR="2001:db8::1",
    )
    added, sent = AuditEvent.objects.filter(tenant=m.tenant).order_by("pk")
    assert (added.action, added.detail) == (
        Action.MEMBERSHIP_ADDED,
        "new@example.com as Technician",
    )
    assert (sent.action, sent.detail) == (Action.INVITATION_SENT, "new@example.com")
    assert {added.actor, sent.actor} == {m.user}
    assert added.ip_address == sent.ip_address == "2001:db8::1"


def test_it_records_no_invitation_the_mail_service_refused(
    signed_in_admin, client, monkeypatch
) -> None:
    m = signed_in_admin

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    client.post(
        f"/t/{m.tenant.slug}/members/invite/",
        {"email": "new@example.com", "role": Membership.Role.ADMIN},
    )
    assert actions(m.tenant) == [Action.MEMBERSHIP_ADDED]


def test_it_records_a_role_change_and_a_removal(signed_in_admin, client) -> None:
    m = signed_in_admin
    tech = MembershipFactory(tenant=m.tenant, user__first_name="Sam", user__last_name="Roe")
    client.post(f"/t/{m.tenant.slug}/members/{tech.pk}/role/", {"role": Membership.Role.ADMIN})
    client.post(f"/t/{m.tenant.slug}/members/{tech.pk}/remove/")
    changed, removed = AuditEvent.objects.filter(tenant=m.tenant).order_by("pk")
    assert changed.action == Action.MEMBERSHIP_ROLE_CHANGED
    assert changed.summary == "Role changed · Sam Roe: Technician → Admin"
    assert (removed.action, removed.detail) == (Action.MEMBERSHIP_REMOVED, "Sam Roe (Admin)")
    assert not Membership.objects.filter(pk=tech.pk).exists()


def test_it_records_nothing_when_the_last_admin_is_refused(signed_in_admin, client) -> None:
    m = signed_in_admin
    client.post(f"/t/{m.tenant.slug}/members/{m.pk}/remove/")
    assert Membership.objects.filter(pk=m.pk).exists()
    assert not AuditEvent.objects.exists()


# -- record() and the model ------------------------------------------------------------


def test_it_takes_field_names_never_values() -> None:
    tenant = TenantFactory()
    with pytest.raises(TypeError):
        audit.record(tenant, None, Action.SETTINGS_CHANGED, fields="client_secret")
    with pytest.raises(ValueError, match="never values") as error:
        audit.record(tenant, None, Action.SETTINGS_CHANGED, fields=[SECRET])
    assert SECRET not in str(error.value)
    with pytest.raises(ValueError):
        audit.record(tenant, None, "connection.stolen")
    assert not AuditEvent.objects.exists()


def test_it_keeps_the_actors_name_when_the_account_is_deleted() -> None:
    tenant = TenantFactory()
    user = UserFactory(username="gone", email="gone@example.com")
    event = audit.record(tenant, user, Action.TENANT_CHANGED, fields=["name", "name"])
    user.delete()
    event.refresh_from_db()
    assert (event.actor, event.actor_name, event.fields) == (None, "gone@example.com", ["name"])


def test_it_ignores_an_address_that_is_not_an_ip() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="unix:/run/gunicorn.sock")
    event = audit.record(TenantFactory(), None, Action.TENANT_CREATED, request=request)
    assert event.ip_address is None
    assert event.actor_name == ""


def test_it_deletes_a_tenants_trail_with_the_tenant() -> None:
    tenant, other = TenantFactory(), TenantFactory()
    audit.record(tenant, None, Action.TENANT_CREATED)
    audit.record(other, None, Action.TENANT_CREATED)
    audit.record(None, None, Action.TENANT_DELETED, detail=f"{tenant.name} ({tenant.slug})")
    tenant.delete()
    assert sorted(AuditEvent.objects.values_list("action", "tenant")) == [
        (Action.TENANT_CREATED, other.pk),
        (Action.TENANT_DELETED, None),
    ]


def test_it_shortens_a_long_detail() -> None:
    event = audit.record(TenantFactory(), None, Action.TENANT_CHANGED, detail="x" * 500)
    assert len(event.detail) == 200
    assert event.detail.endswith("…")


def test_it_lists_changed_field_names() -> None:
    before = {"name": "Acme", "status": "onboarding", "slug": "acme"}
    after = {"name": "Acme Ltd", "status": "onboarding", "slug": "acme", "account_manager": 3}
    assert audit.changed_fields(before, after) == ["name", "account_manager"]

    class BoundForm:
        changed_data = ["status"]

    assert audit.changed_fields(BoundForm()) == ["status"]


# -- the admin ---------------------------------------------------------------------------


def admin_client(client, **kwargs):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, **kwargs))
    return client


def listed(client, query: str = "") -> list[str]:
    response = client.get(f"/admin/mspprocess/auditevent/{query}")
    assert response.status_code == 200
    return [e.detail or e.tenant.name for e in response.context["cl"].result_list]


def test_it_lists_events_in_the_admin_and_filters_them(client) -> None:
    acme, other = TenantFactory(name="Acme"), TenantFactory(name="Globex")
    priya = UserFactory(username="priya")
    audit.record(acme, priya, Action.CONNECTION_TESTED, detail="failing")
    audit.record(other, None, Action.CONNECTION_CREDENTIALS_CHANGED, fields=["client_secret"])
    admin_client(client)
    body = client.get("/admin/mspprocess/auditevent/").content.decode()
    assert "Client Secret" in body
    assert "priya" in body
    assert listed(client) == ["Globex", "failing"]
    assert listed(client, f"?tenant__id__exact={acme.pk}") == ["failing"]
    assert listed(client, f"?actor__id__exact={priya.pk}") == ["failing"]
    assert listed(client, "?action=connection.credentials_changed") == ["Globex"]
    assert listed(client, "?q=glob") == ["Globex"]
    assert listed(client, "?q=priya") == ["failing"]


def test_it_lets_nobody_add_change_or_delete_events_in_the_admin(client) -> None:
    event = audit.record(TenantFactory(), None, Action.TENANT_CREATED)
    admin_client(client)
    base = "/admin/mspprocess/auditevent"
    assert client.get(f"{base}/add/").status_code == 403
    assert client.get(f"{base}/{event.pk}/delete/").status_code == 403
    assert client.post(f"{base}/{event.pk}/change/", {"detail": "edited"}).status_code == 403
    page = client.get(f"{base}/{event.pk}/change/")
    assert page.status_code == 200  # read-only view
    assert b'name="detail"' not in page.content
    listing = client.get(f"{base}/").content.decode()
    assert "delete_selected" not in listing
    event.refresh_from_db()
    assert event.detail == ""


def test_it_lets_account_managers_read_the_trail_and_nobody_else_on_staff(client) -> None:
    audit.record(TenantFactory(), None, Action.TENANT_CREATED)
    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name="Account managers"))
    client.force_login(manager)
    assert client.get("/admin/mspprocess/auditevent/").status_code == 200
    client.force_login(StaffFactory())
    assert client.get("/admin/mspprocess/auditevent/").status_code == 403


@pytest.mark.django_db
def test_it_never_recases_an_email_or_a_name_in_the_details() -> None:
    tenant = TenantFactory()
    event = audit.record(tenant, None, Action.INVITATION_SENT, detail="acme-admin@example.com")
    assert event.summary == "acme-admin@example.com"
    event = audit.record(tenant, None, Action.CONNECTION_TESTED, detail="busy")
    assert event.summary == "Halo busy: not tested"
