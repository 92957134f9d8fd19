"""The Duo adapter against the Duo sandbox over real HTTP, signed by duo_client.

Each flow a technician meets: the connection test, a push approved, denied or timed
out, the users a push cannot reach (not enrolled, locked out, SMS only, bypass), wrong
keys refused by the sandbox, a Duo that is down or slow, Duo's error shapes the
sandbox does not produce (429, an HTML 500, "fraud"), and the outbound guard.
"""

from __future__ import annotations

import logging
import ssl
from datetime import timedelta

import pytest

from identity import adapters
from identity.adapters import (
    Answer,
    LockedOut,
    NoPushDevice,
    NoSuchUser,
    NotEnrolled,
    ProviderError,
    duo,
    duo_http,
)
from identity.models import IdentityProvider
from integrations import netsafe
from integrations.duo_sandbox import services as duo_sandbox
from integrations.duo_sandbox.models import DuoDevice, DuoPush, DuoUser
from integrations.duo_sandbox.seed import ALICE, BEN, CHLOE, DANIEL, DEMO_IKEY, DEMO_SKEY

pytestmark = pytest.mark.django_db(transaction=True)

KEYS_HINT = (
    "Check the integration key and secret key of the Auth API application in Duo's Admin Panel."
)


def send(provider: IdentityProvider, login: str, message: adapters.PushMessage):
    return adapters.send_push(provider, login, message)


# -- the connection test ---------------------------------------------------------------


def test_it_tests_the_connection_with_the_sandboxs_keys(idp_duo, idp_live) -> None:
    said = adapters.test_connection(idp_duo)
    assert said == (
        f"Connected to Duo at {idp_live}/sandbox/duo: the integration key and secret key work."
    )


def test_it_gives_duos_words_when_the_sandbox_refuses_the_secret_key(idp_duo, caplog) -> None:
    idp_duo.duo_secret_key = "not-the-secret-key-of-this-application"
    with caplog.at_level(logging.DEBUG), pytest.raises(ProviderError) as refused:
        adapters.test_connection(idp_duo)
    assert refused.value.message == (
        f"Duo refused the keys: Invalid signature in request credentials. {KEYS_HINT}"
    )
    # Neither the secret tried nor the real one is ever shown or logged.
    for secret in ("not-the-secret-key-of-this-application", DEMO_SKEY):
        assert secret not in refused.value.message
        assert secret not in caplog.text


def test_it_gives_duos_words_for_an_unknown_integration_key(idp_duo) -> None:
    idp_duo.duo_integration_key = "DIUNKNOWNINTEGRATION"
    with pytest.raises(ProviderError) as refused:
        adapters.test_connection(idp_duo)
    assert refused.value.message == (
        f"Duo refused the keys: Invalid integration key in request credentials. {KEYS_HINT}"
    )


def test_it_asks_for_the_keys_before_calling_duo(idp_duo) -> None:
    idp_duo.duo_secret_key = ""
    with pytest.raises(ProviderError, match="Enter the integration key and secret key"):
        adapters.test_connection(idp_duo)


# -- a push ------------------------------------------------------------------------------


def test_it_sends_a_push_the_caller_approves(idp_duo, idp_message) -> None:
    sent = send(idp_duo, ALICE, idp_message)
    assert sent.device == "Duo Mobile on iOS (XXX-XXX-0156)"
    assert sent.lifetime == timedelta(seconds=60)
    assert sent.number == ""
    assert adapters.push_answer(idp_duo, sent.ref) == Answer.WAITING
    assert duo_sandbox.answer(sent.ref, approve=True)
    assert adapters.push_answer(idp_duo, sent.ref) == Answer.APPROVED


def test_it_names_the_msp_the_ticket_and_the_technician_in_the_push(idp_duo, idp_message) -> None:
    sent = send(idp_duo, ALICE, idp_message)
    push = DuoPush.objects.get(txid=sent.ref)
    assert push.request_type == "Acme IT identity check request"
    assert push.pushinfo_items == [
        ("From", "Acme IT"),
        ("Ticket", "#1001"),
        ("Technician", "Sam Lee"),
    ]
    assert push.device.device == "DPSANDBOXALICE000201"
    assert push.display_username == ALICE


