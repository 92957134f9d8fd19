"""A push from the tab, end to end: the tab, our Halo sandbox, and the Duo and Okta
sandboxes over HTTP (their devices answer through the sandboxes' own services)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from identity.models import IdentityProvider, ProviderClient
from integrations.duo_sandbox import services as duo_sandbox
from integrations.duo_sandbox.models import DuoPush
from integrations.duo_sandbox.seed import DEMO_IKEY, DEMO_SKEY
from integrations.okta_sandbox import services as okta_sandbox
from integrations.okta_sandbox.seed import SEED_TOKEN
from tests.factories import TenantFactory
from tests.tickettab.test_tab_entry import agent_token
from tickettab import push
from tickettab.models import Note, Verification

ALICE_TICKET, BEN_TICKET, CHLOE_TICKET, DANIEL_TICKET = 1001, 1016, 1005, 1006
HARRY_TICKET, JACK_TICKET, KAVYA_TICKET, LIAM_TICKET = 1009, 1010, 1011, 1012
HARBOUR_TICKET = 1002  # Emma, of Harbour Dental: no identity provider
KESTREL, OAKFIELD = 12, 14


@pytest.fixture
def providers(tab, live_server, sandbox_mounted) -> dict[str, IdentityProvider]:
    """Kestrel Logistics on the Duo sandbox, Oakfield Solicitors on the Okta sandbox."""
    duo_sandbox.ensure_seeded()
    okta_sandbox.ensure_seeded()
    duo = IdentityProvider.objects.create(
        tenant=tab.tenant,
        kind=IdentityProvider.Kind.DUO,
        name="Kestrel's Duo",
        duo_integration_key=DEMO_IKEY,
        duo_secret_key=DEMO_SKEY,
        duo_api_host=f"{live_server.url}/sandbox/duo",
    )
    okta = IdentityProvider.objects.create(
        tenant=tab.tenant,
        kind=IdentityProvider.Kind.OKTA,
        name="Oakfield's Okta",
        okta_org_url=f"{live_server.url}/sandbox/okta",
        okta_api_token=SEED_TOKEN,
    )
    ProviderClient.objects.create(
        tenant=tab.tenant, provider=duo, halo_client_id=KESTREL, halo_client_name="Kestrel"
    )
    ProviderClient.objects.create(
        tenant=tab.tenant, provider=okta, halo_client_id=OAKFIELD, halo_client_name="Oakfield"
    )
    return {"duo": duo, "okta": okta}


def send_push(tab, ticket_id: int) -> str:
    return tab.post("push/", {"ticket_id": str(ticket_id)}).content.decode()


def poll(tab, v: Verification) -> str:
    return tab.get(f"status/{v.pk}/").content.decode()


def the_push() -> Verification:
    return Verification.objects.get(method=Verification.Method.PUSH)


def test_it_offers_a_push_only_to_contacts_of_a_client_with_a_provider(tab, providers) -> None:
    kestrel = tab.get(f"ticket/?ticket_id={ALICE_TICKET}").content.decode()
    assert "Send a push to Duo Mobile" in kestrel
    oakfield = tab.get(f"ticket/?ticket_id={HARRY_TICKET}").content.decode()
    assert "Send a push to Okta Verify" in oakfield
    harbour = tab.get(f"ticket/?ticket_id={HARBOUR_TICKET}").content.decode()
    assert "Send a push" not in harbour
    # And the view refuses it too, not only the button's absence.
    body = send_push(tab, HARBOUR_TICKET)
    assert "has no identity provider connected" in body
    assert not Verification.objects.filter(method=Verification.Method.PUSH).exists()


def test_it_turns_green_when_the_caller_approves_a_duo_push(tab, providers) -> None:
    body = send_push(tab, ALICE_TICKET)
    assert 'data-state="amber"' in body and "Push sent" in body
    v = the_push()
    sent = DuoPush.objects.get(txid=v.provider_ref)
    # The push names the MSP and the ticket, as the caller sees it on their phone.
    shown = f"{sent.type} {sent.pushinfo}"
    assert "Acme IT" in shown and "1001" in shown
    assert 'data-state="amber"' in poll(tab, v)  # still waiting

    assert duo_sandbox.answer(v.provider_ref, approve=True)
    body = poll(tab, v)
    assert 'data-state="green"' in body and "approved a push" in body
    v.refresh_from_db()
    assert v.status == Verification.Status.VERIFIED
    note = Note.objects.get(verification=v)
    assert "VERIFIED" in note.text and "push to" in note.text


def test_it_warns_of_impersonation_when_the_caller_denies_the_push(tab, providers) -> None:
    send_push(tab, ALICE_TICKET)
    v = the_push()
    assert duo_sandbox.answer(v.provider_ref, approve=False)
    body = poll(tab, v)
    assert 'data-state="red"' in body and "denied the push" in body
    assert "Possible impersonation attempt" in body
    assert "IMPERSONATION" in Note.objects.get(verification=v).text


def test_it_records_a_push_nobody_answered_as_expired(tab, providers) -> None:
    send_push(tab, ALICE_TICKET)
    v = the_push()
    Verification.objects.filter(pk=v.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = poll(tab, v)
    assert 'data-state="grey"' in body
    v.refresh_from_db()
    assert v.status == Verification.Status.EXPIRED
    assert not Note.objects.filter(verification=v).exists()


def test_it_never_turns_green_for_an_approval_after_the_push_expired(tab, providers) -> None:
    send_push(tab, ALICE_TICKET)
    v = the_push()
    Verification.objects.filter(pk=v.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    duo_sandbox.answer(v.provider_ref, approve=True)
    assert 'data-state="green"' not in poll(tab, v)
    v.refresh_from_db()
    assert v.status == Verification.Status.EXPIRED


def test_it_records_one_answer_when_polled_twice(tab, providers) -> None:
    send_push(tab, ALICE_TICKET)
    v = the_push()
    duo_sandbox.answer(v.provider_ref, approve=True)
    poll(tab, v)
    # Another tab polling the same push, with the row it loaded before the answer.
    assert push.check_push(tab.tenant, v).status == Verification.Status.VERIFIED
    assert Note.objects.filter(verification=v).count() == 1


@pytest.mark.parametrize(
    ("ticket_id", "words"),
    [
        (CHLOE_TICKET, "enrol"),
        (DANIEL_TICKET, "locked"),
        (BEN_TICKET, "push"),  # SMS and calls only: nothing to push to
        (KAVYA_TICKET, "push"),
        (LIAM_TICKET, "locked"),
    ],
)
def test_it_says_why_a_push_cannot_be_sent(tab, providers, ticket_id, words) -> None:
    body = send_push(tab, ticket_id)
    assert 'id="panel-error"' in body
    assert words in body.lower()
    v = the_push()
    assert v.status == Verification.Status.SEND_FAILED and v.error
    assert 'data-state="green"' not in body


def test_it_shows_the_number_the_caller_must_pick_in_okta_verify(tab, providers) -> None:
    body = send_push(tab, HARRY_TICKET)
    v = the_push()
    assert v.challenge and v.challenge.isdigit()
    assert f"data-challenge>{v.challenge}<" in body
    [waiting] = okta_sandbox.pending_pushes("harry.evans@oakfield.example.com")
    okta_sandbox.answer(waiting["id"], approve=True, number=int(v.challenge))
    assert 'data-state="green"' in poll(tab, v)
    assert f"number matching: {v.challenge}" in Note.objects.get(verification=v).text


def test_it_turns_red_when_the_caller_picks_another_number(tab, providers) -> None:
    send_push(tab, HARRY_TICKET)
    v = the_push()
    [waiting] = okta_sandbox.pending_pushes("harry.evans@oakfield.example.com")
    # Okta counts a wrong number as a rejection: someone was guessing.
    okta_sandbox.answer(waiting["id"], approve=True, number=(int(v.challenge) + 1) % 100)
    body = poll(tab, v)
    assert 'data-state="red"' in body and 'data-state="green"' not in body


def test_it_turns_green_when_the_caller_approves_an_okta_push(tab, providers) -> None:
    send_push(tab, JACK_TICKET)
    v = the_push()
    assert not v.challenge
    [waiting] = okta_sandbox.pending_pushes("jack.murphy@oakfield.example.com")
    okta_sandbox.answer(waiting["id"], approve=True)
    assert 'data-state="green"' in poll(tab, v)


def test_it_holds_pushes_to_the_same_cooldown_and_caps_as_codes(tab, providers) -> None:
    send_push(tab, ALICE_TICKET)
    body = send_push(tab, ALICE_TICKET)
    assert "was just sent" in body
    assert Verification.objects.filter(method=Verification.Method.PUSH).count() == 1
    # A code right after a push waits too: push bombing and code bombing are one limit.
    body = tab.post("send/", {"method": "sms", "ticket_id": str(ALICE_TICKET)}).content.decode()
    assert "was just sent" in body


def test_it_refuses_to_poll_another_workspaces_push(tab, providers, client, live_halo) -> None:
    send_push(tab, ALICE_TICKET)
    v = the_push()
    other = live_halo.connect(TenantFactory(name="Other MSP"))
    response = client.get(
        f"/tab/{other.tenant.tab.key}/status/{v.pk}/", HTTP_X_TAB_TOKEN=agent_token(other)
    )
    assert "no longer exists" in response.content.decode()
    assert "Push sent" not in response.content.decode()


def test_it_cancels_the_earlier_attempt_when_a_push_goes_out(tab, providers) -> None:
    tab.post("send/", {"method": "email", "ticket_id": str(ALICE_TICKET)})
    code = Verification.objects.get(method=Verification.Method.EMAIL)
    Verification.objects.filter(pk=code.pk).update(created=timezone.now() - timedelta(minutes=1))
    send_push(tab, ALICE_TICKET)
    code.refresh_from_db()
    assert code.status == Verification.Status.CANCELLED
    assert the_push().status == Verification.Status.PENDING


@pytest.mark.parametrize(
    ("path", "data"), [("push/", {}), ("word/", {"channel": "sms"})], ids=["push", "word"]
)
def test_it_refuses_sends_without_this_tabs_token(
    tab, providers, client, live_halo, path, data
) -> None:
    other = live_halo.connect(TenantFactory(name="Other MSP"))
    url = f"/tab/{tab.conn.tenant.tab.key}/{path}"
    form = {"ticket_id": str(ALICE_TICKET), **data}
    assert client.post(url, form).status_code == 401
    assert client.post(url, form, HTTP_X_TAB_TOKEN=agent_token(other)).status_code == 401
    assert not Verification.objects.exists()


def test_it_records_the_contacts_client_for_reports(tab, providers) -> None:
    send_push(tab, ALICE_TICKET)
    tab.post("word/", {"channel": "sms", "ticket_id": str(HARRY_TICKET)})
    assert the_push().halo_client_id == KESTREL
    assert the_push().client_name == "Kestrel Logistics"
    word = Verification.objects.get(method=Verification.Method.REVERSE)
    assert (word.halo_client_id, word.client_name) == (OAKFIELD, "Oakfield Solicitors")
