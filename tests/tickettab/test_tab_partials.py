"""The tab's partials against the Halo sandbox, over real HTTP."""

from __future__ import annotations

import re

import pytest

from integrations.sandbox import services as sandbox
from integrations.sandbox.models import SandboxTicket
from tests.csp import csp
from tests.factories import AdminMembershipFactory, TenantFactory
from tickettab.models import Note, Verification, VerificationSettings

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_shows_the_ticket_and_the_contact_from_halo(tab) -> None:
    sandbox.clear_log()
    response = tab.get("ticket/?ticket_id=1001")
    assert response.status_code == 200
    body = response.content.decode()
    user = sandbox_user(1001)
    assert user.name in body
    assert "Not verified" in body
    assert user.emailaddress not in body  # masked
    assert user.mobilenumber not in body
    assert "Set-Cookie" not in response.headers
    assert csp(response)["frame-ancestors"] == f"'self' {tab.conn.halo_origin}"
    counts = sandbox.request_counts()
    assert counts.get("GET Tickets/{id}") == 1
    assert counts.get("GET Users/{id}") == 1


def sandbox_user(ticket_id: int):
    from integrations.sandbox.models import SandboxUser

    return SandboxUser.objects.get(pk=SandboxTicket.objects.get(pk=ticket_id).user_id)


def test_it_leaves_custom_tab_seen_to_the_signed_load(tab) -> None:
    # A partial proves only a tab token, not that Halo's custom tab is set up right.
    tab.get("ticket/?ticket_id=1001")
    tab.conn.refresh_from_db()
    assert tab.conn.tenant.tab.seen_at is None


def test_it_keeps_the_ticket_context_briefly_and_masked(tab) -> None:
    from django.core.cache import cache

    user = sandbox_user(1001)
    tab.get("ticket/?ticket_id=1001")
    sandbox.clear_log()
    again = tab.get("ticket/?ticket_id=1001")
    assert user.name in again.content.decode()
    assert sandbox.request_counts() == {}  # served without asking Halo again
    cached = cache.get(f"tab:context:{tab.conn.pk}:{tab.conn.credentials_version}:1001")
    assert user.emailaddress not in repr(cached) and user.mobilenumber not in repr(cached)

    tab.get("ticket/?ticket_id=1001&fresh=1")  # "Refresh from Halo"
    assert sandbox.request_counts().get("GET Tickets/{id}") == 1
    sandbox.clear_log()
    tab.post("send/", {"method": "sms", "ticket_id": "1001"})
    assert sandbox.request_counts().get("GET Users/{id}") == 1  # sends read Halo afresh


def test_it_escapes_text_from_halo(tab) -> None:
    SandboxTicket.objects.filter(pk=1001).update(summary="<script>alert(1)</script> reset")
    body = tab.get("ticket/?ticket_id=1001").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; reset" in body