def test_it_reports_a_denied_push(idp_duo, idp_message) -> None:
    sent = send(idp_duo, ALICE, idp_message)
    duo_sandbox.answer(sent.ref, approve=False)
    assert adapters.push_answer(idp_duo, sent.ref) == Answer.DENIED


def test_it_reports_a_push_nobody_answered_in_time(idp_duo, idp_message) -> None:
    sent = send(idp_duo, ALICE, idp_message)
    duo_sandbox.set_push_timeout(0)  # every waiting push times out now
    assert adapters.push_answer(idp_duo, sent.ref) == Answer.TIMED_OUT
    assert not duo_sandbox.answer(sent.ref, approve=True)  # too late to approve
    assert adapters.push_answer(idp_duo, sent.ref) == Answer.TIMED_OUT


def test_it_refuses_a_reference_that_is_not_a_duo_transaction(idp_duo) -> None:
    for ref in ("", "../admin", "a b", "x" * 65):
        with pytest.raises(ProviderError, match="not a Duo push we sent"):
            adapters.push_answer(idp_duo, ref)


def test_it_says_when_duo_no_longer_knows_a_push(idp_duo) -> None:
    with pytest.raises(ProviderError, match="Duo no longer knows this push"):
        adapters.push_answer(idp_duo, "00000000-0000-0000-0000-000000000000")


# -- people a push cannot reach ---------------------------------------------------------------


def test_it_refuses_a_user_who_is_not_enrolled(idp_duo, idp_message) -> None:
    with pytest.raises(NotEnrolled) as refused:
        send(idp_duo, CHLOE, idp_message)
    assert refused.value.message.startswith(f"{CHLOE} is not enrolled in Duo")
    assert "Duo says: “Enroll an authentication device to proceed”" in refused.value.message
    assert not DuoPush.objects.exists()


def test_it_refuses_a_locked_out_user_in_duos_words(idp_duo, idp_message) -> None:
    with pytest.raises(LockedOut) as refused:
        send(idp_duo, DANIEL, idp_message)
    assert refused.value.message == (
        f"Duo refuses {DANIEL} (Duo says: “Your account is locked out. Contact your "
        "administrator.”). A Duo administrator can unlock or re-enable the user in Duo's "
        "Admin Panel (Users)."
    )
    assert not DuoPush.objects.exists()


def test_it_refuses_a_user_with_only_sms_and_calls(idp_duo, idp_message) -> None:
    with pytest.raises(NoPushDevice, match="no device in Duo that can take a push"):
        send(idp_duo, BEN, idp_message)
    assert not DuoPush.objects.exists()


def test_it_reads_an_unknown_username_as_not_enrolled_under_duos_default_policy(
    idp_duo, idp_message
) -> None:
    # Duo's default new-user policy answers an unknown username with "enroll".
    with pytest.raises(NotEnrolled, match="or Duo does not know them"):
        send(idp_duo, "nobody@kestrel.example.com", idp_message)


def test_it_never_pushes_to_a_user_duo_lets_in_without_a_second_factor(
    idp_duo, idp_message
) -> None:
    user = DuoUser.objects.create(
        user_id="DUSANDBOXBYPASS00001",
        username="bypass@kestrel.example.com",
        status=DuoUser.Status.BYPASS,
    )
    DuoDevice.objects.create(
        device="DPSANDBOXBYPASS00001", user=user, platform="iOS", capabilities=["push"]
    )
    with pytest.raises(ProviderError) as refused:
        send(idp_duo, "bypass@kestrel.example.com", idp_message)
    assert type(refused.value) is ProviderError
    assert refused.value.message == (
        "Duo lets bypass@kestrel.example.com in without a second factor (Duo says: “Your "
        "account is in bypass mode.”), so a push would prove nothing. Verify the caller "
        "another way."
    )
    assert not DuoPush.objects.exists()


