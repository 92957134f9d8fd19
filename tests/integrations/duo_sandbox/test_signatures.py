"""Requests signed as duo_client signs them, changed one part at a time: each change
is refused by the sandbox with Duo's 401."""

from __future__ import annotations

import email.utils
import time

import pytest
from django.test import Client
from duo_client.client import sign

from integrations.duo_sandbox.seed import ALICE, DEMO_IKEY, DEMO_SKEY
from tests.integrations.duo_sandbox.helpers import HOST, MOUNT, body, call

pytestmark = pytest.mark.django_db


def test_it_accepts_a_signed_request(client: Client) -> None:
    response = call(client, "POST", "/auth/v2/preauth", {"username": ALICE})
    assert response.status_code == 200
    assert body(response)["response"]["result"] == "auth"


def test_it_refuses_a_tampered_parameter(client: Client) -> None:
    response = call(
        client,
        "POST",
        "/auth/v2/preauth",
        {"username": ALICE},
        sent_params={"username": "ben.hughes@kestrel.example.com"},
    )
    assert response.status_code == 401
    assert body(response)["code"] == 40103
    get = call(client, "GET", "/auth/v2/auth_status", {"txid": "a"}, sent_params={"txid": "b"})
    assert (get.status_code, body(get)["code"]) == (401, 40103)


def test_it_refuses_a_signature_over_the_mounted_path(client: Client) -> None:
    # A real Duo serves /auth/v2/… at its root: the mount is not part of the signature.
    now = email.utils.formatdate()
    auth = sign(DEMO_IKEY, DEMO_SKEY, "GET", HOST, MOUNT + "/auth/v2/check", now, 5, {}, body="")
    response = client.get(MOUNT + "/auth/v2/check", headers={"Authorization": auth, "Date": now})
    assert (response.status_code, body(response)["code"]) == (401, 40103)


@pytest.mark.parametrize("minutes", [-6, 6, -60 * 24])
def test_it_refuses_a_stale_or_future_date(client: Client, minutes: int) -> None:
    date = email.utils.formatdate(time.time() + minutes * 60)
    response = call(client, "GET", "/auth/v2/check", date=date)
    assert response.status_code == 401
    reply = body(response)
    assert (reply["stat"], reply["code"]) == ("FAIL", 40103)


def test_it_allows_a_little_clock_skew(client: Client) -> None:
    date = email.utils.formatdate(time.time() - 120)
    assert call(client, "GET", "/auth/v2/check", date=date).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Basic " + "RElTQU5EQk9YS0VTVFJFTDAwMDE="},  # no ":signature"
    ],
)
def test_it_refuses_missing_or_unreadable_credentials(client: Client, headers) -> None:
    response = client.get(MOUNT + "/auth/v2/check", headers=headers)
    assert response.status_code == 401
    assert body(response) == {
        "stat": "FAIL",
        "code": 40101,
        "message": "Missing request credentials",
    }


def test_it_refuses_a_request_without_a_date(client: Client) -> None:
    signed = call(client, "GET", "/auth/v2/check")
    assert signed.status_code == 200
    response = client.get(
        MOUNT + "/auth/v2/check", headers={"Authorization": signed.request["HTTP_AUTHORIZATION"]}
    )
    assert response.status_code == 401


def test_it_answers_ping_without_a_signature(client: Client) -> None:
    response = client.get(MOUNT + "/auth/v2/ping")
    assert response.status_code == 200
    assert set(body(response)["response"]) == {"time"}
