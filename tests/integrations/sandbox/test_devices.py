from __future__ import annotations

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail
from django.db import connection

from integrations.sandbox import services
from integrations.sandbox.devices import SandboxEmailBackend, SandboxSmsBackend
from integrations.sandbox.inbox import find_code
from integrations.sandbox.models import SandboxMessage
from mspprocess.errors import ReadableError
from tests.integrations.sandbox.helpers import PAGES

pytestmark = pytest.mark.django_db

ALICE_MOBILE = "+61 491 570 156"  # as seeded
ALICE_EMAIL = "alice.morgan@kestrel.example.com"
DEVICES = PAGES + "devices/"


@pytest.fixture(autouse=True)
def _sandbox_email(settings) -> None:
    settings.EMAIL_BACKEND = "integrations.sandbox.devices.SandboxEmailBackend"


def test_it_delivers_an_sms(capsys) -> None:
    message_id = SandboxSmsBackend().send(ALICE_MOBILE, "Your MSP Process code is 482913.")
    stored = SandboxMessage.objects.get()
    assert message_id == f"sandbox-sms-{stored.pk}"
    assert (stored.kind, stored.to) == ("sms", ALICE_MOBILE)
    assert stored.body == "Your MSP Process code is 482913."
    assert "482913" in capsys.readouterr().out


def test_it_finds_messages_to_a_number_however_it_is_written() -> None:
    SandboxSmsBackend().send("+61491570156", "Your code is 111 222.")  # E.164, as the tab sends
    SandboxSmsBackend().send(ALICE_MOBILE, "Your code is 333444.")
    SandboxSmsBackend().send("+44 7700 900202", "Your code is 555666.")
    assert [m.body for m in services.messages_to(ALICE_MOBILE)] == [
        "Your code is 111 222.",
        "Your code is 333444.",
    ]
    # As stored in Halo: the UK's international prefix, a "(0)", dashes.
    assert services.latest_code("0061 491 570 156") == "333444"
    assert services.latest_code("+61 (0)491-570-156") == "333444"
    assert services.latest_code("+44 (7700) 900-202") == "555666"
    assert services.latest_code("+44 7700 900203") is None


def test_it_reads_the_code_and_not_the_numbers_around_it() -> None:
    SandboxSmsBackend().send(
        ALICE_MOBILE, "Code 123 456 for ticket 1001. Not you? Call +44 7700 900201."
    )
    assert services.latest_code(ALICE_MOBILE) == "123456"
    assert find_code("Call +44 20 7946 0201 or see https://x.example/v/Ab123456cd/") is None


def test_it_fails_while_the_failure_switch_is_on() -> None:
    services.set_sms_failure(True)
    with pytest.raises(ReadableError) as raised:
        SandboxSmsBackend().send(ALICE_MOBILE, "Your code is 482913.")
    assert raised.value.message == (
        "The SMS provider refused the message (sandbox failure switch)."
    )
    assert SandboxMessage.objects.count() == 0
    services.set_sms_failure(False)
    assert SandboxSmsBackend().send(ALICE_MOBILE, "Your code is 482913.")


def test_it_refuses_a_number_without_digits() -> None:
    with pytest.raises(ReadableError):
        SandboxSmsBackend().send("", "Your code is 482913.")


def test_it_delivers_an_email_with_send_mail(capsys) -> None:
    sent = send_mail(
        "Your verification code",
        "Your code is 904 117.",
        "MSP Process <no-reply@example.com>",
        [f"Alice Morgan <{ALICE_EMAIL}>"],
        html_message="<p>Your code is <b>904 117</b>.</p>",
    )
    assert sent == 1
    stored = SandboxMessage.objects.get()
    assert (stored.kind, stored.to, stored.subject) == (
        "email",
        ALICE_EMAIL,
        "Your verification code",
    )
    assert stored.body == "Your code is 904 117."
    assert stored.html_body == "<p>Your code is <b>904 117</b>.</p>"
    assert stored.sender == "MSP Process <no-reply@example.com>"
    assert "Subject: Your verification code" in capsys.readouterr().out
    assert services.latest_code(ALICE_EMAIL.upper()) == "904117"


def test_it_records_an_email_once_per_recipient() -> None:
    message = EmailMultiAlternatives(
        "Hello", "Plain", "a@example.com", [ALICE_EMAIL], cc=["b@example.com"]
    )
    message.attach_alternative("<p>Rich</p>", "text/html")
    assert SandboxEmailBackend().send_messages([message]) == 1
    assert [m.html_body for m in services.messages_to("b@example.com")] == ["<p>Rich</p>"]
    assert len(services.messages_to(ALICE_EMAIL)) == 1


def test_it_records_an_html_only_email_as_text_too() -> None:
    message = EmailMessage(
        "Link", "<p>Open <a href='https://x.example/v/t/'>this</a></p>", to=[ALICE_EMAIL]
    )
    message.content_subtype = "html"
    message.send()
    stored = services.messages_to(ALICE_EMAIL)[0]
    assert stored.body == "Open this"
    assert stored.html_body.startswith("<p>Open")


def test_it_stores_message_bodies_encrypted() -> None:
    SandboxSmsBackend().send(ALICE_MOBILE, "Your code is 482913.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body, to_key FROM sandbox_sandboxmessage")
        body, to_key = cursor.fetchone()
    assert "482913" not in body
    assert to_key == "61491570156"


def test_it_lists_messages_newest_first_in_full(client) -> None:
    SandboxSmsBackend().send(ALICE_MOBILE, "First: your code is 111111.")
    send_mail("Secure link", "Open https://tab.example.com/v/abc/ to confirm.", None, [ALICE_EMAIL])
    body = client.get(DEVICES).content.decode()
    assert body.index("Secure link") < body.index("First: your code is 111111.")
    assert '<a href="https://tab.example.com/v/abc/" rel="nofollow">' in body
    assert "Alice Morgan" in body
    assert "<output>111111</output>" in body


def test_it_filters_by_address_or_number(client) -> None:
    SandboxSmsBackend().send(ALICE_MOBILE, "For Alice's phone.")
    SandboxSmsBackend().send("+61491570157", "For Ben's phone.")
    send_mail("For Alice's mailbox", "Hello.", None, [ALICE_EMAIL])
    body = client.get(DEVICES, {"to": "+61 491 570 157"}).content.decode()
    assert "For Ben&#x27;s phone." in body
    assert "For Alice&#x27;s phone." not in body
    by_user = client.get(DEVICES, {"user": "201"}).content.decode()
    assert "For Alice&#x27;s phone." in by_user
    assert "For Alice&#x27;s mailbox" in by_user
    assert "For Ben&#x27;s phone." not in by_user
    assert "No messages for this filter" in client.get(DEVICES, {"user": "999"}).content.decode()


def test_it_escapes_messages(client) -> None:
    send_mail("<script>s()</script>", "<script>b()</script>", None, [ALICE_EMAIL],
              html_message='<p>hi</p><script>h()</script>"')  # fmt: skip
    body = client.get(DEVICES).content.decode()
    assert "<script>s()" not in body
    assert "<script>b()" not in body
    assert "<script>h()" not in body
    assert "&lt;script&gt;b()&lt;/script&gt;" in body
    assert "<iframe sandbox " in body  # the HTML version runs no script


def test_it_forgets_messages_and_switches_on_reset() -> None:
    SandboxSmsBackend().send(ALICE_MOBILE, "Your code is 482913.")
    services.set_sms_failure(True)
    services.reset()
    assert services.messages_to(ALICE_MOBILE) == []
    assert SandboxSmsBackend().send(ALICE_MOBILE, "Your code is 482913.")
