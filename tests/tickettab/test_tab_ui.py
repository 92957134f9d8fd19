"""What the tab's partials say and carry for its browser behaviour (issue 12).

The browser half (the countdown ticking, Enter during a swap, the widths) is in
tests/e2e/test_tab_ui.py; here, what the server renders for it.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tickettab.models import Verification

pytestmark = pytest.mark.django_db(transaction=True)


def panel_of(body: str) -> str:
    """The #panel section alone (the history beside it repeats destinations)."""
    match = re.search(r'<section id="panel".*?</section>', body, re.S)
    assert match, body
    return match.group(0)


def cooldown_of(body: str) -> int:
    match = re.search(r'<section id="panel"[^>]*data-cooldown="(\d+)"', body)
    assert match, body
    return int(match.group(1))


def test_it_carries_the_resend_wait_and_says_it_is_per_contact(tab) -> None:
    body = tab.post("send/", {"method": "sms", "ticket_id": "1001"}).content.decode()
    assert 0 < cooldown_of(body) <= 30
    assert 'id="cooldown"' in body and "data-countdown" in body
    assert "per contact" in body
    assert "codes, secure links and pushes alike" in body

    # Another method to the same contact waits too, and the panel still says so.
    again = tab.post("send/", {"method": "email", "ticket_id": "1001"}).content.decode()
    assert "Wait" in again
    assert cooldown_of(again) > 0
    assert Verification.objects.count() == 1


def test_it_carries_no_wait_once_the_cooldown_is_over(tab) -> None:
    tab.post("send/", {"method": "link", "ticket_id": "1001"})
    v = Verification.objects.get()
    Verification.objects.filter(pk=v.pk).update(created=v.created - timedelta(seconds=31))
    body = tab.get(f"status/{v.pk}/").content.decode()
    assert cooldown_of(body) == 0
    assert 'id="cooldown"' not in body


def test_it_marks_the_send_buttons_for_the_countdown(tab) -> None:
    body = tab.get("ticket/?ticket_id=1001").content.decode()
    assert body.count("data-send") == 3
    assert cooldown_of(body) == 0
    # htmx's hx-disabled-elt would re-enable a button the countdown holds disabled.
    assert "hx-disabled-elt" not in body


def test_it_says_an_unknown_ticket_does_not_exist_in_halo(tab) -> None:
    body = tab.get("ticket/?ticket_id=99999").content.decode()
    assert "Ticket 99999 does not exist in Halo" in body
    assert "no record at" not in body
    assert "Try again" not in body  # asking Halo again cannot help


def test_it_refuses_a_send_for_an_unknown_ticket_in_words(tab) -> None:
    body = tab.post("send/", {"method": "sms", "ticket_id": "99999"}).content.decode()
    assert "Ticket 99999 does not exist in Halo" in body
    assert "no record at" not in body


def test_it_shows_an_override_as_an_override(tab) -> None:
    reason = "Called back on the documented number"
    body = tab.post("override/", {"ticket_id": "1001", "reason": reason}).content.decode()
    panel = panel_of(body)
    assert "shield-override" in panel and "data-override" in panel
    assert "Override" in panel
    assert "✔" not in panel  # not the tick of a code the caller proved


def test_it_shows_a_code_verification_without_the_override_mark(tab) -> None:
    from tests.factories import VerificationFactory

    VerificationFactory(tenant=tab.tenant, halo_user_id=201)
    body = tab.get("ticket/?ticket_id=1001").content.decode()
    panel = panel_of(body)
    assert 'data-state="green"' in panel
    assert "shield-override" not in panel and "data-override" not in panel


def test_it_says_where_a_pending_link_went_once(tab) -> None:
    body = tab.post("send/", {"method": "link", "ticket_id": "1001"}).content.decode()
    v = Verification.objects.get()
    panel = panel_of(body)
    assert panel.count(v.destination) == 1
    assert panel.count("Waiting") == 1
    assert 'hx-trigger="every 3s"' in panel


def test_it_says_where_a_pending_code_went_once(tab) -> None:
    body = tab.post("send/", {"method": "sms", "ticket_id": "1001"}).content.decode()
    v = Verification.objects.get()
    assert panel_of(body).count(v.destination) == 1


def test_it_gives_every_form_a_post_to_its_endpoint(tab) -> None:
    """Without htmx a form must POST where htmx would: never GET the code into a URL."""
    ticket = tab.get("ticket/?ticket_id=1001").content.decode()
    panel = tab.post("send/", {"method": "sms", "ticket_id": "1001"}).content.decode()
    forms = re.findall(r"<form\b[^>]*>", ticket + panel)
    assert len(forms) == 2  # the override and the code
    for form in forms:
        assert 'method="post"' in form, form
        action = re.search(r'action="([^"]+)"', form)
        hx_post = re.search(r'hx-post="([^"]+)"', form)
        assert action and hx_post and action.group(1) == hx_post.group(1), form