def test_it_asks_for_a_sign_in_name_before_calling_duo(idp_make, idp_message) -> None:
    provider = idp_make("duo", save=False, duo_api_host="http://127.0.0.1:9/sandbox/duo")
    with pytest.raises(NoSuchUser, match="no sign-in name to look up in Duo"):
        send(provider, "  ", idp_message)


# -- Duo down, slow, or answering what the sandbox never does ----------------------------------


def test_it_reports_a_duo_that_is_down(idp_duo, idp_closed_port) -> None:
    idp_duo.duo_api_host = f"http://127.0.0.1:{idp_closed_port}/sandbox/duo"
    with pytest.raises(ProviderError) as refused:
        adapters.test_connection(idp_duo)
    assert refused.value.message.startswith(
        f"Could not connect to Duo at http://127.0.0.1:{idp_closed_port}/sandbox/duo: "
        "the connection was refused."
    )


def test_it_verifies_the_certificate_against_duos_own_cas(idp_duo, idp_tls_port) -> None:
    idp_duo.duo_api_host = f"https://127.0.0.1:{idp_tls_port}"
    with pytest.raises(ProviderError) as refused:
        adapters.test_connection(idp_duo)
    assert refused.value.message.startswith(
        f"The secure connection to https://127.0.0.1:{idp_tls_port} failed: its certificate "
        "is not one of Duo's."
    )


def test_it_connects_to_the_checked_address_and_verifies_tls_for_the_name(
    idp_make, idp_canned_tls, settings, monkeypatch
) -> None:
    canned, cert, name = idp_canned_tls
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = True
    port = int(canned.url.rsplit(":", 1)[1])
    # The name is in no DNS: the guard's answer is the only address used.
    monkeypatch.setattr(
        netsafe, "resolve", lambda host, p: [netsafe.ipaddress.ip_address("127.0.0.1")]
    )
    # Trust the test certificate instead of Duo's CAs, as the client would trust Duo's.
    monkeypatch.setattr(duo_http, "_duo_tls", lambda: ssl.create_default_context(cafile=cert))
    canned.reply(200, {"stat": "OK", "response": {"time": 1}})
    provider = idp_make(
        "duo",
        save=False,
        duo_integration_key=DEMO_IKEY,
        duo_secret_key=DEMO_SKEY,
        duo_api_host=f"https://{name}:{port}",
    )
    assert adapters.test_connection(provider) == (
        f"Connected to Duo at https://{name}:{port}: the integration key and secret key work."
    )
    assert canned.paths == ["/auth/v2/check?"]
    assert canned.hosts == [f"{name}:{port}"]


def test_it_gives_up_on_a_duo_that_does_not_answer(
    idp_duo, idp_silent_port, idp_message, monkeypatch
) -> None:
    monkeypatch.setattr(duo, "TIMEOUT_SECONDS", 0.3)
    idp_duo.duo_api_host = f"http://127.0.0.1:{idp_silent_port}"
    with pytest.raises(ProviderError, match=r"^Duo did not answer within 0\.3 seconds\."):
        send(idp_duo, ALICE, idp_message)


def test_it_reads_a_silent_auth_status_as_still_waiting(
    idp_duo, idp_silent_port, monkeypatch
) -> None:
    # Duo long-polls auth_status: no answer within our wait means no change yet.
    monkeypatch.setattr(duo, "POLL_SECONDS", 0.3)
    idp_duo.duo_api_host = f"http://127.0.0.1:{idp_silent_port}"
    assert adapters.push_answer(idp_duo, "0b6d4b8e-2f7d-4b7a-9c1e-5d3f2a1b0c9d") == Answer.WAITING


def canned_duo(idp_make, idp_canned) -> IdentityProvider:
    return idp_make(
        "duo",
        save=False,
        duo_integration_key=DEMO_IKEY,
        duo_secret_key=DEMO_SKEY,
        duo_api_host=idp_canned.url,
    )


