from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.http import HttpRequest

from mspprocess.core.models import Membership
from mspprocess.core.services import InvitationError, invite, send_invitation, set_password_url
from tests.factories import (
    AdminMembershipFactory,
    MembershipFactory,
    StaffFactory,
    TenantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def path_of(url: str, settings) -> str:
    assert url.startswith(settings.PUBLIC_BASE_URL + "/")
    return url.removeprefix(settings.PUBLIC_BASE_URL)


def link_in(body: str, settings) -> str:
    return next(
        word for word in body.split() if word.startswith(settings.PUBLIC_BASE_URL + "/accounts/")
    )


def test_it_creates_an_account_without_a_password_for_a_new_address() -> None:
    tenant = TenantFactory()
    inviter = AdminMembershipFactory(tenant=tenant).user
    membership = invite(tenant, "  Jane.Doe@Example.COM ", Membership.Role.TECHNICIAN, inviter)
    user = membership.user
    assert user.email == "jane.doe@example.com"
    assert user.username == "jane.doe@example.com"
    assert not user.has_usable_password()
    assert user.is_active
    assert membership.tenant == tenant
    assert membership.role == Membership.Role.TECHNICIAN


def test_it_adds_an_existing_account_whatever_the_case_of_the_address() -> None:
    tenant = TenantFactory()
    existing = UserFactory(email="sam@example.com")
    MembershipFactory(user=existing)  # a member of another workspace
    membership = invite(tenant, "SAM@example.com", Membership.Role.ADMIN, None)
    assert membership.user == existing
    assert membership.role == Membership.Role.ADMIN
    assert User.objects.filter(email__iexact="sam@example.com").count() == 1
    assert existing.memberships.count() == 2


def test_it_refuses_an_address_already_in_the_workspace() -> None:
    m = MembershipFactory(user__email="tech@example.com")
    with pytest.raises(InvitationError) as e:
        invite(m.tenant, "Tech@Example.com", Membership.Role.ADMIN, None)
    assert e.value.code == "duplicate"
    assert f"already a member of {m.tenant.name}" in e.value.message
    m.refresh_from_db()
    assert m.role == Membership.Role.TECHNICIAN


@pytest.mark.parametrize(
    ("email", "role", "code"),
    [
        ("not an address", Membership.Role.TECHNICIAN, "invalid_email"),
        ("", Membership.Role.TECHNICIAN, "invalid_email"),
        ("ok@example.com", "owner", "invalid_role"),
    ],
)
def test_it_refuses_bad_input(email: str, role: str, code: str) -> None:
    tenant = TenantFactory()
    with pytest.raises(InvitationError) as e:
        invite(tenant, email, role, None)
    assert e.value.code == code
    assert not Membership.objects.filter(tenant=tenant).exists()


def test_it_refuses_a_switched_off_account() -> None:
    UserFactory(email="gone@example.com", is_active=False)
    tenant = TenantFactory()
    with pytest.raises(InvitationError) as e:
        invite(tenant, "gone@example.com", Membership.Role.TECHNICIAN, None)
    assert "switched off" in e.value.message
    assert not Membership.objects.filter(tenant=tenant).exists()


def test_it_picks_a_free_username_when_the_address_is_taken_as_one() -> None:
    UserFactory(username="jane@example.com", email="other@example.com")
    membership = invite(TenantFactory(), "jane@example.com", Membership.Role.TECHNICIAN, None)
    assert membership.user.username == "jane@example.com-2"
    assert membership.user.email == "jane@example.com"


def test_it_emails_a_set_password_link_that_works_once(client, mailoutbox, settings) -> None:
    tenant = TenantFactory(name="Acme IT")
    inviter = AdminMembershipFactory(tenant=tenant, user__first_name="Alex", user__last_name="Lee")
    membership = invite(tenant, "new@example.com", Membership.Role.TECHNICIAN, inviter.user)
    send_invitation(membership, inviter.user)

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["new@example.com"]
    assert mail.subject == "Acme IT invited you to MSP Process"
    assert "Alex Lee invited you to join Acme IT" in mail.body
    assert "a technician" in mail.body
    assert "expires in 3 days" in mail.body
    assert "Your username: new@example.com" in mail.body
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html"
    assert "<strong>Acme IT</strong>" in html
    assert "expires in 3 days" in html

    link = link_in(mail.body, settings)
    assert link in html
    response = client.get(path_of(link, settings), follow=True)
    assert b"Set your password" in response.content
    form_path = response.redirect_chain[-1][0]
    response = client.post(
        form_path,
        {"new_password1": "a long new passphrase 42", "new_password2": "a long new passphrase 42"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.check_password("a long new passphrase 42")
    assert client.login(
        request=HttpRequest(), username="new@example.com", password="a long new passphrase 42"
    )

    # The password is part of the token: the link is spent.
    client.logout()
    response = client.get(path_of(link, settings), follow=True)
    assert b"This link no longer works" in response.content


def test_it_sends_people_with_a_password_to_sign_in(mailoutbox, settings) -> None:
    tenant = TenantFactory(name="Acme IT")
    existing = UserFactory(email="sam@example.com")
    membership = invite(tenant, "sam@example.com", Membership.Role.ADMIN, StaffFactory())
    send_invitation(membership, None)
    body = mailoutbox[0].body
    assert "You already have an MSP Process account" in body
    assert "an admin" in body
    assert f"{settings.PUBLIC_BASE_URL}/t/{tenant.slug}/" in body
    assert "/accounts/reset/" not in body
    existing.refresh_from_db()
    assert existing.has_usable_password()


def test_it_builds_absolute_links_from_the_public_address(settings) -> None:
    settings.PUBLIC_BASE_URL = "https://msp.example.net"
    url = set_password_url(UserFactory())
    assert url.startswith("https://msp.example.net/accounts/reset/")