@pytest.mark.parametrize("raw", ["abc", "-5", "0", "1.5", "$FAULTID", ""])
def test_it_explains_a_bad_ticket_id(tab, raw) -> None:
    response = tab.get(f"ticket/?ticket_id={raw}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "ticket number" in body
    assert "Try again" in body


def test_it_explains_an_unknown_ticket(tab) -> None:
    body = tab.get("ticket/?ticket_id=424242").content.decode()
    # Asking Halo again cannot bring a ticket into being: no "Try again" (issue 12).
    assert "Ticket 424242 does not exist in Halo" in body and "Try again" not in body


def test_it_explains_a_ticket_without_an_end_user(tab) -> None:
    body = tab.get("ticket/?ticket_id=1015").content.decode()
    assert "This ticket has no end user in Halo" in body


def test_it_explains_halo_being_down(tab) -> None:
    sandbox.set_faults(status=500, status_count=None)
    response = tab.get("ticket/?ticket_id=1001")
    assert response.status_code == 200
    assert "Try again" in response.content.decode()


def test_it_disables_sms_for_a_contact_without_a_mobile(tab) -> None:
    body = tab.get("ticket/?ticket_id=1002").content.decode()
    assert "No mobile number in Halo" in body


def test_it_verifies_by_sms_end_to_end(tab, live_halo) -> None:
    user = sandbox_user(1001)
    response = tab.post("send/", {"method": "sms", "ticket_id": "1001"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Waiting for the caller" in body
    assert 'name="code"' in body
    code = sandbox.latest_code(user.mobilenumber)
    assert code and re.fullmatch(r"\d{6}", code)
    v = Verification.objects.get()
    response = tab.post("verify/", {"verification_id": v.pk, "code": code})
    body = response.content.decode()
    assert 'data-state="green"' in body
    assert "Verified" in body
    notes = [a for a in sandbox.posted_actions(1001) if "VERIFIED" in a["note"]]
    assert len(notes) == 1
    assert Note.objects.get().status == Note.Status.SENT


def test_it_shows_a_wrong_code_and_the_tries_left(tab) -> None:
    user = sandbox_user(1001)
    tab.post("send/", {"method": "sms", "ticket_id": "1001"})
    code = sandbox.latest_code(user.mobilenumber)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    v = Verification.objects.get()
    body = tab.post("verify/", {"verification_id": v.pk, "code": wrong}).content.decode()
    assert "4 tries left" in body
    assert 'aria-invalid="true"' in body


def test_it_verifies_while_halo_is_down_and_the_note_waits(tab) -> None:
    user = sandbox_user(1001)
    tab.post("send/", {"method": "sms", "ticket_id": "1001"})
    code = sandbox.latest_code(user.mobilenumber)
    sandbox.set_faults(status=503, status_count=None)
    v = Verification.objects.get()
    body = tab.post("verify/", {"verification_id": v.pk, "code": code}).content.decode()
    assert 'data-state="green"' in body
    note = Note.objects.get()
    assert note.status == Note.Status.PENDING and note.last_error


def test_it_shows_a_failed_sms_send(tab) -> None:
    sandbox.set_sms_failure(True)
    body = tab.post("send/", {"method": "sms", "ticket_id": "1001"}).content.decode()
    assert "The SMS was not sent" in body
    assert Verification.objects.get().status == Verification.Status.SEND_FAILED


def test_it_turns_green_when_the_link_is_confirmed(tab, client, mailoutbox) -> None:
    body = tab.post("send/", {"method": "link", "ticket_id": "1001"}).content.decode()
    v = Verification.objects.get()
    assert f"status/{v.pk}/" in body and 'hx-trigger="every 3s"' in body
    link = re.search(r"(/v/[\w-]+/)", mailoutbox[-1].body).group(1)

    # A mail scanner's GET changes nothing.
    assert "Yes, it's me contacting support" in client.get(link).content.decode()
    v.refresh_from_db()
    assert v.status == Verification.Status.PENDING

    client.post(link, {"answer": "yes"})
    body = tab.get(f"status/{v.pk}/").content.decode()
    assert 'data-state="green"' in body
    assert "every 3s" not in body  # polling stops


def test_it_turns_red_when_the_contact_denies(tab, client, mailoutbox) -> None:
    tab.post("send/", {"method": "link", "ticket_id": "1001"})
    v = Verification.objects.get()
    link = re.search(r"(/v/[\w-]+/)", mailoutbox[-1].body).group(1)
    client.post(link, {"answer": "no"})
    body = tab.get(f"status/{v.pk}/").content.decode()
    assert 'data-state="red"' in body
    assert "wasn" in body
    notes = [a["note"] for a in sandbox.posted_actions(1001)]
    assert any("POSSIBLE IMPERSONATION ATTEMPT" in n for n in notes)


def test_it_records_an_override(tab) -> None:
    short = tab.post("override/", {"ticket_id": "1001", "reason": "ok"}).content.decode()
    assert "at least 15 characters" in short
    body = tab.post(
        "override/", {"ticket_id": "1001", "reason": "Called back on the documented number"}
    ).content.decode()
    assert 'data-state="green"' in body
    assert "verified another way by Priya Shah" in body
    assert "Override" in body


def test_it_hides_disabled_methods(tab) -> None:
    VerificationSettings.objects.update_or_create(
        tenant=tab.tenant, defaults={"sms_enabled": False}
    )
    body = tab.get("ticket/?ticket_id=1001").content.decode()
    assert "Send code by SMS" not in body
    assert "Send code by email" in body


def test_it_keeps_another_tenants_verifications_out_of_reach(tab, client, live_halo) -> None:
    theirs = TenantFactory()
    their_conn = live_halo.connect(theirs)
    their_v = Verification.objects.create(
        tenant=theirs,
        halo_user_id=201,
        contact_name="X",
        ticket_id=1001,
        method="sms",
        agent_name="Y",
    )
    body = tab.get(f"status/{their_v.pk}/").content.decode()
    assert "no longer exists" in body
    body = tab.post("verify/", {"verification_id": their_v.pk, "code": "123456"}).content.decode()
    assert "no longer exists" in body
    # And our token does not open their tab.
    response = client.get(f"/tab/{their_conn.tenant.tab.key}/status/1/", HTTP_X_TAB_TOKEN=tab.token)
    assert response.status_code == 401


def test_it_sets_no_cookie_on_any_tab_response(tab, client) -> None:
    AdminMembershipFactory(tenant=tab.tenant)
    responses = [
        tab.get("ticket/?ticket_id=1001"),
        tab.post("send/", {"method": "email", "ticket_id": "1001"}),
        tab.post("verify/", {"verification_id": "1", "code": "000000"}),
        tab.post("override/", {"ticket_id": "1001", "reason": "x"}),
        client.get(f"/tab/{tab.conn.tenant.tab.key}/ticket/?ticket_id=1001"),  # 401
    ]
    for response in responses:
        assert "Set-Cookie" not in response.headers
        assert not response.cookies
        assert response["Cache-Control"] == "no-store"
