"""The tab as browsers constrain it: no third-party cookies, and framing by Halo only."""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, BrowserType, ConsoleMessage, Page, expect

from integrations.sandbox import customtab
from integrations.sandbox import services as sandbox
from tests.e2e.conftest import Site, Workspace
from tests.e2e.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    Diagnostics,
    open_ticket,
    read_sms_code,
    shield,
    tab_frame,
)
from tickettab.models import Tab

pytestmark = pytest.mark.django_db(transaction=True)

PROBE = "e2e-third-party-probe"

Launch = Callable[[bool], BrowserContext]


@pytest.fixture
def profile(
    browser_type: BrowserType, tmp_path: Path, diagnostics: Diagnostics
) -> Iterator[Launch]:
    """Chromium with a regular (not off-the-record) profile whose cookie setting is
    "Block third-party cookies" (True) or "Allow third-party cookies" (False)."""
    opened: list[BrowserContext] = []

    def launch(block: bool) -> BrowserContext:
        folder = tmp_path / ("block" if block else "allow")
        (folder / "Default").mkdir(parents=True)
        # What chrome://settings/cookies stores: 1 blocks third-party cookies, 0 allows.
        # (Off-the-record contexts, pytest-playwright's, block them by default.)
        prefs = {"profile": {"cookie_controls_mode": 1 if block else 0}}
        (folder / "Default" / "Preferences").write_text(json.dumps(prefs))
        ctx = browser_type.launch_persistent_context(
            str(folder), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=VIEWPORT
        )
        ctx.set_default_timeout(10_000)
        opened.append(diagnostics.watch(ctx))
        return ctx

    yield launch
    for ctx in opened:
        ctx.close()


def third_party_cookie_kept(page: Page, site: Site) -> bool:
    """Set a cookie from inside the tab's frame (a third party under Halo's page) and
    say whether the browser kept it. SameSite=None; Secure is what a third-party
    cookie needs; http://127.0.0.1 counts as secure."""
    tab_frame(page).evaluate(
        "name => { document.cookie = `${name}=1; SameSite=None; Secure; Path=/`; }", PROBE
    )
    return any(c["name"] == PROBE for c in page.context.cookies(site.app))


def test_it_works_with_third_party_cookies_blocked(
    profile: Launch, site: Site, tab_ready: Workspace
) -> None:
    # The probe can tell: where third-party cookies are allowed, it is kept.
    allowing = profile(False).new_page()
    open_ticket(allowing, site, 1001)
    assert third_party_cookie_kept(allowing, site)
    # Even where it could, the tab set no cookie of its own.
    assert [c["name"] for c in allowing.context.cookies(site.app)] == [PROBE]
    allowing.context.close()
    Tab.objects.filter(tenant_id=tab_ready.conn.tenant_id).update(seen_at=None)

    blocking = profile(True)
    page = blocking.new_page()
    tab = open_ticket(page, site, 1001)
    assert not third_party_cookie_kept(page, site)
    assert tab_ready.conn.tenant.tab.seen_at is not None  # "Custom tab seen" ticks all the same

    tab.get_by_role("button", name="Send code by SMS").click()
    expect(shield(tab)).to_have_attribute("data-state", "amber")
    tab.locator("#code").fill(read_sms_code(blocking, site, 201))
    tab.get_by_role("button", name="Check code").click()
    expect(shield(tab)).to_have_attribute("data-state", "green")


@pytest.fixture
def foreign_site() -> Iterator[Callable[[str], str]]:
    """Another site (not the tenant's Halo) serving one page that frames a URL."""
    framed: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            src = html.escape(framed["src"])
            body = (
                "<!doctype html><title>Not Halo</title><h1>Not Halo</h1>"
                f'<iframe id="msp-process-tab" title="MSP Process" src="{src}"></iframe>'
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep the test output for failures

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def page_framing(src: str) -> str:
        framed["src"] = src
        # localhost again, but another port: another origin than the sandbox's Halo.
        return f"http://localhost:{server.server_address[1]}/"

    yield page_framing
    server.shutdown()
    server.server_close()


def test_it_refuses_to_be_framed_by_a_site_that_is_not_the_tenants_halo(
    page: Page, site: Site, tab_ready: Workspace, foreign_site: Callable[[str], str]
) -> None:
    tab = sandbox.custom_tab()
    assert tab is not None
    # The very address the sandbox's Halo frames, signature included: only the
    # framing page differs.
    src = customtab.iframe_src(tab, 1001, 2)

    refusals: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "frame-ancestors" in message.text:
            refusals.append(message.text)

    page.on("console", on_console)
    page.goto(foreign_site(src))
    expect(page.get_by_role("heading", name="Not Halo")).to_be_visible()
    for _ in range(50):  # Chromium logs the refusal once the frame's reply arrives
        if refusals:
            break
        page.wait_for_timeout(100)
    assert refusals, "no console message about frame-ancestors"
    assert site.halo in refusals[0], refusals[0]
    expect(page.frame_locator("#msp-process-tab").locator("#tab-root")).to_have_count(0)
    frame = page.locator("#msp-process-tab").element_handle().content_frame()
    assert frame is not None and not frame.url.startswith(site.app), frame.url

    # The same address inside the sandbox's Halo renders: the refusal is the origin's.
    open_ticket(page, site, 1001)