def test_it_reads_fraud_as_denied(idp_make, idp_canned, settings) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = True
    idp_canned.reply(
        200,
        {
            "stat": "OK",
            "response": {"result": "deny", "status": "fraud", "status_msg": "Fraud reported."},
        },
    )
    provider = canned_duo(idp_make, idp_canned)
    assert adapters.push_answer(provider, "0b6d4b8e-2f7d-4b7a-9c1e-5d3f2a1b0c9d") == Answer.DENIED
    assert idp_canned.paths == ["/auth/v2/auth_status?txid=0b6d4b8e-2f7d-4b7a-9c1e-5d3f2a1b0c9d"]


def test_it_does_not_sleep_on_duos_rate_limit(idp_make, idp_canned, settings) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = True
    for _ in range(3):
        idp_canned.reply(429, {"stat": "FAIL", "code": 42901, "message": "Too Many Requests"})
    with pytest.raises(ProviderError) as refused:
        adapters.test_connection(canned_duo(idp_make, idp_canned))
    assert refused.value.message == (
        "Duo is limiting how often we may call it (too many requests). Wait a minute and try again."
    )
    assert len(idp_canned.paths) == 1  # duo_client's own back-off would have retried


def test_it_words_an_html_error_page(idp_make, idp_canned, settings) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = True
    idp_canned.reply(502, "<html><body>Bad gateway</body></html>")
    with pytest.raises(ProviderError) as refused:
        adapters.test_connection(canned_duo(idp_make, idp_canned))
    assert refused.value.message == (
        "Duo is having a problem (HTTP 502 Bad Gateway). Try again in a few minutes; Duo "
        "posts incidents at status.duo.com."
    )


def test_it_reads_duos_invalid_username_as_no_such_user(
    idp_make, idp_canned, idp_message, settings
) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = True
    idp_canned.reply(
        400,
        {
            "stat": "FAIL",
            "code": 40002,
            "message": "Invalid request parameters",
            "message_detail": "username",
        },
    )
    with pytest.raises(NoSuchUser, match=r"Duo has no user nobody@example\.com"):
        send(canned_duo(idp_make, idp_canned), "nobody@example.com", idp_message)


# -- the outbound guard -------------------------------------------------------------------------


def test_it_refuses_the_sandbox_address_where_private_addresses_are_not_allowed(
    idp_duo, idp_live, settings
) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    settings.HALO_SANDBOX = False
    with pytest.raises(ProviderError, match="“localhost” is not a public internet address"):
        adapters.test_connection(idp_duo)  # the live server's http://localhost:port/…
    port = idp_live.rsplit(":", 1)[1]
    idp_duo.duo_api_host = f"http://127.0.0.1:{port}/sandbox/duo"
    with pytest.raises(ProviderError, match="not an IP address"):
        adapters.test_connection(idp_duo)
    idp_duo.duo_api_host = "http://api-1a2b3c4d.duosecurity.com"
    with pytest.raises(ProviderError, match="Duo's API is reached over https only"):
        adapters.test_connection(idp_duo)
    idp_duo.duo_api_host = "https://duo.attacker.example.net"
    with pytest.raises(
        ProviderError, match=r"“duo\.attacker\.example\.net” is not a Duo API hostname"
    ):
        adapters.test_connection(idp_duo)


def test_it_refuses_a_duo_hostname_that_resolves_to_a_private_address(
    idp_duo, settings, monkeypatch
) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    settings.HALO_SANDBOX = False
    asked: list[str] = []

    def resolve(host: str, port: int):
        asked.append(f"{host}:{port}")
        return [netsafe.ipaddress.ip_address("10.1.2.3")]

    monkeypatch.setattr(netsafe, "resolve", resolve)
    idp_duo.duo_api_host = "api-1a2b3c4d.duosecurity.com"
    with pytest.raises(ProviderError) as refused:
        adapters.test_connection(idp_duo)
    assert refused.value.message.startswith(
        "api-1a2b3c4d.duosecurity.com is a private network address, so MSP Process will "
        "not connect to it."
    )
    assert asked == ["api-1a2b3c4d.duosecurity.com:443"]
