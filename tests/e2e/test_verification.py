"""Verifying a caller from the tab inside a sandbox Halo ticket."""

from __future__ import annotations

import re
import time

import pytest
from django.core.mail import EmailMessage
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import Site, Workspace
from tests.e2e.helpers import (
    check_a11y,
    only_link,
    open_ticket,
    read_sms_code,
    screenshot,
    shield,
    tab_frame,
)

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = 201  # the end user of ticket 1001 (email and mobile in Halo)


def expect_note(page: Page, site: Site, ticket_id: int, text: str, timeout: float = 10) -> None:
    """The private note arrives on the ticket's Actions tab (reloading, as an agent would)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(site.ticket_url(ticket_id, tab="actions"))
        notes = page.locator(".hs-action")
        if notes.filter(has_text=text).count() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(250)
    note = notes.filter(has_text=text).first
    expect(note).to_be_visible()
    expect(note).to_contain_text("Hidden from user")


def link_in(mailoutbox: list[EmailMessage], site: Site, to: str) -> str:
    sent = [m for m in mailoutbox if m.to == [to]]
    assert sent, f"no email to {to}: {[m.to for m in mailoutbox]}"
    return only_link(str(sent[-1].body), rf"{re.escape(site.app)}/v/[\w-]+/")


def test_it_verifies_the_caller_with_a_code_sent_by_sms(
    page: Page, context: BrowserContext, site: Site, tab_ready: Workspace
) -> None:
    tab = open_ticket(page, site, 1001)
    tab.get_by_role("button", name="Send code by SMS").click()
    expect(shield(tab)).to_have_attribute("data-state", "amber")
    expect(tab.locator("#code")).to_be_focused()
    check_a11y(tab_frame(page), "tab with a code pending")
    screenshot(page.locator("#msp-process-tab"), "tab-pending")

    # The caller reads the code from their phone: the sandbox's devices page.
    code = read_sms_code(context, site, ALICE)
    tab.locator("#code").fill(f"{code[:3]} {code[3:]}")  # as read out, with a space
    tab.get_by_role("button", name="Check code").click()
    expect(shield(tab)).to_have_attribute("data-state", "green")
    expect(shield(tab)).to_contain_text("verified by a code sent by SMS")
    expect(tab.locator("#history tbody tr").first).to_contain_text("Verified")
    check_a11y(tab_frame(page), "tab verified")
    screenshot(page.locator("#msp-process-tab"), "tab-verified")

    expect_note(page, site, 1001, "Caller identity VERIFIED: Alice Morgan confirmed")


def test_it_verifies_the_caller_with_a_secure_link(
    page: Page,
    context: BrowserContext,
    site: Site,
    tab_ready: Workspace,
    mailoutbox: list[EmailMessage],
) -> None:
    tab = open_ticket(page, site, 1001)
    tab.get_by_role("button", name="Send secure link").click()
    expect(shield(tab)).to_have_attribute("data-state", "amber")
    expect(tab.locator(".pending")).to_contain_text("Waiting for the contact to answer")

    # pytest-django's test mailbox stands for Alice's inbox.
    contact = context.new_page()
    contact.goto(link_in(mailoutbox, site, "alice.morgan@kestrel.example.com"))
    expect(contact.get_by_role("heading", level=1)).to_contain_text("Are you contacting")
    check_a11y(contact, "secure-link page")
    screenshot(contact, "secure-link")
    contact.get_by_role("button", name="Yes, it's me contacting support").click()
    expect(contact.get_by_role("heading", level=1)).to_have_text("Thank you: confirmed")

    # No reload: the tab polls every 3 seconds while the link is pending.
    expect(shield(tab)).to_have_attribute("data-state", "green")
    expect(shield(tab)).to_contain_text("confirmed by the secure link")
    expect_note(page, site, 1001, "confirmed a secure link sent by email")

    # Another caller, on ticket 1002: the contact answers "No".
    tab = open_ticket(page, site, 1002)
    tab.get_by_role("button", name="Send secure link").click()
    expect(shield(tab)).to_have_attribute("data-state", "amber")
    contact.goto(link_in(mailoutbox, site, "emma.wilson@harbour.example.net"))
    contact.get_by_role("button", name="No, this wasn't me").click()
    expect(contact.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")

    expect(shield(tab)).to_have_attribute("data-state", "red")
    expect(shield(tab)).to_contain_text("The contact said it wasn't them")
    expect(tab.locator(".shield-icon")).to_have_css("background-color", "rgb(180, 35, 24)")
    check_a11y(tab_frame(page), "tab denied")
    screenshot(page.locator("#msp-process-tab"), "tab-denied")
    expect_note(page, site, 1002, "POSSIBLE IMPERSONATION ATTEMPT")


def test_it_locks_the_attempt_after_five_wrong_codes(
    page: Page, context: BrowserContext, site: Site, tab_ready: Workspace
) -> None:
    # With the keyboard only: the technician's hands stay on it during a call.
    tab = open_ticket(page, site, 1001)
    tab.get_by_role("button", name="Send code by SMS").focus()
    page.keyboard.press("Enter")
    expect(shield(tab)).to_have_attribute("data-state", "amber")
    code = read_sms_code(context, site, ALICE)
    wrong = "000000" if code != "000000" else "111111"

    for left in (4, 3, 2, 1, 0):
        expect(tab.locator("#code")).to_be_focused()  # after every answer, ready to type
        page.keyboard.type(wrong)
        page.keyboard.press("Enter")
        if left:
            expect(tab.locator("#panel-error")).to_contain_text(f"{left} tr")
            expect(tab.locator("#code")).to_have_attribute("aria-invalid", "true")

    expect(shield(tab)).to_have_attribute("data-state", "red")
    expect(shield(tab)).to_contain_text("Too many wrong codes")
    expect(tab.locator("#panel-error")).to_contain_text("this attempt is locked")
    expect(tab.locator("#code")).to_have_count(0)  # nothing left to type into
    expect_note(page, site, 1001, "verification FAILED: a wrong code was entered 5 times")
