"""Duo's FAIL replies for bad parameters, wrong methods and unknown transactions."""

from __future__ import annotations

import pytest
from django.test import Client

from integrations.duo_sandbox import services
from integrations.duo_sandbox.seed import ALICE
from tests.integrations.duo_sandbox.helpers import MOUNT, body, call

pytestmark = pytest.mark.django_db


def fail(response) -> tuple[int, int, str | None]:
    reply = body(response)
    assert reply["stat"] == "FAIL"
    return response.status_code, reply["code"], reply.get("message_detail")


def test_it_wants_a_username(client: Client) -> None:
    assert fail(call(client, "POST", "/auth/v2/preauth", {})) == (400, 40001, "username")
    assert fail(call(client, "POST", "/auth/v2/auth", {"factor": "push", "device": "auto"})) == (
        400,
        40001,
        "username",
    )


def test_it_answers_enroll_for_an_unknown_user(client: Client) -> None:
    response = call(client, "POST", "/auth/v2/preauth", {"username": "nobody@example.com"})
    assert body(response)["response"]["result"] == "enroll"


def test_it_refuses_an_unknown_txid(client: Client) -> None:
    response = call(client, "GET", "/auth/v2/auth_status", {"txid": "not-a-txid"})
    assert fail(response) == (400, 40002, "txid")
    assert fail(call(client, "GET", "/auth/v2/auth_status", {})) == (400, 40001, "txid")


def test_it_keeps_each_integrations_transactions_apart(client: Client) -> None:
    services.create_integration("DIOTHERINTEGRATION01", "o" * 40)
    started = call(
        client,
        "POST",
        "/auth/v2/auth",
        {"factor": "push", "device": "auto", "username": ALICE, "async": "1"},
    )
    txid = body(started)["response"]["txid"]
    other = call(
        client,
        "GET",
        "/auth/v2/auth_status",
        {"txid": txid},
        ikey="DIOTHERINTEGRATION01",
        skey="o" * 40,
    )
    assert fail(other) == (400, 40002, "txid")


def test_it_refuses_a_huge_pushinfo(client: Client) -> None:
    params = {"factor": "push", "device": "auto", "username": ALICE, "async": "1"}
    response = call(client, "POST", "/auth/v2/auth", params | {"pushinfo": "a=" + "x" * 20_000})
    assert fail(response) == (400, 40002, "pushinfo")
    assert services.pending_pushes() == []


def test_it_refuses_factors_it_does_not_model(client: Client) -> None:
    params = {"factor": "sms", "device": "auto", "username": ALICE}
    assert fail(call(client, "POST", "/auth/v2/auth", params)) == (400, 40002, "factor")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/auth/v2/preauth"),
        ("GET", "/auth/v2/auth"),
        ("POST", "/auth/v2/auth_status"),
        ("POST", "/auth/v2/check"),
    ],
)
def test_it_refuses_the_wrong_method(client: Client, method: str, path: str) -> None:
    response = client.generic(method, MOUNT + path)
    assert response.status_code == 405
    assert body(response)["stat"] == "FAIL"


def test_it_answers_an_unknown_route_in_duos_envelope(client: Client) -> None:
    response = client.get(MOUNT + "/auth/v2/nothing")
    assert (response.status_code, body(response)["stat"]) == (404, "FAIL")
