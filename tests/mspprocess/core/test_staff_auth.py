from __future__ import annotations

import logging
from base64 import b32encode
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, MembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db

TWO_FA = "/accounts/2fa/"


@pytest.fixture
def required(settings):
    settings.STAFF_REQUIRE_2FA = True


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    return f"{(totp(device.bin_key) + 500000) % 1000000:06d}"


def secret_of(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def test_it_sends_staff_from_the_admin_to_the_code_page(client, required) -> None:
    client.force_login(StaffFactory())
    response = client.get("/admin/tenant/?q=acme")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/?next=/admin/tenant/%3Fq%3Dacme"


def test_it_asks_after_a_password_sign_in_at_the_admin(client, required) -> None:
    staff = StaffFactory()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(TWO_FA)


def test_it_enrols_an_authenticator_and_then_opens_the_admin(client, required, caplog) -> None:
    staff = StaffFactory()
    client.force_login(staff)
    caplog.set_level(logging.DEBUG)

    response = client.get(TWO_FA, {"next": "/admin/"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    body = response.content.decode()
    assert "<svg" in body
    secret = secret_of(device)
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in body

    # Reloading keeps the same secret: the QR code already scanned stays good.
    client.get(TWO_FA)
    assert TOTPDevice.objects.get(user=staff).key == device.key

    response = client.post(TWO_FA, {"code": code_for(device), "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200
    assert secret not in caplog.text and device.key not in caplog.text


def test_it_refuses_a_wrong_code_at_enrolment(client, required) -> None:
    staff = StaffFactory()
    client.force_login(staff)
    client.get(TWO_FA)
    device = TOTPDevice.objects.get(user=staff)

    response = client.post(TWO_FA, {"code": wrong_code_for(device)})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/admin/").status_code == 302


def test_it_refuses_codes_that_are_not_six_digits(client, required) -> None:
    client.force_login(StaffFactory())
    response = client.post(TWO_FA, {"code": "12345a"})
    assert "Enter the 6 digits your app shows" in response.content.decode()


def verified_device(staff) -> TOTPDevice:
    return TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)


def test_it_asks_an_enrolled_user_for_a_code_without_showing_the_secret(client, required) -> None:
    staff = StaffFactory()
    device = verified_device(staff)
    client.force_login(staff)

    response = client.get(TWO_FA, {"next": "/admin/"})
    body = response.content.decode()
    assert "Enter your sign-in code" in body
    assert secret_of(device)[:8] not in body and "<svg" not in body

    response = client.post(TWO_FA, {"code": code_for(device), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_it_throttles_wrong_codes(client, required) -> None:
    staff = StaffFactory()
    device = verified_device(staff)
    client.force_login(staff)

    client.post(TWO_FA, {"code": wrong_code_for(device)})
    # Even the right code waits until the back-off has passed.
    response = client.post(TWO_FA, {"code": code_for(device)})
    assert "Too many wrong codes. Wait" in response.content.decode()
    assert client.get("/admin/").status_code == 302

    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(TWO_FA, {"code": code_for(device)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_it_refuses_to_send_anyone_to_another_site(client, required) -> None:
    staff = StaffFactory()
    device = verified_device(staff)
    client.force_login(staff)
    response = client.post(TWO_FA, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"


def test_it_follows_a_next_on_this_site(client, required) -> None:
    staff = StaffFactory()
    device = verified_device(staff)
    client.force_login(staff)
    response = client.post(TWO_FA, {"code": code_for(device), "next": "/admin/auth/user/"})
    assert response["Location"] == "/admin/auth/user/"


def test_it_never_asks_members(client, required) -> None:
    membership = MembershipFactory()
    client.force_login(membership.user)
    assert client.get(f"/t/{membership.tenant.slug}/").status_code == 200
    assert client.get(TWO_FA).status_code == 404
    # The admin sends members to its own sign-in, not to a code page.
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_it_lets_staff_straight_in_when_not_required(client, settings) -> None:
    settings.STAFF_REQUIRE_2FA = False
    client.force_login(StaffFactory())
    assert client.get("/admin/").status_code == 200


def test_it_lets_staff_enrol_voluntarily_and_then_asks_them(client, settings) -> None:
    settings.STAFF_REQUIRE_2FA = False
    staff = StaffFactory()
    client.force_login(staff)
    assert client.get(TWO_FA).status_code == 200
    device = TOTPDevice.objects.get(user=staff)
    client.post(TWO_FA, {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200

    # A new session: having enrolled, they are asked even with the setting off.
    client.logout()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(TWO_FA)


def test_it_leaves_the_admin_logout_open(client, required) -> None:
    client.force_login(StaffFactory())
    response = client.post("/admin/logout/")
    assert response["Location"] == "/accounts/login/"  # LOGOUT_REDIRECT_URL, not 2FA
    assert "_auth_user_id" not in client.session


def test_it_sends_anonymous_visitors_to_sign_in(client) -> None:
    response = client.get(TWO_FA)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
