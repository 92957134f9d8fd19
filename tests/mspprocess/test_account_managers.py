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
        ("mspprocess", "add_membership"),
        ("mspprocess", "add_tenant"),
        ("mspprocess", "change_membership"),
        ("mspprocess", "change_tenant"),
        ("mspprocess", "view_membership"),
        ("mspprocess", "view_tenant"),
    ]


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
