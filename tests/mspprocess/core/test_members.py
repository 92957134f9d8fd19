from __future__ import annotations

import smtplib

import pytest
from django.contrib.auth.models import User

from mspprocess.core.models import Membership
from tests.factories import (
    AdminMembershipFactory,
    MembershipFactory,
    TenantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADMIN = Membership.Role.ADMIN
TECH = Membership.Role.TECHNICIAN


def signed_in(client, role: str = ADMIN, **kwargs) -> Membership:
    m = MembershipFactory(role=role, **kwargs)
    client.force_login(m.user)
    return m


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_it_lists_the_members_of_the_workspace_only(client) -> None:
    me = signed_in(client, user__first_name="Alex", user__last_name="Lee")
    tech = MembershipFactory(tenant=me.tenant, user__email="tech@example.com")
    stranger = MembershipFactory(user__username="stranger")
    response = client.get(f"/t/{me.tenant.slug}/members/")
    body = response.content.decode()
    assert response.status_code == 200
    # The name first when there is one, the username beside it.
    assert '<strong>Alex Lee</strong> <span class="muted">(you)</span>' in body
    assert f"· {me.user.username}" in body
    assert tech.user.username in body
    assert "tech@example.com" in body
    assert 'value="technician" selected' in body
    assert stranger.user.username not in body
    assert response.context["active"] == "members"


def test_it_invites_a_new_person_and_emails_them(client, mailoutbox) -> None:
    me = signed_in(client)
    response = client.post(
        f"/t/{me.tenant.slug}/members/invite/",
        {"email": "New.Person@Example.com", "role": TECH},
        follow=True,
    )
    assert "Invitation sent to new.person@example.com. They join as a technician." in (
        messages_of(response)
    )
    user = User.objects.get(email="new.person@example.com")
    assert Membership.objects.get(tenant=me.tenant, user=user).role == TECH
    assert not user.has_usable_password()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.person@example.com"]
    assert me.tenant.name in mailoutbox[0].body
    assert "/accounts/reset/" in mailoutbox[0].body


def test_it_invites_an_existing_account_as_admin(client, mailoutbox) -> None:
    me = signed_in(client)
    existing = UserFactory(email="sam@example.com")
    client.post(f"/t/{me.tenant.slug}/members/invite/", {"email": "sam@example.com", "role": ADMIN})
    assert Membership.objects.get(tenant=me.tenant, user=existing).role == ADMIN
    assert User.objects.filter(email="sam@example.com").count() == 1
    assert "You already have an MSP Process account" in mailoutbox[0].body


def test_it_refuses_someone_already_in_the_workspace(client, mailoutbox) -> None:
    me = signed_in(client)
    MembershipFactory(tenant=me.tenant, user__email="tech@example.com")
    response = client.post(
        f"/t/{me.tenant.slug}/members/invite/", {"email": "TECH@example.com", "role": ADMIN}
    )
    assert response.status_code == 200
    assert "tech@example.com is already a member of" in response.content.decode()
    assert mailoutbox == []
    assert Membership.objects.filter(tenant=me.tenant, role=ADMIN).count() == 1


def test_it_explains_an_invalid_address(client, mailoutbox) -> None:
    me = signed_in(client)
    response = client.post(
        f"/t/{me.tenant.slug}/members/invite/", {"email": "jane at example", "role": TECH}
    )
    assert "Enter a valid email address, like jane@example.com." in response.content.decode()
    assert Membership.objects.filter(tenant=me.tenant).count() == 1
    assert mailoutbox == []


def test_it_keeps_the_member_when_the_email_fails(client, monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("mspprocess.core.views.send_invitation", fail)
    me = signed_in(client)
    response = client.post(
        f"/t/{me.tenant.slug}/members/invite/",
        {"email": "new@example.com", "role": TECH},
        follow=True,
    )
    assert any("did not accept the invitation" in m for m in messages_of(response))
    assert Membership.objects.filter(tenant=me.tenant, user__email="new@example.com").exists()
    assert "Resend invitation" in response.content.decode()


def test_it_resends_an_invitation(client, mailoutbox) -> None:
    me = signed_in(client)
    invited = MembershipFactory(tenant=me.tenant, user__email="late@example.com")
    response = client.post(f"/t/{me.tenant.slug}/members/{invited.pk}/resend/", follow=True)
    assert "Invitation sent to late@example.com. They join as a technician." in (
        messages_of(response)
    )
    assert mailoutbox[0].to == ["late@example.com"]


def test_it_changes_a_role(client) -> None:
    me = signed_in(client)
    tech = MembershipFactory(tenant=me.tenant, user__first_name="Tess")
    response = client.post(
        f"/t/{me.tenant.slug}/members/{tech.pk}/role/", {"role": ADMIN}, follow=True
    )
    assert "Tess is now an admin." in messages_of(response)
    tech.refresh_from_db()
    assert tech.role == ADMIN
    client.post(f"/t/{me.tenant.slug}/members/{tech.pk}/role/", {"role": TECH})
    tech.refresh_from_db()
    assert tech.role == TECH


def test_it_refuses_an_unknown_role(client) -> None:
    me = signed_in(client)
    tech = MembershipFactory(tenant=me.tenant)
    response = client.post(
        f"/t/{me.tenant.slug}/members/{tech.pk}/role/", {"role": "owner"}, follow=True
    )
    assert "Choose Admin or Technician." in messages_of(response)
    tech.refresh_from_db()
    assert tech.role == TECH


def test_it_keeps_the_last_admin_an_admin(client) -> None:
    me = signed_in(client)
    MembershipFactory(tenant=me.tenant)
    response = client.post(
        f"/t/{me.tenant.slug}/members/{me.pk}/role/", {"role": TECH}, follow=True
    )
    [message] = messages_of(response)
    assert message.startswith(f"You are the only admin of {me.tenant.name}")
    assert "Make another member an admin first" in message
    me.refresh_from_db()
    assert me.role == ADMIN


def test_it_lets_an_admin_step_down_when_another_admin_remains(client) -> None:
    me = signed_in(client)
    AdminMembershipFactory(tenant=me.tenant)
    response = client.post(f"/t/{me.tenant.slug}/members/{me.pk}/role/", {"role": TECH})
    assert response.status_code == 302
    assert response.url == f"/t/{me.tenant.slug}/"
    me.refresh_from_db()
    assert me.role == TECH


def test_it_asks_before_removing(client) -> None:
    me = signed_in(client)
    tech = MembershipFactory(
        tenant=me.tenant, user__username="tess", user__first_name="Tess", user__last_name="Ng"
    )
    response = client.get(f"/t/{me.tenant.slug}/members/{tech.pk}/remove/")
    body = response.content.decode()
    assert "Remove Tess Ng?" in body
    assert "Yes, remove them" in body
    assert Membership.objects.filter(pk=tech.pk).exists()


def test_it_removes_a_member_but_keeps_the_account(client) -> None:
    me = signed_in(client)
    tech = MembershipFactory(tenant=me.tenant, user__first_name="Tess")
    response = client.post(f"/t/{me.tenant.slug}/members/{tech.pk}/remove/", follow=True)
    assert f"Tess no longer has access to {me.tenant.name}." in messages_of(response)
    assert not Membership.objects.filter(pk=tech.pk).exists()
    assert User.objects.filter(pk=tech.user.pk).exists()


def test_it_refuses_to_remove_the_last_admin(client) -> None:
    me = signed_in(client)
    response = client.get(f"/t/{me.tenant.slug}/members/{me.pk}/remove/")
    body = response.content.decode()
    assert "You are the only admin of" in body
    assert "Yes, leave" not in body

    response = client.post(f"/t/{me.tenant.slug}/members/{me.pk}/remove/", follow=True)
    [message] = messages_of(response)
    assert message.startswith(f"You are the only admin of {me.tenant.name}")
    assert Membership.objects.filter(pk=me.pk).exists()


def test_it_lets_an_admin_leave_when_another_admin_remains(client) -> None:
    me = signed_in(client)
    AdminMembershipFactory(tenant=me.tenant)
    response = client.post(f"/t/{me.tenant.slug}/members/{me.pk}/remove/")
    assert response.status_code == 302
    assert response.url == "/"
    assert not Membership.objects.filter(pk=me.pk).exists()


def test_it_answers_404_for_a_member_of_another_workspace(client) -> None:
    me = signed_in(client)
    elsewhere = MembershipFactory()
    base = f"/t/{me.tenant.slug}/members/{elsewhere.pk}"
    assert client.post(f"{base}/role/", {"role": ADMIN}).status_code == 404
    assert client.get(f"{base}/remove/").status_code == 404
    assert client.post(f"{base}/remove/").status_code == 404
    assert client.post(f"{base}/resend/").status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.role == TECH


@pytest.mark.parametrize("path", ["invite/", "{pk}/role/", "{pk}/resend/"])
def test_it_answers_405_to_get_on_actions(client, path: str) -> None:
    me = signed_in(client)
    assert client.get(f"/t/{me.tenant.slug}/members/{path.format(pk=me.pk)}").status_code == 405


ROUTES = [
    ("get", ""),
    ("post", "invite/"),
    ("post", "{pk}/role/"),
    ("get", "{pk}/remove/"),
    ("post", "{pk}/remove/"),
    ("post", "{pk}/resend/"),
]


def url(m: Membership, path: str) -> str:
    return f"/t/{m.tenant.slug}/members/{path.format(pk=m.pk)}"


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_it_answers_404_to_an_outsider(client, method: str, path: str) -> None:
    target = AdminMembershipFactory()
    signed_in(client)  # an admin of another workspace
    data = {"email": "x@example.com", "role": ADMIN}
    assert getattr(client, method)(url(target, path), data).status_code == 404
    assert Membership.objects.filter(pk=target.pk).exists()
    assert not User.objects.filter(email="x@example.com").exists()


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_it_answers_403_to_a_technician(client, method: str, path: str) -> None:
    tech = signed_in(client, role=TECH)
    target = AdminMembershipFactory(tenant=tech.tenant)
    data = {"email": "x@example.com", "role": TECH}
    assert getattr(client, method)(url(target, path), data).status_code == 403
    target.refresh_from_db()
    assert target.role == ADMIN
    assert not User.objects.filter(email="x@example.com").exists()


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_it_sends_anonymous_visitors_to_sign_in(client, method: str, path: str) -> None:
    target = AdminMembershipFactory(tenant=TenantFactory())
    response = getattr(client, method)(url(target, path), {"role": TECH})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert Membership.objects.filter(pk=target.pk, role=ADMIN).exists()


def test_it_names_a_person_without_a_name_by_their_email_not_their_username(client) -> None:
    me = signed_in(client)
    tech = MembershipFactory(
        tenant=me.tenant, user__username="t0", user__email="tess@acme.example", user__first_name=""
    )
    body = client.get(f"/t/{me.tenant.slug}/members/{tech.pk}/remove/").content.decode()
    assert "Remove tess@acme.example?" in body
    assert "Remove t0?" not in body
