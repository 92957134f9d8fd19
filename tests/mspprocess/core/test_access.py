from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from mspprocess.core.access import tenant_view
from mspprocess.core.models import Membership
from tests.factories import AdminMembershipFactory, MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


@tenant_view(role=Membership.Role.ADMIN)
def admin_only(request, tenant):
    return HttpResponse(f"admin page of {tenant.slug}")


@tenant_view()
def any_member(request, tenant):
    return HttpResponse(f"member page of {tenant.slug} as {request.membership.role}")


def call(view, user, slug):
    request = RequestFactory().get(f"/t/{slug}/x/")
    request.user = user
    return view(request, slug)


def test_it_lets_an_admin_in() -> None:
    m = AdminMembershipFactory()
    assert (
        call(admin_only, m.user, m.tenant.slug).content == f"admin page of {m.tenant.slug}".encode()
    )


def test_it_lets_any_member_into_a_member_page() -> None:
    m = MembershipFactory()
    response = call(any_member, m.user, m.tenant.slug)
    assert response.content == f"member page of {m.tenant.slug} as technician".encode()


def test_it_answers_403_to_a_member_without_the_role() -> None:
    m = MembershipFactory(role=Membership.Role.TECHNICIAN)
    with pytest.raises(PermissionDenied):
        call(admin_only, m.user, m.tenant.slug)


def test_it_answers_404_to_an_outsider() -> None:
    tenant = TenantFactory()
    AdminMembershipFactory()  # the outsider's own tenant
    outsider = UserFactory()
    with pytest.raises(Http404):
        call(any_member, outsider, tenant.slug)


def test_it_answers_the_same_404_for_a_tenant_that_does_not_exist() -> None:
    user = UserFactory()
    with pytest.raises(Http404) as missing:
        call(any_member, user, "no-such-tenant")
    tenant = TenantFactory()
    with pytest.raises(Http404) as hidden:
        call(any_member, user, tenant.slug)
    assert str(missing.value) == str(hidden.value)


def test_it_does_not_let_a_staff_user_in_without_membership() -> None:
    tenant = TenantFactory()
    staff = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(Http404):
        call(any_member, staff, tenant.slug)


def test_it_sends_anonymous_users_to_sign_in() -> None:
    tenant = TenantFactory()
    response = call(any_member, AnonymousUser(), tenant.slug)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
