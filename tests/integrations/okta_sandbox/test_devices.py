"""The devices page: each person's Okta Verify and the pushes waiting there."""

from __future__ import annotations

import pytest
import requests

from integrations.okta_sandbox.seed import HARRY, HARRY_PUSH, JACK, JACK_PUSH, RECEPTION_PUSH

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_says_when_nothing_is_waiting(okta) -> None:
    page = okta.devices_page()
    assert 'id="no-pushes"' in page
    for factor in (HARRY_PUSH, JACK_PUSH, RECEPTION_PUSH):
        assert f'id="device-{factor}"' in page
    assert "<script" not in page
    assert "csrfmiddlewaretoken" not in page


def test_it_lists_pushes_newest_first(okta) -> None:
    first = okta.push(JACK, JACK_PUSH)
    second = okta.push(JACK, JACK_PUSH)
    page = okta.devices_page()
    assert 'id="no-pushes"' not in page
    ids = [s["_links"]["poll"]["href"].rsplit("/", 1)[1] for s in (first, second)]
    assert page.index(f'id="push-{ids[1]}"') < page.index(f'id="push-{ids[0]}"')


def test_it_shows_who_asks(okta) -> None:
    okta.http.post(
        f"{okta.api}/users/{HARRY}/factors/{HARRY_PUSH}/verify",
        headers=okta.headers() | {"X-Forwarded-For": "203.0.113.7"},
    )
    page = okta.devices_page()
    assert "203.0.113.7" in page
    assert "MSP Process tests" in page
    assert "Oakfield Solicitors" in page


def test_it_answers_only_a_post_with_csrf(okta) -> None:
    sent = okta.push(JACK, JACK_PUSH)
    transaction_id = sent["_links"]["poll"]["href"].rsplit("/", 1)[1]
    url = f"{okta.devices_url}pushes/{transaction_id}/"
    assert requests.get(url, timeout=10).status_code == 405
    assert requests.post(url, data={"decision": "approve"}, timeout=10).status_code == 403
    assert okta.poll(sent)["factorResult"] == "WAITING"


def test_it_refuses_an_unknown_decision(okta) -> None:
    sent = okta.push(JACK, JACK_PUSH)
    assert okta.tap(sent, "maybe").status_code == 400
    assert okta.poll(sent)["factorResult"] == "WAITING"
