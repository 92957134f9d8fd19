from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from tests.factories import StaffFactory, TenantFactory

pytestmark = pytest.mark.django_db


def account_manager():
    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Account managers"))
    return user


def test_it_gives_account_managers_exactly_their_permissions() -> None:
    group = Group.objects.get(name="Account managers")
    assert sorted(group.permissions.values_list("content_type__app_label", "codename")) == [
        ("integrations", "add_haloconnection"),
        ("integrations", "change_haloconnection"),
        ("integrations", "view_haloconnection"),
        ("mspprocess", "add_membership"),
        ("mspprocess", "add_tenant"),
        ("mspprocess", "change_membership"),
        ("mspprocess", "change_tenant"),
        ("mspprocess", "view_auditevent"),
        ("mspprocess", "view_membership"),
        ("mspprocess", "view_tenant"),
        ("tickettab", "add_verificationsettings"),
        ("tickettab", "change_verificationsettings"),
        ("tickettab", "view_note"),
        ("tickettab", "view_verification"),
        ("tickettab", "view_verificationsettings"),
    ]
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert not {c for c in codenames if c.startswith("delete_")}
    assert not group.permissions.filter(content_type__app_label="auth").exists()


def test_it_lets_account_managers_change_tenants_in_the_admin(client) -> None:
    tenant = TenantFactory()
    client.force_login(account_manager())
    assert client.get("/admin/mspprocess/tenant/").status_code == 200
    assert client.get(f"/admin/mspprocess/tenant/{tenant.pk}/change/").status_code == 200
    assert client.get("/admin/mspprocess/tenant/add/").status_code == 200


def test_it_refuses_account_managers_deletes_and_permission_administration(client) -> None:
    tenant = TenantFactory()
    client.force_login(account_manager())
    assert client.get(f"/admin/mspprocess/tenant/{tenant.pk}/delete/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get("/admin/auth/user/").status_code == 403
