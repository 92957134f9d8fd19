"""A push to Okta Verify: sent through the API, answered on the devices page,
polled through its transaction, as Okta documents the flow."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.okta_sandbox import services
from integrations.okta_sandbox.models import OktaPush
from integrations.okta_sandbox.seed import (
    HARRY,
    HARRY_PUSH,
    JACK,
    JACK_PUSH,
    KAVYA,
    LIAM,
    LIAM_PUSH,
)

pytestmark = pytest.mark.django_db(transaction=True)


def transaction_id(sent: dict) -> str:
    return sent["_links"]["poll"]["href"].rsplit("/", 1)[1]


def expire(sent: dict) -> None:
    past = timezone.now() - timedelta(seconds=1)
    OktaPush.objects.filter(pk=transaction_id(sent)).update(expires=past)


def test_it_sends_a_push_that_waits(okta) -> None:
    sent = okta.push(JACK, JACK_PUSH)
    assert sent["factorResult"] == "WAITING"
    assert sent["expiresAt"].endswith("Z")
    poll = sent["_links"]["poll"]
    assert poll["href"].startswith(f"{okta.api}/users/{JACK}/factors/{JACK_PUSH}/transactions/")
    assert poll["hints"]["allow"] == ["GET"]
    assert sent["_links"]["cancel"]["href"] == poll["href"]
    assert sent["_links"]["cancel"]["hints"]["allow"] == ["DELETE"]
    assert "_embedded" not in sent  # no number challenge was asked for
    polled = okta.poll(sent)
    assert polled["factorResult"] == "WAITING"
    assert polled["profile"]["credentialId"] == "jack.murphy@oakfield.example.com"


def test_it_turns_an_approval_on_the_devices_page_into_success(okta) -> None:
    sent = okta.push(JACK, JACK_PUSH)
    page = okta.devices_page()
    assert f'id="push-{transaction_id(sent)}"' in page
    assert "MSP Process tests" in page  # who asks: the caller's User-Agent
    answered = okta.tap(sent, "approve")
    assert answered.status_code == 302
    assert okta.poll(sent) == {"factorResult": "SUCCESS"}
    assert f'id="push-{transaction_id(sent)}"' not in okta.devices_page()


def test_it_turns_a_denial_into_rejected(okta) -> None:
    sent = okta.push(JACK, JACK_PUSH)
    okta.tap(sent, "deny")
    polled = okta.poll(sent)
    assert polled["factorResult"] == "REJECTED"
    assert polled["_links"]["verify"]["href"].endswith(f"/factors/{JACK_PUSH}/verify")


def test_it_times_out_an_unanswered_push(okta) -> None:
    services.set_push_lifetime(1)
    sent = okta.push(JACK, JACK_PUSH)
    assert okta.poll(sent)["factorResult"] == "WAITING"
    time.sleep(1.1)
    polled = okta.poll(sent)
    assert polled["factorResult"] == "TIMEOUT"
    assert "poll" not in polled["_links"]
    assert services.pending_pushes("jack.murphy@oakfield.example.com") == []


def test_it_takes_the_lifetime_from_the_setting_and_the_request(okta, settings) -> None:
    settings.OKTA_SANDBOX_PUSH_LIFETIME_SECONDS = 42
    sent = okta.push(JACK, JACK_PUSH)
    push = OktaPush.objects.get(pk=transaction_id(sent))
    assert round((push.expires - push.created).total_seconds()) == 42
    response = okta.post(f"users/{JACK}/factors/{JACK_PUSH}/verify", tokenLifetimeSeconds=7)
    push = OktaPush.objects.get(pk=transaction_id(response.json()))
    assert round((push.expires - push.created).total_seconds()) == 7
    for bad in ("0", "86401", "x", "\u0663"):
        response = okta.post(f"users/{JACK}/factors/{JACK_PUSH}/verify", tokenLifetimeSeconds=bad)
        assert response.status_code == 400
        assert response.json()["errorCode"] == "E0000001"


def test_it_ignores_an_answer_after_expiry(okta) -> None:
    sent = okta.push(JACK, JACK_PUSH)
    page = okta.devices_page()  # opened while the push still waited
    expire(sent)
    assert services.answer(transaction_id(sent), approve=True) == "TIMEOUT"
    assert okta.tap(sent, "approve", page=page).status_code == 302
    assert okta.poll(sent)["factorResult"] == "TIMEOUT"


def test_it_keeps_the_first_answer(okta) -> None:
    sent = okta.push(JACK, JACK_PUSH)
    page = okta.devices_page()
    okta.tap(sent, "deny", page=page)
    okta.tap(sent, "approve", page=page)  # the same page, a second tap
    assert services.answer(transaction_id(sent), approve=True) == "REJECTED"
    assert okta.poll(sent)["factorResult"] == "REJECTED"

    sent = okta.push(JACK, JACK_PUSH)
    page = okta.devices_page()
    okta.tap(sent, "approve", page=page)
    okta.tap(sent, "deny", page=page)
    assert okta.poll(sent) == {"factorResult": "SUCCESS"}


def test_it_sends_a_number_challenge_when_asked(okta) -> None:
    sent = okta.push(HARRY, HARRY_PUSH, number=True)
    correct = sent["_embedded"]["challenge"]["correctAnswer"]
    assert isinstance(correct, int) and 10 <= correct <= 99
    assert okta.poll(sent)["_embedded"]["challenge"]["correctAnswer"] == correct
    (pending,) = services.pending_pushes("harry.evans@oakfield.example.com")
    assert len(pending["choices"]) == 3 and correct in pending["choices"]
    page = okta.devices_page()
    for number in pending["choices"]:
        assert f'name="number" value="{number}"' in page
    okta.tap(sent, "approve", number=correct)
    assert okta.poll(sent) == {"factorResult": "SUCCESS"}


def test_it_rejects_a_wrong_number(okta) -> None:
    sent = okta.push(HARRY, HARRY_PUSH, number=True)
    correct = sent["_embedded"]["challenge"]["correctAnswer"]
    (pending,) = services.pending_pushes("harry.evans@oakfield.example.com")
    wrong = next(n for n in pending["choices"] if n != correct)
    okta.tap(sent, "approve", number=wrong)
    assert okta.poll(sent)["factorResult"] == "REJECTED"


def test_it_rejects_an_approval_without_the_number(okta) -> None:
    sent = okta.push(HARRY, HARRY_PUSH, number=True)
    assert services.answer(transaction_id(sent), approve=True) == "REJECTED"


def test_it_sends_a_standard_push_without_the_body(okta) -> None:
    sent = okta.push(HARRY, HARRY_PUSH)
    assert "_embedded" not in sent
    assert services.pending_pushes("harry.evans@oakfield.example.com")[0]["choices"] == []


def test_it_sends_a_standard_push_to_a_device_without_number_matching(okta) -> None:
    sent = okta.push(JACK, JACK_PUSH, number=True)
    assert "_embedded" not in sent


def test_it_refuses_a_push_to_a_locked_out_user(okta) -> None:
    response = okta.post(f"users/{LIAM}/factors/{LIAM_PUSH}/verify")
    assert response.status_code == 403
    assert response.json()["errorCode"] == "E0000069"
    assert services.pending_pushes("liam.obrien@oakfield.example.com") == []


def test_it_only_challenges_an_sms_only_user(okta) -> None:
    factors = okta.get(f"users/{KAVYA}/factors").json()
    assert not [f for f in factors if f["factorType"] == "push"]
    for factor in factors:
        response = okta.post(f"users/{KAVYA}/factors/{factor['id']}/verify")
        assert response.status_code == 200
        assert response.json()["factorResult"] == "CHALLENGE"
    sms = next(f for f in factors if f["factorType"] == "sms")
    response = okta.post(f"users/{KAVYA}/factors/{sms['id']}/verify", {"passCode": "123456"})
    assert response.status_code == 403
    assert response.json()["errorCode"] == "E0000068"
    assert services.pending_pushes("kavya.rao@oakfield.example.com") == []


def test_it_refuses_a_factor_pending_activation(okta) -> None:
    response = okta.post(f"users/{JACK}/factors/smsOakJackMobile0210/verify")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "E0000001"


def test_it_cancels_a_push(okta) -> None:
    sent = okta.push(JACK, JACK_PUSH)
    cancel = sent["_links"]["cancel"]["href"]
    assert okta.http.delete(cancel, headers=okta.headers()).status_code == 204
    assert okta.http.get(cancel, headers=okta.headers()).status_code == 404
    assert services.answer(transaction_id(sent), approve=True) is None


def test_it_answers_404_for_a_transaction_of_another_factor(okta) -> None:
    sent = okta.push(JACK, JACK_PUSH)
    response = okta.get(f"users/{HARRY}/factors/{HARRY_PUSH}/transactions/{transaction_id(sent)}")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "E0000007"


@pytest.mark.parametrize("body", ["{", "[1, 2]", '"text"', "\x00"])
def test_it_refuses_a_malformed_body(okta, body) -> None:
    response = okta.http.post(
        f"{okta.api}/users/{JACK}/factors/{JACK_PUSH}/verify",
        data=body.encode(),
        headers=okta.headers() | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "E0000003"


def test_it_refuses_a_number_challenge_flag_that_is_not_a_boolean(okta) -> None:
    response = okta.post(
        f"users/{HARRY}/factors/{HARRY_PUSH}/verify", {"useNumberMatchingChallenge": "yes"}
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "E0000001"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"users/{HARRY}"),
        ("DELETE", "users"),
        ("PUT", f"users/{HARRY}/factors"),
        ("GET", f"users/{HARRY}/factors/{HARRY_PUSH}/verify"),
        ("POST", f"users/{HARRY}/factors/{HARRY_PUSH}/transactions/v2mst.x"),
    ],
)
def test_it_answers_405_e0000022_for_a_wrong_method(okta, method, path) -> None:
    response = okta.http.request(method, f"{okta.api}/{path}", headers=okta.headers())
    assert response.status_code == 405
    assert response.json()["errorCode"] == "E0000022"
    assert "X-Rate-Limit-Limit" in response.headers
