"""SMS sends against the Halo sandbox, over real HTTP: E.164 out, clear refusals."""

from __future__ import annotations

import pytest

from integrations.sandbox import services as sandbox
from integrations.sandbox.devices import SandboxSmsBackend
from integrations.sandbox.models import SandboxMessage, SandboxUser
from tests.integrations.sandbox.helpers import PAGES
from tickettab import phones
from tickettab.models import Verification, VerificationSettings

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = 201  # ticket 1001's end user


def ticket(tab) -> str:
    return tab.get("ticket/?ticket_id=1001&fresh=1").content.decode()


def send_sms(tab) -> str:
    return tab.post("send/", {"method": "sms", "ticket_id": "1001"}).content.decode()


def set_alice(mobile: str, phone: str = "") -> None:
    SandboxUser.objects.filter(pk=ALICE).update(mobilenumber=mobile, phonenumber=phone)


def set_country(tenant, country: str) -> None:
    VerificationSettings.objects.update_or_create(tenant=tenant, defaults={"country": country})


def test_it_sends_e164_to_the_provider_and_stores_only_the_mask(tab) -> None:
    assert SandboxUser.objects.get(pk=ALICE).mobilenumber == "+61 491 570 156"
    body = ticket(tab)
    assert "+61 ••• ••• 156" in body
    assert 'aria-describedby="no-mobile"' not in body
    assert 'name="code"' in send_sms(tab)
    assert SandboxMessage.objects.get().to == "+61491570156"
    assert Verification.objects.get().destination == "+61 ••• ••• 156"


@pytest.mark.parametrize(
    ("mobile", "phone", "shown"),
    [
        ("020 7946 0201", "", "is a landline"),
        ("", "", "No mobile number in Halo"),
        ("", "+44 20 7946 0201", "No mobile number in Halo"),
        ("call reception", "", "cannot be read as a phone number"),
        ("07700 900201", "", "not a valid phone number"),
        ("0800 123 4567", "", "not a mobile number"),
    ],
)
def test_it_refuses_numbers_it_cannot_text_before_and_at_send(tab, mobile, phone, shown) -> None:
    set_alice(mobile, phone)
    body = ticket(tab)
    assert shown in body
    assert 'disabled aria-describedby="no-mobile"' in body
    assert "Ask your Halo administrator" in body

    body = send_sms(tab)  # a crafted request, or a stale page: refused again
    assert shown in body
    assert not Verification.objects.exists()
    assert not SandboxMessage.objects.exists()


def test_it_rechecks_the_number_when_sending(tab) -> None:
    assert "+61 ••• ••• 156" in ticket(tab)
    set_alice("020 7946 0201")  # changed in Halo after the tab showed the contact
    assert "is a landline" in send_sms(tab)
    assert not Verification.objects.exists()
    assert not SandboxMessage.objects.exists()


def test_it_texts_the_phone_field_when_it_holds_the_mobile(tab) -> None:
    set_alice("020 7946 0201", "+1 (201) 555-0123")
    assert "+1 ••• ••• •123" in ticket(tab)
    send_sms(tab)
    assert SandboxMessage.objects.get().to == "+12015550123"


def test_it_reads_national_numbers_in_the_workspaces_country(tab) -> None:
    set_alice("0491 570 156")  # as an Australian would store it
    assert "not a valid phone number" in ticket(tab)  # read as British by default
    set_country(tab.tenant, "AU")
    body = ticket(tab)
    assert "+61 ••• ••• 156" in body
    assert 'aria-describedby="no-mobile"' not in body
    send_sms(tab)
    assert SandboxMessage.objects.get().to == "+61491570156"


def test_it_shows_each_seeded_users_texts_on_the_devices_page(live_halo, client) -> None:
    users = SandboxUser.objects.exclude(mobilenumber="").order_by("id")
    assert users.count() == 11
    for user in users:
        number = phones.parse_mobile(user.mobilenumber, "GB")  # the demo's country
        SandboxSmsBackend().send(number.e164, f"Code 123 456 for user {user.pk}.")
    for user in users:
        body = client.get(PAGES + "devices/", {"user": user.pk}).content.decode()
        assert f"Code 123 456 for user {user.pk}." in body
        assert sandbox.latest_code(user.mobilenumber) == "123456"
