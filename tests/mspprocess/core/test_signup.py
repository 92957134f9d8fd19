"""Self-serve sign-up: the form, the emailed link, the workspace it creates."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.core import mail, signing
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from mspprocess.core import signup as signups
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Membership, Tenant
from tests.factories import StaffFactory, TenantFactory, UserFactory
from tests.hostile import ANY_INPUT, HOSTILE

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-passphrase-9"
FORM = {"name": "Hank Scorpio", "email": "Hank@Globex.example.com", "msp_name": "Globex IT"}


def sign_up(client, data: dict | None = None, **extra):
    return client.post("/signup/", data or FORM, **extra)


def link_in(message) -> str:
    return re.search(r"https?://\S+/signup/confirm/\S+/", message.body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_it_creates_the_workspace_only_from_the_emailed_link(client) -> None:
    response = sign_up(client)
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert Tenant.objects.count() == 0  # nothing stored before the mailbox answers
    [message] = mail.outbox
    assert message.to == ["hank@globex.example.com"]
    link = link_in(message)

    page = client.get(path_of(link))
    assert "Create Globex IT&#x27;s workspace" in page.content.decode()
    assert 'autocomplete="new-password"' in page.content.decode()
    assert Tenant.objects.count() == 0  # a GET (a mail scanner) creates nothing

    response = client.post(path_of(link), {"password": PASSWORD})
    assert response.status_code == 302
    tenant = Tenant.objects.get()
    assert response["Location"] == f"/t/{tenant.slug}/setup/"  # signed in, at the guide
    assert (tenant.name, tenant.slug, tenant.status) == ("Globex IT", "globex-it", "onboarding")
    assert tenant.self_signed_up and tenant.account_manager is None
    m = Membership.objects.get(tenant=tenant)
    assert m.role == Membership.Role.ADMIN
    assert (m.user.username, m.user.first_name, m.user.last_name) == (
        "hank@globex.example.com",
        "Hank",
        "Scorpio",
    )
    assert m.user.check_password(PASSWORD)
    actions = list(AuditEvent.objects.filter(tenant=tenant).values_list("action", flat=True))
    assert AuditEvent.Action.TENANT_CREATED in actions
    assert AuditEvent.Action.MEMBERSHIP_ADDED in actions
    assert client.get(response["Location"]).status_code == 200

    # The password works for the next sign-in too.
    client.logout()
    signed_in = client.post(
        "/accounts/login/", {"username": "hank@globex.example.com", "password": PASSWORD}
    )
    assert signed_in.status_code == 302


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("", "Choose a password for your account."),
        ("short", "too short"),
        ("hank@globex.example.com", "too similar"),
        ("password1234", "too common"),
        ("pass\x00word-long-enough", "Null characters are not allowed."),
        ("pass\u200bword-long-enough", "invisible control characters"),
    ],
)
def test_it_asks_a_better_password_and_creates_nothing(client, password, says) -> None:
    sign_up(client)
    response = client.post(path_of(link_in(mail.outbox[0])), {"password": password})
    assert response.status_code == 400
    assert says in response.content.decode()
    assert Tenant.objects.count() == 0
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_link_used_twice(client) -> None:
    sign_up(client)
    path = path_of(link_in(mail.outbox[0]))
    client.post(path, {"password": PASSWORD})
    again = client.post(path, {"password": PASSWORD})
    assert again.status_code == 400
    assert "used already" in again.content.decode()
    assert Tenant.objects.count() == 1


def test_it_refuses_an_expired_or_forged_link(client, monkeypatch) -> None:
    monkeypatch.setattr(signing.time, "time", lambda: 1_700_000_000)
    sign_up(client)
    path = path_of(link_in(mail.outbox[0]))
    monkeypatch.setattr(signing.time, "time", lambda: 1_700_000_000 + 25 * 3600)
    expired = client.post(path, {"password": PASSWORD})
    assert expired.status_code == 400
    assert "expired" in expired.content.decode()
    forged = client.get(path.replace("/confirm/", "/confirm/x"))
    assert forged.status_code == 400
    assert "not valid" in forged.content.decode()
    assert client.get("/signup/confirm/" + "a" * 5000 + "/").status_code == 400
    assert Tenant.objects.count() == 0


def test_it_never_says_whether_an_address_has_an_account(client) -> None:
    UserFactory(email="hank@globex.example.com")
    known = sign_up(client)
    unknown = sign_up(client, FORM | {"email": "someone.new@globex.example.com"})
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r"<strong>[^<]*</strong>|csrfmiddlewaretoken\" value=\"[^\"]*\"")
    assert strip.sub("", known.content.decode()) == strip.sub("", unknown.content.decode())
    existing, new = mail.outbox
    assert "already have an MSP Process account" in existing.body
    assert "/signup/confirm/" not in existing.body  # no second account for them
    assert "/signup/confirm/" in new.body


def test_it_sends_nothing_for_a_robot_that_fills_the_honeypot(client) -> None:
    response = sign_up(client, FORM | {"website": "https://spam.example.com"})
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_it_throttles_sign_ups_per_address(client) -> None:
    for i in range(signups.ADDRESS_LIMIT):
        assert sign_up(client, FORM | {"email": f"p{i}@x{i}.example.com"}).status_code == 200
    refused = sign_up(client, FORM | {"email": "late@other.example.com"})
    assert refused.status_code == 429
    assert "Try again in an hour" in refused.content.decode()
    assert len(mail.outbox) == signups.ADDRESS_LIMIT
    # Another address is not held back by this one.
    other = sign_up(client, FORM | {"email": "ok@fine.example.com"}, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200


def test_it_throttles_sign_ups_per_email_domain(client) -> None:
    for i in range(signups.DOMAIN_LIMIT):
        address = f"198.51.100.{i + 1}"
        data = FORM | {"email": f"p{i}@globex.example.com"}
        assert sign_up(client, data, REMOTE_ADDR=address).status_code == 200
    refused = sign_up(client, FORM | {"email": "x@GLOBEX.example.com"}, REMOTE_ADDR="192.0.2.1")
    assert refused.status_code == 429


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("email", "not-an-email", "valid email"),
        ("email", "", "Enter your work email"),
        ("name", "   ", "Enter your name"),
        ("name", "Hank\x00", ""),
        ("msp_name", "Globex\u202eTI", ""),
        ("msp_name", "x" * 101, "at most 100"),
    ],
)
def test_it_explains_a_wrong_value_and_stores_nothing(client, field, value, says) -> None:
    response = sign_up(client, FORM | {field: value})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was saved" in body and says in body
    assert mail.outbox == [] and Tenant.objects.count() == 0


def test_it_gives_the_next_slug_when_the_name_is_taken(client) -> None:
    TenantFactory(name="Globex IT", slug="globex-it")
    sign_up(client)
    client.post(path_of(link_in(mail.outbox[0])), {"password": PASSWORD})
    assert Tenant.objects.get(self_signed_up=True).slug == "globex-it-2"


@override_settings(SIGNUP_ENABLED=False)
def test_it_is_a_404_when_sign_up_is_off(client) -> None:
    assert client.get("/signup/").status_code == 404
    assert sign_up(client).status_code == 404
    token = signing.dumps(
        {"name": "a", "email": "a@b.example.com", "msp_name": "c"}, salt=signups.SALT
    )
    assert client.post(f"/signup/confirm/{token}/").status_code == 404
    assert "Create your MSP" not in client.get("/accounts/login/").content.decode()


def test_it_links_sign_up_from_the_sign_in_page(client) -> None:
    assert 'href="/signup/"' in client.get("/accounts/login/").content.decode()


def test_it_lets_an_account_manager_take_a_self_signed_up_workspace(client) -> None:
    from django.contrib.auth.models import Group

    tenant = TenantFactory(self_signed_up=True, account_manager=None)
    am = StaffFactory(username="am-take")
    am.groups.add(Group.objects.get(name="Account managers"))
    client.force_login(am)
    listing = client.get("/admin/mspprocess/tenant/?self_signed_up__exact=1&am=none")
    assert tenant.name in listing.content.decode()
    client.post(
        "/admin/mspprocess/tenant/",
        {"action": "action_take", "_selected_action": [tenant.pk]},
    )
    tenant.refresh_from_db()
    assert tenant.account_manager == am
    event = AuditEvent.objects.get(tenant=tenant, action=AuditEvent.Action.TENANT_CHANGED)
    assert event.fields == ["account_manager"]


@HOSTILE
@given(
    name=ANY_INPUT,
    email=st.one_of(ANY_INPUT, st.emails().map(str)),
    msp_name=ANY_INPUT,
    token=ANY_INPUT,
)
def test_it_survives_any_sign_up_input(client, name, email, msp_name, token) -> None:
    form = {"name": name, "email": email, "msp_name": msp_name}
    assert sign_up(client, form, REMOTE_ADDR="192.0.2.77").status_code in (200, 429)
    assert client.get("/signup/", {"name": name}).status_code == 200
    path = f"/signup/confirm/{quote(token, safe='')}/"
    assert client.get(path).status_code in (400, 404)
    assert client.post(path).status_code in (400, 404)
    assert not Tenant.objects.filter(self_signed_up=True).exists()
