"""A tab Halo loads hidden costs no Halo call until the technician can see it.

Whether Halo loads a custom tab's iframe before the agent opens the tab is
unconfirmed (/work/shared/halo/README.md), so the sandbox can behave like a Halo that
does: with "preload_custom_tabs" on, a ticket opened on its Details tab loads our
iframe at once, hidden, and the tab strip shows it later without a reload. The tab
may answer its entry page then, but must not read the ticket from Halo until shown:
every hidden load would otherwise spend the customer's shared Halo rate limit.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, Request, expect

from integrations.sandbox import services as sandbox
from tests.e2e.conftest import Site, Workspace

pytestmark = pytest.mark.django_db(transaction=True)

TICKET = 1001  # Alice Morgan's (user 201)
# How long a wrongly eager tab gets to call Halo: an absence can only be shown over
# a window, and the tab's own first load takes a few hundred milliseconds here.
GRACE_MS = 1500


class TabRequests:
    """The app's tab requests the browser makes, by what they ask for."""

    def __init__(self, page: Page, site: Site, tab_path: str) -> None:
        self.app = site.app
        self.tab_path = tab_path
        self.paths: list[str] = []
        page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if request.url.startswith(self.app):
            path = urlsplit(request.url).path
            if path.startswith(self.tab_path):
                self.paths.append(path.removeprefix(self.tab_path))

    def count(self, sub_path: str) -> int:
        return self.paths.count(sub_path)


def halo_calls() -> dict[str, int]:
    """Every request the app made to the sandbox's Halo, the token endpoint included."""
    return sandbox.request_counts()


def test_it_makes_no_halo_call_for_a_hidden_tab_until_it_is_shown(
    page: Page, site: Site, tab_ready: Workspace
) -> None:
    tab = sandbox.custom_tab()
    assert tab is not None
    sandbox.set_preload_custom_tabs(True)
    # Nothing Halo answered in an earlier test may stand in for a read now (the
    # cache is the live server's too: it runs in this process).
    cache.clear()
    sandbox.clear_log()
    requests = TabRequests(page, site, urlsplit(tab_ready.conn.tenant.tab.url).path)

    # 1. The ticket opens on Details: our iframe loads at once, hidden.
    page.goto(site.ticket_url(TICKET, tab="details"))
    expect(page.locator("#panel-details")).to_be_visible()
    ours = page.locator(f'iframe[data-custom-tab-id="{tab.id}"]')
    expect(ours).to_be_hidden()
    frame = ours.element_handle().content_frame()
    assert frame is not None
    frame.wait_for_load_state("load")  # its entry page answered, tab.js has run
    assert frame.url.startswith(f"{site.app}/tab/"), frame.url
    expect(frame.locator("#tab-root")).to_have_attribute("data-ticket-id", str(TICKET))
    page.wait_for_timeout(GRACE_MS)

    assert requests.count("") == 1, requests.paths  # the entry page, once
    assert requests.count("ticket/") == 0, requests.paths
    assert halo_calls() == {}, halo_calls()
    expect(frame.locator("#ticket .loading")).to_have_count(1)
    expect(frame.locator("article.ticket")).to_have_count(0)

    # 2. The technician clicks our tab: the same iframe, now shown, reads the ticket.
    page.evaluate("window.notReloaded = true")
    strip = page.get_by_role("navigation", name="Ticket tabs")
    strip.get_by_role("link", name="MSP Process", exact=True).click()
    expect(page.locator("#msp-process-tab")).to_be_visible()
    expect(page.locator("#msp-process-tab")).to_have_attribute("data-custom-tab-id", str(tab.id))
    shown = page.frame_locator("#msp-process-tab")
    expect(shown.locator("article.ticket")).to_have_attribute("data-ticket-id", str(TICKET))
    expect(shown.locator(".contact-name")).to_contain_text("Alice Morgan")
    expect(page.locator("#panel-details")).to_be_hidden()

    assert page.evaluate("window.notReloaded") is True  # switched in place, as Halo's SPA
    assert requests.count("") == 1, requests.paths  # not loaded a second time
    assert requests.count("ticket/") == 1, requests.paths
    calls = halo_calls()
    assert calls.get("GET Tickets/{id}") == 1, calls
    assert calls.get("GET Users/{id}") == 1, calls

    # 3. Away and back: the tab keeps what it showed, and reads nothing again.
    strip.get_by_role("link", name="Details").click()
    expect(page.locator("#panel-details")).to_be_visible()
    expect(ours).to_be_hidden()
    strip.get_by_role("link", name="MSP Process", exact=True).click()
    expect(shown.locator("article.ticket")).to_have_attribute("data-ticket-id", str(TICKET))
    page.wait_for_timeout(GRACE_MS // 3)
    assert requests.count("ticket/") == 1, requests.paths
    assert halo_calls().get("GET Tickets/{id}") == 1, halo_calls()
    assert page.url.endswith(f"tab={tab.id}"), page.url


def test_it_loads_the_ticket_at_once_in_a_tab_preloaded_open(
    page: Page, site: Site, tab_ready: Workspace
) -> None:
    # The other half of the switch: preloading changes nothing for the tab that opens
    # shown, and the helpers' `?tab=msp` still finds it as #msp-process-tab.
    sandbox.set_preload_custom_tabs(True)
    page.goto(site.ticket_url(TICKET, tab="msp"))
    expect(page.locator("#panel-details")).to_be_hidden()
    tab = page.frame_locator("#msp-process-tab")
    expect(tab.locator("article.ticket")).to_have_attribute("data-ticket-id", str(TICKET))
    expect(tab.locator("#tab-who")).to_have_text("Priya Shah")
