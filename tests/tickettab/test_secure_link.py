from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import TenantFactory, VerificationFactory
from tickettab import codes
from tickettab.models import Note, Verification

pytestmark = pytest.mark.django_db


@pytest.fixture
def link():
    token = codes.new_link_token()
    v = VerificationFactory(
        tenant=TenantFactory(name="Acme IT"),
        method=Verification.Method.LINK,
        status=Verification.Status.PENDING,
        completed_at=None,
        link_hash=codes.hash_link_token(token),
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    return f"/v/{token}/", v


def test_it_asks_without_deciding_on_get(client, link) -> None:
    url, v = link
    for _ in range(3):  # scanners and previews may fetch it repeatedly
        response = client.get(url)
        assert response.status_code == 200
    body = response.content.decode()
    assert "Acme IT" in body
    assert "Yes, it's me contacting support" in body and "No, this wasn't me" in body
    v.refresh_from_db()
    assert v.status == Verification.Status.PENDING
    assert not Note.objects.exists()


def test_it_lets_browsers_send_an_origin_with_the_buttons(client, link) -> None:
    url, _ = link
    # "no-referrer" makes browsers post with "Origin: null", which CSRF refuses.
    policy = client.get(url).headers.get("Referrer-Policy", "")
    assert policy == "same-origin"


def test_it_confirms_on_yes(client, link) -> None:
    url, v = link
    response = client.post(url, {"answer": "yes"})
    assert "Thank you: confirmed" in response.content.decode()
    v.refresh_from_db()
    assert v.status == Verification.Status.VERIFIED


def test_it_records_a_denial_on_no(client, link) -> None:
    url, v = link
    response = client.post(url, {"answer": "no"})
    assert "someone may be pretending to be you" in response.content.decode()
    v.refresh_from_db()
    assert v.status == Verification.Status.DENIED
    assert "POSSIBLE IMPERSONATION ATTEMPT" in Note.objects.get(verification=v).text


def test_it_cannot_be_used_twice(client, link) -> None:
    url, v = link
    client.post(url, {"answer": "yes"})
    second = client.post(url, {"answer": "no"})
    assert second.status_code == 409
    v.refresh_from_db()
    assert v.status == Verification.Status.VERIFIED
    assert "already confirmed" in client.get(url).content.decode()


def test_it_refuses_an_expired_link(client, link) -> None:
    url, v = link
    Verification.objects.filter(pk=v.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url).status_code == 410
    assert client.post(url, {"answer": "yes"}).status_code == 409
    v.refresh_from_db()
    assert v.status != Verification.Status.VERIFIED


def test_it_ignores_an_answer_that_is_not_a_button(client, link) -> None:
    url, v = link
    assert client.post(url, {"answer": "maybe"}).status_code == 400
    v.refresh_from_db()
    assert v.status == Verification.Status.PENDING


def test_it_answers_404_to_an_unknown_token(client) -> None:
    assert client.get("/v/not-a-real-token/").status_code == 404
    assert client.post("/v/not-a-real-token/", {"answer": "yes"}).status_code == 404
