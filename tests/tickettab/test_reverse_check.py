"""The reverse check: the technician's word, sent to the contact's details in Halo."""

from __future__ import annotations

import pytest
from django.core import mail

from integrations.sandbox.models import SandboxMessage, SandboxUser
from tickettab.models import Note, Verification, VerificationSettings
from tickettab.reverse_check import WORDS

ALICE = 201


def send_word(tab, channel: str = "sms", ticket_id: str = "1001") -> str:
    return tab.post("word/", {"channel": channel, "ticket_id": ticket_id}).content.decode()


def the_word() -> Verification:
    return Verification.objects.get(method=Verification.Method.REVERSE)


def test_it_texts_the_word_and_shows_it_to_the_technician(tab) -> None:
    body = send_word(tab)
    v = the_word()
    assert v.word in WORDS
    assert f"data-word>{v.word}<" in body
    [sms] = SandboxMessage.objects.all()
    assert sms.to == "+61491570156"  # the mobile in Halo, never one the caller gives
    assert (
        f"Your technician Priya Shah from Acme IT is working on ticket #1001. They will "
        f"read you the word: {v.word}" in sms.body
    )


def test_it_emails_the_word(tab, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_word(tab, "email")
    v = the_word()
    [message] = mail.outbox
    assert message.to == ["alice.morgan@kestrel.example.com"]
    assert f"They will read you the word: {v.word}" in message.body


def test_it_never_turns_the_shield_green(tab) -> None:
    body = send_word(tab)
    assert 'data-state="grey"' in body
    ticket = tab.get("ticket/?ticket_id=1001").content.decode()
    assert 'data-state="grey"' in ticket
    assert "Technician&#x27;s word sent" in ticket or "Technician's word sent" in ticket


def test_it_records_the_word_in_a_note_that_says_it_verifies_nobody(tab) -> None:
    send_word(tab)
    note = Note.objects.get(verification=the_word())
    assert "Reverse check" in note.text and "does not verify the caller" in note.text
    assert the_word().word not in note.text  # the word is for the call, not the ticket


def test_it_leaves_a_pending_code_usable(tab) -> None:
    tab.post("send/", {"method": "email", "ticket_id": "1001"})
    send_word(tab)
    code = Verification.objects.get(method=Verification.Method.EMAIL)
    assert code.status == Verification.Status.PENDING


def test_it_counts_words_in_the_contacts_hourly_cap(tab) -> None:
    VerificationSettings.objects.update_or_create(
        tenant=tab.tenant, defaults={"contact_hourly_cap": 2}
    )
    send_word(tab)
    send_word(tab)
    body = send_word(tab)
    assert "2 codes, links or pushes in the last hour" in body
    assert Verification.objects.filter(method=Verification.Method.REVERSE).count() == 2


def test_it_refuses_a_channel_the_contact_has_no_details_for(tab) -> None:
    SandboxUser.objects.filter(pk=ALICE).update(emailaddress="")
    body = send_word(tab, "email")
    assert "no email address in Halo" in body
    assert not Verification.objects.exists()


@pytest.mark.parametrize("channel", ["", "push", "sms\x00", "x" * 5000])
def test_it_refuses_an_unknown_channel(tab, channel) -> None:
    response = tab.post("word/", {"channel": channel, "ticket_id": "1001"})
    assert response.status_code == 200
    assert "Choose how to send your word" in response.content.decode()
    assert not Verification.objects.exists()
