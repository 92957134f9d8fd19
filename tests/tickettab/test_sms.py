from __future__ import annotations

import pytest
import responses
from django.core.exceptions import ImproperlyConfigured

from tickettab import sms

API = "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"


@pytest.fixture
def twilio(monkeypatch) -> sms.TwilioBackend:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC123")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "twilio-auth-token-value")
    monkeypatch.setenv("TWILIO_FROM", "+15005550006")
    return sms.TwilioBackend()


@responses.activate
def test_it_sends_through_twilio(twilio) -> None:
    responses.post(API, json={"sid": "SM42", "status": "queued"}, status=201)
    assert twilio.send("+447700900201", "123 456 is your code") == "SM42"
    request = responses.calls[0].request
    assert "To=%2B447700900201" in request.body
    assert "From=%2B15005550006" in request.body
    assert request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_it_uses_a_messaging_service_when_configured(twilio) -> None:
    twilio.sender = "MG0123"
    responses.post(API, json={"sid": "SM43"}, status=201)
    twilio.send("+447700900201", "code")
    assert "MessagingServiceSid=MG0123" in responses.calls[0].request.body


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (400, {"code": 21211, "message": "Invalid 'To' Phone Number"}, "not a valid mobile number"),
        (400, {"code": 21610, "message": "unsubscribed"}, "opted out"),
        (401, {"code": 20003, "message": "Authenticate"}, "rejected our credentials"),
        (429, {"code": 20429, "message": "Too Many Requests"}, "Wait a minute"),
        (503, {}, "having problems"),
        (400, {"code": 99999, "message": "?"}, "refused the message"),
    ],
)
@responses.activate
def test_it_maps_twilio_errors_to_clear_messages(twilio, status, body, message, caplog) -> None:
    responses.post(API, json=body, status=status)
    with pytest.raises(sms.SmsError) as e:
        twilio.send("+447700900201", "123 456 is your code")
    assert message in e.value.message
    assert "twilio-auth-token-value" not in caplog.text
    assert "123 456" not in caplog.text


@responses.activate
def test_it_explains_an_unreachable_twilio(twilio) -> None:
    import requests

    responses.post(API, body=requests.ConnectionError("down"))
    with pytest.raises(sms.SmsError, match="could not be reached"):
        twilio.send("+447700900201", "code")


def test_it_requires_twilio_credentials(monkeypatch) -> None:
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ImproperlyConfigured, match="TWILIO_ACCOUNT_SID"):
        sms.TwilioBackend()


def test_it_prints_to_the_console(capsys) -> None:
    assert sms.ConsoleBackend().send("+447700900201", "hello") == "console"
    assert "SMS to +447700900201" in capsys.readouterr().out


@pytest.mark.parametrize("number", ["07400 123456", "+44 7400 123456", "447400123456", "", "+0123"])
@responses.activate
def test_it_sends_only_to_e164_numbers(twilio, settings, number) -> None:
    settings.SMS_BACKEND = "tickettab.sms.TwilioBackend"
    sms._backend_for.cache_clear()
    try:
        with pytest.raises(sms.SmsError, match="international form"):
            sms.send_sms(number, "123 456 is your code")
    finally:
        sms._backend_for.cache_clear()
    assert not responses.calls


@pytest.mark.django_db
def test_it_passes_on_a_backends_own_refusal_as_an_sms_error(settings) -> None:
    # The sandbox's backend refuses with a ReadableError: it does not import this app.
    from integrations.sandbox import services as sandbox
    from integrations.sandbox.devices import SMS_FAILURE_MESSAGE

    settings.SMS_BACKEND = "integrations.sandbox.devices.SandboxSmsBackend"
    sandbox.set_sms_failure(True)
    with pytest.raises(sms.SmsError) as info:
        sms.send_sms("+447700900201", "123 456 is your code")
    assert info.value.message == SMS_FAILURE_MESSAGE
