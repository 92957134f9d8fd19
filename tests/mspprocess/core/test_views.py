from __future__ import annotations

import pytest

from mspprocess.core.models import Membership
from tests.factories import (
    PASSWORD,
    AdminMembershipFactory,
    MembershipFactory,
    TenantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_it_lands_a_single_member_on_their_tenant_home(client) -> None:
    m = MembershipFactory()
    response = client.post(
        "/accounts/login/", {"username": m.user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/t/{m.tenant.slug}/"
    assert m.tenant.name in response.content.decode()


def test_it_lets_a_user_with_several_memberships_pick_one(client) -> None:
    user = UserFactory()
    first = MembershipFactory(user=user, tenant=TenantFactory(name="Alpha MSP"))
    second = AdminMembershipFactory(user=user, tenant=TenantFactory(name="Beta MSP"))
    client.force_login(user)
    body = client.get("/").content.decode()
    assert "Choose a workspace" in body
    assert f'href="/t/{first.tenant.slug}/"' in body
    assert f'href="/t/{second.tenant.slug}/"' in body


def test_it_explains_when_a_user_has_no_workspace(client) -> None:
    client.force_login(UserFactory())
    body = client.get("/").content.decode()
    assert "not part of any MSP" in body


def test_it_says_a_login_failed_without_saying_which_half(client) -> None:
    m = MembershipFactory()
    wrong_password = client.post(
        "/accounts/login/", {"username": m.user.username, "password": "nope"}
    ).content.decode()
    wrong_user = client.post(
        "/accounts/login/", {"username": "nobody-here", "password": PASSWORD}
    ).content.decode()
    assert "Please enter a correct username and password" in wrong_password
    assert "Please enter a correct username and password" in wrong_user


def test_it_shows_the_tenant_home_to_members(client) -> None:
    m = MembershipFactory(tenant=TenantFactory(name="Acme <b>IT</b>"))
    client.force_login(m.user)
    response = client.get(f"/t/{m.tenant.slug}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme &lt;b&gt;IT&lt;/b&gt;" in body
    assert "Technician" in body


def test_it_hides_the_tenant_home_from_outsiders(client) -> None:
    tenant = TenantFactory()
    outsider = AdminMembershipFactory().user
    client.force_login(outsider)
    assert client.get(f"/t/{tenant.slug}/").status_code == 404
    assert client.get("/t/does-not-exist/").status_code == 404


def test_it_redirects_anonymous_visitors_to_sign_in(client) -> None:
    tenant = TenantFactory()
    response = client.get(f"/t/{tenant.slug}/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/t/{tenant.slug}/"


def test_it_shows_a_suspended_tenant_as_paused(client) -> None:
    m = MembershipFactory(tenant=TenantFactory(status="suspended"))
    client.force_login(m.user)
    assert "This workspace is paused" in client.get(f"/t/{m.tenant.slug}/").content.decode()


def test_it_sends_a_set_password_link_that_works(client, mailoutbox) -> None:
    m = MembershipFactory(role=Membership.Role.ADMIN)
    client.post("/accounts/password_reset/", {"email": m.user.email})
    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1].strip()
    form = client.get(path, follow=True)
    assert "Set your password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
        follow=True,
    )
    assert "Your password is set" in done.content.decode()
    m.user.refresh_from_db()
    assert m.user.check_password("a brand new passphrase")


def test_it_signs_out_with_a_post(client) -> None:
    m = MembershipFactory()
    client.force_login(m.user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get(f"/t/{m.tenant.slug}/").status_code == 302


def test_it_denies_framing_of_first_party_pages(client) -> None:
    assert client.get("/accounts/login/")["X-Frame-Options"] == "DENY"
