"""The tab in a browser (issue 12): no native form submission, the resend countdown,
the override's own look, and the layout at the widths Halo gives the tab's frame.

Every test here fails on a Content-Security-Policy violation in any frame.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Frame, Page, Request, Route, expect

from tests.e2e.conftest import Site, Workspace
from tests.e2e.helpers import open_ticket, shield, tab_frame
from tests.factories import VerificationFactory
from tickettab.models import Verification

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = 201  # the end user of ticket 1001 (email and mobile in Halo)
BRAND = "rgb(31, 95, 191)"  # --brand: a primary button's background


def send_sms(page: Page, site: Site) -> Any:
    tab = open_ticket(page, site, 1001)
    tab.get_by_role("button", name="Send code by SMS").click()
    expect(shield(tab)).to_have_attribute("data-state", "amber")
    expect(tab.locator("#code")).to_be_visible()
    return tab


def test_it_never_submits_a_form_natively(
    page: Page, context: BrowserContext, site: Site, tab_ready: Workspace
) -> None:
    tab = send_sms(page, site)
    frame = tab_frame(page)
    entry_url = frame.url
    wrong = "987 650"

    requests: list[Request] = []

    def record(request: Request) -> None:
        requests.append(request)

    context.on("request", record)

    # A slow check: the answer is held while Enter is pressed again and again.
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    context.route(re.compile(r"/verify/$"), hold)
    tab.locator("#code").fill(wrong)
    tab.locator("#code").press("Enter")
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "htmx sent no check"
    tab.locator("#code").press("Enter")
    for route in held:
        route.continue_()
    context.unroute(re.compile(r"/verify/$"))
    # Enter again while the answer's panel is swapped in.
    tab.locator("#code").press("Enter")
    expect(tab.locator("#panel-error")).to_be_visible()

    # The moment between a swap and htmx processing the new form: a form no htmx
    # listener knows yet (a clone), submitted by Enter.
    frame.evaluate(
        """() => {
          const form = document.querySelector(".code-form");
          form.replaceWith(form.cloneNode(true));
        }"""
    )
    tab.locator("#code").fill(wrong)
    tab.locator("#code").press("Enter")
    page.wait_for_timeout(300)  # room for a navigation, were one to start

    assert tab_frame(page).url == entry_url
    digits = wrong.replace(" ", "")
    leaked = [r.url for r in requests if digits in r.url or "987+650" in r.url]
    assert not leaked, leaked
    assert all(r.method == "POST" for r in requests if "/verify/" in r.url)
    expect(shield(tab)).to_have_attribute("data-state", "amber")


def test_it_counts_the_resend_wait_down_on_every_send_button(
    page: Page, site: Site, tab_ready: Workspace
) -> None:
    page.clock.install()
    tab = send_sms(page, site)
    buttons = tab.locator("[data-send]")
    expect(buttons).to_have_count(3)
    for i in range(3):
        expect(buttons.nth(i)).to_be_disabled()
    note = tab.locator("#cooldown")
    expect(note).to_be_visible()
    expect(note).to_contain_text("per contact")
    first = int(note.locator("[data-countdown]").inner_text())
    assert 0 < first <= 30

    page.clock.run_for(3000)
    later = int(note.locator("[data-countdown]").inner_text())
    assert later < first
    for i in range(3):
        expect(buttons.nth(i)).to_be_disabled()

    page.clock.run_for(31_000)
    expect(note).to_be_hidden()
    for i in range(3):
        expect(buttons.nth(i)).to_be_enabled()


def test_it_shows_an_override_apart_and_steps_the_send_buttons_back(
    page: Page, site: Site, tab_ready: Workspace
) -> None:
    tab = open_ticket(page, site, 1001)
    sms = tab.get_by_role("button", name="Send code by SMS")
    expect(sms).to_have_css("background-color", BRAND)
    tab.get_by_text("Verified another way").click()
    tab.locator("#override-reason").fill("Called back on the number in our documentation")
    tab.locator("#override-reason").press("Enter")  # a newline in a textarea, no submit
    tab.get_by_role("button", name="Record override").click()
    expect(shield(tab)).to_have_attribute("data-state", "green")
    expect(shield(tab)).to_have_attribute("data-override", "")
    expect(shield(tab)).to_contain_text("Override")
    icon = tab.locator("#shield .shield-icon")
    expect(icon).not_to_have_css("background-color", "rgb(23, 111, 49)")  # not --ok
    expect(sms).not_to_have_css("background-color", BRAND)


def many_events(ws: Workspace, n: int = 20) -> None:
    for i in range(n):
        VerificationFactory(
            tenant=ws.tenant,
            halo_user_id=ALICE,
            ticket_id=1001,
            status=Verification.Status.DENIED if i % 3 else Verification.Status.OVERRIDE,
            method=Verification.Method.EMAIL if i % 3 else Verification.Method.OVERRIDE,
            destination="a•••••••••••••@k•••••••••••••.example.com",
            reason="" if i % 3 else "Called back on the documented number " * 3,
        )


def fits(frame: Frame) -> dict[str, int]:
    return frame.evaluate(
        """() => {
          const d = document.documentElement;
          const main = document.getElementById("main").getBoundingClientRect();
          return {scroll: d.scrollWidth, client: d.clientWidth, main: Math.round(main.right),
                  height: d.scrollHeight, view: d.clientHeight};
        }"""
    )


@pytest.mark.parametrize("width", [None, 600, 360])
def test_it_fits_the_frame_and_scrolls_inside(
    page: Page, site: Site, tab_ready: Workspace, width: int | None
) -> None:
    many_events(tab_ready)
    tab = open_ticket(page, site, 1001)
    expect(tab.locator("#history tbody tr")).to_have_count(20)
    if width:
        page.locator("#msp-process-tab").evaluate(f"f => {{ f.style.width = '{width}px'; }}")
        page.wait_for_function(
            f"() => document.getElementById('msp-process-tab').clientWidth <= {width}"
        )
    frame = tab_frame(page)
    size = fits(frame)
    assert size["scroll"] <= size["client"], size  # no horizontal scroll
    assert size["main"] >= size["client"] - 1, size  # no dead column on the right
    assert size["height"] > size["view"], size  # longer than the frame: it scrolls

    last = tab.locator("#history tbody tr").last
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport()
