"""The Okta adapter against the Okta sandbox over real HTTP, through the outbound guard.

Each flow a technician meets: the connection test, a push approved (with and without
number matching), denied or timed out, the people a push cannot reach (not enrolled,
locked out, SMS only, unknown, two users for one email), a refused token, Okta's rate
limit, an Okta that is down or slow, error shapes the sandbox does not produce
(`responses`), and the outbound guard.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import responses
from django.utils import timezone

from identity import adapters
from identity.adapters import (
    AmbiguousUser,
    Answer,
    LockedOut,
    NoPushDevice,
    NoSuchUser,
    NotEnrolled,
    ProviderError,
    okta,
)
from integrations import netsafe
from integrations.okta_sandbox import ratelimit
from integrations.okta_sandbox import services as okta_sandbox
from integrations.okta_sandbox.models import OktaPush
from integrations.okta_sandbox.seed import (
    HARRY,
    HARRY_PUSH,
    JACK,
    JACK_PUSH,
    RECEPTION_LEEDS,
    RECEPTION_LONDON,
    SEED_TOKEN,
    SHARED_EMAIL,
)

pytestmark = pytest.mark.django_db(transaction=True)

HARRY_LOGIN = "harry.evans@oakfield.example.com"
JACK_LOGIN = "jack.murphy@oakfield.example.com"
KAVYA_LOGIN = "kavya.rao@oakfield.example.com"
LIAM_LOGIN = "liam.obrien@oakfield.example.com"
LEEDS_LOGIN = "reception.leeds@oakfield.example.com"


def transaction_of(sent: adapters.PushSent) -> str:
    return sent.ref.rsplit("/", 1)[1]


# -- the connection test ---------------------------------------------------------------


def test_it_tests_the_connection_with_the_seeded_token(idp_okta, idp_live) -> None:
    assert adapters.test_connection(idp_okta) == (
        f"Connected to Okta at {idp_live}/sandbox/okta: the API token works and can read users."
    )


def test_it_gives_oktas_words_when_the_sandbox_refuses_the_token(idp_okta, caplog) -> None:
    idp_okta.okta_api_token = "00not-a-token-this-org-issued-0000000000000"
    with caplog.at_level(logging.DEBUG), pytest.raises(ProviderError) as refused:
        adapters.test_connection(idp_okta)
    assert refused.value.message.startswith(
        "Okta refused the API token: Invalid token provided. Create a new token in Okta's "
        "Admin Console (Security → API → Tokens) and paste it here."
    )
    for secret in ("00not-a-token-this-org-issued-0000000000000", SEED_TOKEN):
        assert secret not in refused.value.message
        assert secret not in caplog.text


def test_it_says_when_oktas_rate_limit_is_reached(idp_okta, settings, monkeypatch) -> None:
    now = time.time()
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now))  # one window
    settings.OKTA_SANDBOX_RATE_LIMIT = 1
    adapters.test_connection(idp_okta)
    with pytest.raises(ProviderError) as refused:
        adapters.test_connection(idp_okta)
    found = re.fullmatch(
        r"Okta's rate limit for its API was reached \(Okta says: “API call exceeded rate "
        r"limit due to too many requests”\)\. Try again in (\d+) seconds\.",
        refused.value.message,
    )
    assert found and 1 <= int(found.group(1)) <= 60


# -- a push ------------------------------------------------------------------------------


def test_it_sends_a_push_the_caller_approves(idp_okta, idp_message) -> None:
    sent = adapters.send_push(idp_okta, JACK_LOGIN, idp_message)
    assert sent.ref == f"{JACK}/{JACK_PUSH}/{transaction_of(sent)}"
    assert sent.device == "Okta Verify on Pixel 7"
    assert timedelta(seconds=295) < sent.lifetime <= timedelta(seconds=300)
    assert sent.number == ""  # Jack's enrollment cannot match numbers: a standard push
    (pending,) = okta_sandbox.pending_pushes(JACK_LOGIN)
    assert pending["id"] == transaction_of(sent)
    assert pending["user_agent"].startswith("MSPProcess/")
    assert adapters.push_answer(idp_okta, sent.ref) == Answer.WAITING
    assert okta_sandbox.answer(transaction_of(sent), approve=True) == "SUCCESS"
    assert adapters.push_answer(idp_okta, sent.ref) == Answer.APPROVED


def test_it_shows_the_number_okta_verify_asks_for(idp_okta, idp_message) -> None:
    sent = adapters.send_push(idp_okta, HARRY_LOGIN, idp_message)
    assert sent.ref.startswith(f"{HARRY}/{HARRY_PUSH}/")
    push = OktaPush.objects.get(pk=transaction_of(sent))
    assert sent.number == str(push.correct_answer)
    (pending,) = okta_sandbox.pending_pushes(HARRY_LOGIN)
    assert int(sent.number) in pending["choices"]
    # The caller taps the number the technician reads out: approved.
    okta_sandbox.answer(transaction_of(sent), approve=True, number=int(sent.number))
    assert adapters.push_answer(idp_okta, sent.ref) == Answer.APPROVED


def test_it_reports_a_wrong_number_as_denied(idp_okta, idp_message) -> None:
    sent = adapters.send_push(idp_okta, HARRY_LOGIN, idp_message)
    (pending,) = okta_sandbox.pending_pushes(HARRY_LOGIN)
    wrong = next(n for n in pending["choices"] if str(n) != sent.number)
    okta_sandbox.answer(transaction_of(sent), approve=True, number=wrong)
    assert adapters.push_answer(idp_okta, sent.ref) == Answer.DENIED


def test_it_reports_a_denied_push(idp_okta, idp_message) -> None:
    sent = adapters.send_push(idp_okta, JACK_LOGIN, idp_message)
    okta_sandbox.answer(transaction_of(sent), approve=False)
    assert adapters.push_answer(idp_okta, sent.ref) == Answer.DENIED


def test_it_reports_a_push_nobody_answered_in_time(idp_okta, idp_message) -> None:
    sent = adapters.send_push(idp_okta, JACK_LOGIN, idp_message)
    OktaPush.objects.filter(pk=transaction_of(sent)).update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    assert adapters.push_answer(idp_okta, sent.ref) == Answer.TIMED_OUT


def test_it_takes_the_lifetime_from_oktas_expiry(idp_okta, idp_message) -> None:
    okta_sandbox.set_push_lifetime(42)
    sent = adapters.send_push(idp_okta, JACK_LOGIN, idp_message)
    assert timedelta(seconds=37) < sent.lifetime <= timedelta(seconds=42)


def test_it_says_when_okta_no_longer_knows_a_push(idp_okta, idp_message) -> None:
    sent = adapters.send_push(idp_okta, JACK_LOGIN, idp_message)
    OktaPush.objects.filter(pk=transaction_of(sent)).delete()  # cancelled
    with pytest.raises(ProviderError, match="Okta no longer knows this push"):
        adapters.push_answer(idp_okta, sent.ref)


def test_it_refuses_a_reference_it_did_not_make(idp_okta) -> None:
    refs = ("", "a/b", "a/b/c/d", f"{JACK}/{JACK_PUSH}/..", f"{JACK}/./x", "https://e.example/x/y")
    for ref in refs:
        with pytest.raises(ProviderError, match="not an Okta push we sent"):
            adapters.push_answer(idp_okta, ref)


# -- people a push cannot reach ---------------------------------------------------------------


def test_it_refuses_a_user_with_no_factor(idp_okta, idp_message) -> None:
    with pytest.raises(NotEnrolled, match="has not enrolled any factor in Okta"):
        adapters.send_push(idp_okta, LEEDS_LOGIN, idp_message)


def test_it_refuses_a_locked_out_user(idp_okta, idp_message) -> None:
    with pytest.raises(LockedOut) as refused:
        adapters.send_push(idp_okta, LIAM_LOGIN, idp_message)
    assert refused.value.message.startswith(f"Okta has {LIAM_LOGIN}'s account locked out.")
    assert not OktaPush.objects.exists()


def test_it_refuses_a_user_with_only_sms_and_calls(idp_okta, idp_message) -> None:
    with pytest.raises(NoPushDevice, match="has no Okta Verify to push to"):
        adapters.send_push(idp_okta, KAVYA_LOGIN, idp_message)


def test_it_refuses_an_unknown_user(idp_okta, idp_message) -> None:
    with pytest.raises(NoSuchUser) as refused:
        adapters.send_push(idp_okta, "nobody@oakfield.example.com", idp_message)
    assert refused.value.message.startswith(
        "No Okta user has the sign-in name or email nobody@oakfield.example.com."
    )


def test_it_refuses_an_email_two_users_share_without_naming_them(idp_okta, idp_message) -> None:
    with pytest.raises(AmbiguousUser) as refused:
        adapters.send_push(idp_okta, SHARED_EMAIL, idp_message)
    assert refused.value.message.startswith(
        f"2 Okta users have the sign-in name or email {SHARED_EMAIL}"
    )
    for private in ("london", "leeds", RECEPTION_LONDON, RECEPTION_LEEDS):
        assert private not in refused.value.message.lower().replace(SHARED_EMAIL, "")
    assert not OktaPush.objects.exists()


def test_it_escapes_quotes_so_a_login_cannot_widen_the_search(idp_okta, idp_message) -> None:
    # Unescaped, this login would match every user. The sandbox reads no escaped
    # quote, so it refuses the search with Okta's 400 instead.
    with pytest.raises(ProviderError, match="Okta refused the request: Invalid search criteria"):
        adapters.send_push(idp_okta, 'x" or profile.login sw "', idp_message)
    assert not OktaPush.objects.exists()


# -- Okta down, slow, or answering what the sandbox never does ---------------------------------


def test_it_reports_an_okta_that_is_down(idp_okta, idp_closed_port) -> None:
    idp_okta.okta_org_url = f"http://127.0.0.1:{idp_closed_port}/sandbox/okta"
    with pytest.raises(ProviderError) as refused:
        adapters.test_connection(idp_okta)
    assert refused.value.message.startswith(
        f"Could not connect to Okta at http://127.0.0.1:{idp_closed_port}/sandbox/okta."
    )


def test_it_verifies_the_orgs_certificate(idp_okta, idp_tls_port) -> None:
    idp_okta.okta_org_url = f"https://127.0.0.1:{idp_tls_port}"
    with pytest.raises(ProviderError) as refused:
        adapters.test_connection(idp_okta)
    assert refused.value.message.startswith(
        f"The secure connection to https://127.0.0.1:{idp_tls_port} failed: its "
        "certificate could not be verified."
    )


def test_it_gives_up_on_an_okta_that_does_not_answer(
    idp_okta, idp_silent_port, idp_message, monkeypatch
) -> None:
    monkeypatch.setattr(okta, "TIMEOUT", (0.3, 0.3))
    idp_okta.okta_org_url = f"http://127.0.0.1:{idp_silent_port}"
    with pytest.raises(ProviderError, match=r"^Okta did not answer within 0\.3 seconds\."):
        adapters.send_push(idp_okta, JACK_LOGIN, idp_message)


ORG = "https://oakfield.okta.com"


@pytest.fixture
def mocked_org(idp_make, settings, monkeypatch):
    """An org at a public-looking name, resolved to a public address, mocked by
    `responses` (error shapes the sandbox never sends)."""
    monkeypatch.setattr(
        netsafe, "resolve", lambda host, port: [netsafe.ipaddress.ip_address("203.0.114.10")]
    )
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    with responses.RequestsMock() as mock:
        yield mock, idp_make("okta", save=False, okta_org_url=ORG, okta_api_token=SEED_TOKEN)


def test_it_words_an_html_error_page(mocked_org) -> None:
    mock, provider = mocked_org
    mock.get(f"{ORG}/api/v1/users", status=500, body="<html>Oops</html>", content_type="text/html")
    with pytest.raises(ProviderError) as refused:
        adapters.test_connection(provider)
    assert refused.value.message == (
        "Okta is having a problem (HTTP 500). Try again in a few minutes; Okta posts "
        "incidents at status.okta.com."
    )


def test_it_words_a_page_that_is_not_oktas_api(mocked_org) -> None:
    mock, provider = mocked_org
    mock.get(f"{ORG}/api/v1/users", status=404, body="<html>Not here</html>")
    with pytest.raises(ProviderError, match=f"{ORG} answered HTTP 404 with something other than"):
        adapters.test_connection(provider)


def test_it_explains_a_token_without_permission(mocked_org, idp_message) -> None:
    mock, provider = mocked_org
    mock.get(f"{ORG}/api/v1/users", json=[{"id": JACK, "status": "ACTIVE"}])
    mock.get(
        f"{ORG}/api/v1/users/{JACK}/factors",
        json=[
            {
                "id": JACK_PUSH,
                "factorType": "push",
                "status": "ACTIVE",
                "profile": {"name": "Pixel 7"},
            }
        ],
    )
    mock.post(
        f"{ORG}/api/v1/users/{JACK}/factors/{JACK_PUSH}/verify",
        status=403,
        json={
            "errorCode": "E0000006",
            "errorSummary": "You do not have permission to perform the requested action",
            "errorCauses": [],
        },
    )
    with pytest.raises(ProviderError) as refused:
        adapters.send_push(provider, JACK_LOGIN, idp_message)
    assert refused.value.message.startswith(
        "Okta refused: You do not have permission to perform the requested action. An API "
        "token can do what the admin who created it may do"
    )
    (search,) = [c.request for c in mock.calls if "search=" in c.request.url]
    assert search.headers["Authorization"] == f"SSWS {SEED_TOKEN}"


def test_it_never_follows_a_poll_link_to_another_host(mocked_org, idp_message) -> None:
    mock, provider = mocked_org
    mock.get(f"{ORG}/api/v1/users", json=[{"id": JACK, "status": "ACTIVE"}])
    mock.get(
        f"{ORG}/api/v1/users/{JACK}/factors",
        json=[{"id": JACK_PUSH, "factorType": "push", "status": "ACTIVE"}],
    )
    poll = f"https://elsewhere.example.net/api/v1/users/{JACK}/factors/{JACK_PUSH}/transactions/v2mst.abc"
    mock.post(
        f"{ORG}/api/v1/users/{JACK}/factors/{JACK_PUSH}/verify",
        status=201,
        json={"factorResult": "WAITING", "_links": {"poll": {"href": poll}}},
    )
    sent = adapters.send_push(provider, JACK_LOGIN, idp_message)
    assert sent.lifetime == timedelta(minutes=5)  # no expiresAt: Okta's default
    mock.get(
        f"{ORG}/api/v1/users/{JACK}/factors/{JACK_PUSH}/transactions/v2mst.abc",
        json={"factorResult": "SUCCESS"},
    )
    assert adapters.push_answer(provider, sent.ref) == Answer.APPROVED
    assert all(c.request.url.startswith(f"{ORG}/") for c in mock.calls)


def test_it_quotes_the_login_in_the_search_expression(mocked_org, idp_message) -> None:
    mock, provider = mocked_org
    mock.get(f"{ORG}/api/v1/users", json=[])
    with pytest.raises(NoSuchUser):
        adapters.send_push(provider, 'a"b\\c@oakfield.example.com', idp_message)
    (call,) = mock.calls
    assert call.request.params == {
        "search": 'profile.login eq "a\\"b\\\\c@oakfield.example.com" or '
        'profile.email eq "a\\"b\\\\c@oakfield.example.com"'
    }


def test_it_reads_the_number_where_either_of_oktas_apis_puts_it(mocked_org, idp_message) -> None:
    mock, provider = mocked_org
    poll = f"{ORG}/api/v1/users/{HARRY}/factors/{HARRY_PUSH}/transactions/v2mst.abc"
    challenges = [
        {"challenge": {"correctAnswer": 72}},  # the Factors API
        {"factor": {"_embedded": {"challenge": {"correctAnswer": 38}}}},  # Authentication API
        {"challenge": {"correctAnswer": "7; drop"}},  # not a number: none shown
    ]
    numbers = []
    for embedded in challenges:
        mock.get(f"{ORG}/api/v1/users", json=[{"id": HARRY, "status": "ACTIVE"}])
        mock.get(
            f"{ORG}/api/v1/users/{HARRY}/factors",
            json=[{"id": HARRY_PUSH, "factorType": "push", "status": "ACTIVE"}],
        )
        mock.post(
            f"{ORG}/api/v1/users/{HARRY}/factors/{HARRY_PUSH}/verify",
            status=201,
            json={
                "factorResult": "WAITING",
                "_links": {"poll": {"href": poll}},
                "_embedded": embedded,
            },
        )
        numbers.append(adapters.send_push(provider, HARRY_LOGIN, idp_message).number)
    assert numbers == ["72", "38", ""]


def test_it_refuses_a_redirect(mocked_org) -> None:
    mock, provider = mocked_org
    mock.get(f"{ORG}/api/v1/users", status=302, headers={"Location": "https://login.example.net/x"})
    with pytest.raises(
        ProviderError, match=r"answered with a redirect to https://login\.example\.net"
    ):
        adapters.test_connection(provider)


# -- the outbound guard -------------------------------------------------------------------------


def test_it_refuses_the_sandbox_address_where_private_addresses_are_not_allowed(
    idp_okta, idp_live, settings
) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    settings.HALO_SANDBOX = False
    with pytest.raises(ProviderError, match="“localhost” is not a public internet address"):
        adapters.test_connection(idp_okta)  # the live server's http://localhost:port/…
    port = idp_live.rsplit(":", 1)[1]
    idp_okta.okta_org_url = f"http://127.0.0.1:{port}/sandbox/okta"
    with pytest.raises(ProviderError, match="not an IP address"):
        adapters.test_connection(idp_okta)
    idp_okta.okta_org_url = "http://oakfield.okta.com"
    with pytest.raises(ProviderError, match="Okta is reached over https only"):
        adapters.test_connection(idp_okta)


def test_it_refuses_an_org_that_resolves_to_a_private_address(
    idp_okta, settings, monkeypatch
) -> None:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = False
    settings.HALO_SANDBOX = False
    asked: list[str] = []

    def resolve(host: str, port: int):
        asked.append(f"{host}:{port}")
        return [netsafe.ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(netsafe, "resolve", resolve)
    idp_okta.okta_org_url = "https://oakfield.okta.com"
    with pytest.raises(ProviderError) as refused:
        adapters.test_connection(idp_okta)
    assert refused.value.message.startswith(
        "oakfield.okta.com is a private network address, so MSP Process will not connect to it."
    )
    assert asked == ["oakfield.okta.com:443"]
