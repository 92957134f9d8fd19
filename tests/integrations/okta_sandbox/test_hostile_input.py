"""No input to the Okta sandbox gives a 500, and a refused input changes nothing.

Property-based, with the shared strategies (tests/hostile.py): ids and logins in
the address, query parameters, JSON bodies, the Authorization header and the
devices page's form get arbitrary text, digits of other scripts, NUL and control
characters, huge numbers and long strings. Every API answer is one of Okta's, as
JSON; the pages answer 302, 400, 403, 404 or 405.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.okta_sandbox import seed, services
from integrations.okta_sandbox.models import OktaApiToken, OktaPush
from integrations.okta_sandbox.seed import HARRY, HARRY_PUSH, SEED_TOKEN
from tests.hostile import ANY_INPUT, HOSTILE, HOSTILE_QUICK, JSON_VALUE, TEXT

pytestmark = pytest.mark.django_db

API = "/sandbox/okta/api/v1/"
AUTH = {"HTTP_AUTHORIZATION": f"SSWS {SEED_TOKEN}"}
API_ANSWERS = (200, 201, 204, 400, 401, 403, 404, 405)
KEYS = TEXT.filter(lambda s: "\x00" not in s)  # a query key with NUL never leaves a client
# What a path segment may hold once decoded: anything but "/" (which ends it).
SEGMENT = ANY_INPUT.filter(lambda s: s and "/" not in s)


@pytest.fixture(autouse=True)
def _seeded(db, settings) -> None:
    seed.ensure_seeded()
    # Many requests a test: the rate limit is tested in test_auth.py.
    settings.OKTA_SANDBOX_RATE_LIMIT = 10**6


def stored() -> list:
    return [
        list(OktaPush.objects.order_by("pk").values()),
        list(OktaApiToken.objects.order_by("pk").values()),
    ]


def assert_okta_answer(response) -> None:
    assert response.status_code in API_ANSWERS, response.content[:300]
    if response.status_code != 204:
        body = response.json()
        if response.status_code >= 400:
            assert body["errorCode"].startswith("E0000")
    assert "X-Rate-Limit-Remaining" in response.headers


def segment(value: str) -> str:
    return quote(value, safe="")


@HOSTILE
@given(key=SEGMENT)
def test_it_survives_any_user_id_or_login(client, key) -> None:
    for path in ("users/{}", "users/{}/factors", "users/{}/factors/" + HARRY_PUSH):
        assert_okta_answer(client.get(API + path.format(segment(key)), **AUTH))


@HOSTILE
@given(factor=SEGMENT, transaction=SEGMENT)
def test_it_survives_any_factor_or_transaction_id(client, factor, transaction) -> None:
    before = stored()
    base = f"{API}users/{HARRY}/factors/{segment(factor)}"
    assert_okta_answer(client.get(base, **AUTH))
    assert_okta_answer(client.get(f"{base}/transactions/{segment(transaction)}", **AUTH))
    assert_okta_answer(client.delete(f"{base}/transactions/{segment(transaction)}", **AUTH))
    known = f"{API}users/{HARRY}/factors/{HARRY_PUSH}/transactions/{segment(transaction)}"
    assert_okta_answer(client.get(known, **AUTH))
    assert stored() == before


@HOSTILE
@given(params=st.dictionaries(st.one_of(st.sampled_from(["search", "filter", "q"]), KEYS),
                              ANY_INPUT, max_size=3))  # fmt: skip
def test_it_survives_any_user_search(client, params) -> None:
    assert_okta_answer(client.get(API + "users", params, **AUTH))


@HOSTILE
@given(body=JSON_VALUE, lifetime=st.one_of(st.none(), ANY_INPUT))
def test_it_survives_any_verify_body(client, body, lifetime) -> None:
    query = "" if lifetime is None else "?tokenLifetimeSeconds=" + quote(lifetime, safe="")
    response = client.post(
        f"{API}users/{HARRY}/factors/{HARRY_PUSH}/verify{query}",
        json.dumps(body),
        content_type="application/json",
        **AUTH,
    )
    assert_okta_answer(response)


@HOSTILE
@given(raw=st.one_of(ANY_INPUT, st.binary(max_size=200)))
def test_it_survives_any_raw_body(client, raw) -> None:
    response = client.post(
        f"{API}users/{HARRY}/factors/{HARRY_PUSH}/verify",
        raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass"),
        content_type="application/json",
        **AUTH,
    )
    assert_okta_answer(response)


@HOSTILE
@given(header=ANY_INPUT)
def test_it_survives_any_authorization_header(client, header) -> None:
    for value in (header, f"SSWS {header}"):
        response = client.get(f"{API}users/{HARRY}", HTTP_AUTHORIZATION=value)
        assert_okta_answer(response)
        assert response.status_code == 401


@HOSTILE_QUICK
@given(
    method=st.sampled_from(["put", "patch", "delete", "post", "options"]),
    path=st.sampled_from(["users", f"users/{HARRY}", f"users/{HARRY}/factors", "x/y"]),
)
def test_it_answers_any_method_with_okta_json(client, method, path) -> None:
    response = getattr(client, method)(API + path, **AUTH)
    assert_okta_answer(response)


@HOSTILE
@given(
    transaction=SEGMENT,
    data=st.fixed_dictionaries({}, optional={"decision": ANY_INPUT, "number": ANY_INPUT}),
)
def test_it_survives_any_answer_on_the_devices_page(client, transaction, data) -> None:
    before = stored()
    response = client.post(f"/sandbox/okta/devices/pushes/{segment(transaction)}/", data)
    assert response.status_code == 404
    assert stored() == before


@HOSTILE
@given(data=st.fixed_dictionaries({}, optional={"decision": ANY_INPUT, "number": ANY_INPUT}))
def test_it_survives_any_form_for_a_waiting_push(client, data) -> None:
    services.reset()
    client.post(f"{API}users/{HARRY}/factors/{HARRY_PUSH}/verify",
                json.dumps({"useNumberMatchingChallenge": True}),
                content_type="application/json", **AUTH)  # fmt: skip
    push = OktaPush.objects.get()
    response = client.post(f"/sandbox/okta/devices/pushes/{push.pk}/", data)
    assert response.status_code in (302, 400)
    push.refresh_from_db()
    if push.result == OktaPush.SUCCESS:
        assert int(data["number"].strip()) == push.correct_answer
    assert client.get("/sandbox/okta/devices/").status_code == 200
