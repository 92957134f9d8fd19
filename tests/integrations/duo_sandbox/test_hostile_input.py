"""No input to the Duo sandbox gives a 500 (shared strategies: tests/hostile.py).

Signed requests carry arbitrary parameters (NUL, huge and odd digits, long text);
unsigned ones arbitrary credentials and dates; the devices page arbitrary answers
and transaction ids. Every answer is one of Duo's (or the page's own 302/400/405).
"""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from integrations.duo_sandbox import seed
from integrations.duo_sandbox.models import DuoPush
from tests.hostile import ANY_INPUT, HOSTILE, HOSTILE_QUICK, TEXT
from tests.integrations.duo_sandbox.helpers import MOUNT, body, call

pytestmark = pytest.mark.django_db

PARAM_NAMES = (
    "username", "user_id", "factor", "device", "async", "pushinfo", "type",
    "display_username", "txid",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _seeded(db) -> None:
    seed.ensure_seeded()


def params() -> st.SearchStrategy[dict[str, str]]:
    keys = st.one_of(st.sampled_from(PARAM_NAMES), TEXT.filter(lambda s: "\x00" not in s))
    return st.dictionaries(keys, ANY_INPUT, max_size=5)


@HOSTILE
@given(path=st.sampled_from(["/auth/v2/preauth", "/auth/v2/auth"]), values=params())
def test_it_never_fails_on_signed_posts(client: Client, path: str, values) -> None:
    response = call(client, "POST", path, values)
    assert response.status_code in (200, 400)
    assert body(response)["stat"] in ("OK", "FAIL")


@HOSTILE
@given(values=params())
def test_it_never_fails_on_signed_status_queries(client: Client, values) -> None:
    response = call(client, "GET", "/auth/v2/auth_status", values)
    assert response.status_code in (200, 400, 401)
    assert body(response)["stat"] in ("OK", "FAIL")


@HOSTILE
@given(authorization=ANY_INPUT, date=ANY_INPUT, method=st.sampled_from(["GET", "POST"]))
def test_it_never_fails_on_odd_credentials(
    client: Client, authorization: str, date: str, method: str
) -> None:
    headers = {"Authorization": "Basic " + authorization, "Date": date, "X-Duo-Date": date}
    headers = {k: v for k, v in headers.items() if "\x00" not in v and "\n" not in v}
    path = "/auth/v2/check" if method == "GET" else "/auth/v2/preauth"
    response = client.generic(method, MOUNT + path, b"{}", headers=headers)
    assert response.status_code in (401, 405)


@HOSTILE_QUICK
@given(raw=st.binary(max_size=200))
def test_it_never_fails_on_odd_bodies(client: Client, raw: bytes) -> None:
    response = client.generic("POST", MOUNT + "/auth/v2/preauth", raw, "application/json")
    assert response.status_code == 401


@HOSTILE_QUICK
@given(txid=TEXT.filter(lambda s: s and "/" not in s), choice=ANY_INPUT)
def test_it_never_fails_on_odd_answers(client: Client, txid: str, choice: str) -> None:
    response = client.post(f"{MOUNT}/devices/{txid}/answer", {"answer": choice})
    assert response.status_code in (302, 400, 404)
    assert not DuoPush.objects.exclude(answer="").exists()
    assert client.get(f"{MOUNT}/devices/{txid}/answer").status_code in (404, 405)
