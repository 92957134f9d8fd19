from __future__ import annotations

import pytest
from django.test import Client

from integrations.duo_sandbox import services
from integrations.duo_sandbox.models import DuoUser
from integrations.duo_sandbox.seed import ALICE, DANIEL
from integrations.sandbox import seed as halo_seed
from tests.integrations.duo_sandbox.helpers import MOUNT, body, call

pytestmark = pytest.mark.django_db

DEVICES = MOUNT + "/devices/"
PUSH = {
    "factor": "push",
    "device": "auto",
    "username": ALICE,
    "async": "1",
    "pushinfo": "msp=Acme+IT&ticket=%231001+Password+reset",
    "type": "Identity check",
}


def send(client: Client) -> str:
    return body(call(client, "POST", "/auth/v2/auth", PUSH))["response"]["txid"]


def test_it_says_when_nothing_is_pending(client: Client) -> None:
    page = client.get(DEVICES).content.decode()
    assert "No pending pushes." in page
    assert "Alice Morgan" in page
    assert "SMS and calls only" in page  # Ben
    assert "No device enrolled." in page  # Chloe


def test_it_shows_a_pending_push_with_who_asks(client: Client) -> None:
    older, newer = send(client), send(client)
    page = client.get(DEVICES).content.decode()
    assert "Identity check request from MSP Process (Kestrel Logistics)" in page
    assert "#1001 Password reset" in page and "Acme IT" in page
    assert page.index(newer) < page.index(older)  # newest first
    assert 'name="csrfmiddlewaretoken"' in page


def test_it_answers_only_by_post(client: Client) -> None:
    txid = send(client)
    assert client.get(f"{DEVICES}{txid}/answer?answer=approve").status_code == 405
    assert [p.txid for p in services.pending_pushes(ALICE)] == [txid]
    assert client.post(f"{DEVICES}{txid}/answer", {"answer": "maybe"}).status_code == 400
    response = client.post(f"{DEVICES}{txid}/answer", {"answer": "approve"})
    assert response.status_code == 302
    assert services.pending_pushes(ALICE) == []
    again = client.post(f"{DEVICES}{txid}/answer", {"answer": "deny"}, follow=True)
    assert "Too late" in again.content.decode()


def test_it_refuses_an_answer_without_the_csrf_token(client: Client) -> None:
    txid = send(client)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"{DEVICES}{txid}/answer", {"answer": "approve"}).status_code == 403
    assert len(services.pending_pushes(ALICE)) == 1


def test_it_seeds_the_halo_sandboxs_kestrel_contacts() -> None:
    services.ensure_seeded()
    services.ensure_seeded()  # idempotent
    halo = {u[0]: f"{u[2]}.{u[3]}@{u[4]}".lower() for u in halo_seed.USERS}
    users = DuoUser.objects.order_by("halo_user_id")
    assert [(u.halo_user_id, u.username) for u in users] == [
        (i, halo[i]) for i in (201, 202, 203, 204)
    ]
    assert users.get(username=DANIEL).status == "locked out"
    assert {c[1] for c in halo_seed.CLIENTS if c[0] == 12} == {"Kestrel Logistics"}
