"""What the browser tests share: the browser's launch, diagnostics, axe, screenshots,
and the few steps every scenario takes (sign in, open a ticket, read a code)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Frame,
    FrameLocator,
    Page,
    expect,
)

if TYPE_CHECKING:
    from tests.e2e.conftest import Site

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
ARTIFACTS = ROOT / "test-results"

CHROMIUM = "/usr/bin/chromium"
# No sandbox (we run as root in containers), no GPU, and nothing that would reach
# beyond loopback: the machine has no other network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}

# Playwright's init scripts are not subject to the page's CSP and run in every frame
# (cross-site iframes included) before the page's own scripts: this listener reports
# every Content-Security-Policy violation to the console, which Diagnostics watches.
CSP_MARK = "Content Security Policy violation:"
REPORT_CSP = f"""
document.addEventListener("securitypolicyviolation", (e) => {{
  console.error({json.dumps(CSP_MARK)} + " " + e.effectiveDirective + " blocked "
    + (e.blockedURI || "(inline)") + " in " + e.documentURI
    + (e.sourceFile ? " at " + e.sourceFile + ":" + e.lineNumber : "")
    + (e.sample ? " sample: " + e.sample : ""));
}}, true);
"""


# -- diagnostics for failures ---------------------------------------------------------


class Diagnostics:
    """The console of every page of the watched contexts, and their pictures on failure.

    It also collects every Content-Security-Policy violation in any frame of any page
    of a watched context (`csp_violations`): the conftest fails the test on one.
    """

    def __init__(self, test_name: str) -> None:
        self.name = re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name).strip("-")
        self.contexts: list[BrowserContext] = []
        self.lines: list[str] = []
        self.csp_violations: list[str] = []

    def watch(self, context: BrowserContext) -> BrowserContext:
        self.contexts.append(context)
        context.add_init_script(REPORT_CSP)
        for page in context.pages:
            self._listen(page)
        context.on("page", self._listen)
        return context

    def _listen(self, page: Page) -> None:
        n = sum(len(c.pages) for c in self.contexts)
        label = f"page {n}"

        def on_console(m: ConsoleMessage) -> None:
            line = f"[{label} {page.url}] {m.type}: {m.text} ({m.location.get('url', '')})"
            self.lines.append(line)
            if m.text.startswith(CSP_MARK):
                self.csp_violations.append(line)

        page.on("console", on_console)
        page.on("pageerror", lambda e: self.lines.append(f"[{label} {page.url}] pageerror: {e}"))
        page.on(
            "requestfailed",
            lambda r: self.lines.append(
                f"[{label}] request failed: {r.method} {r.url} {r.failure}"
            ),
        )

    def console_text(self) -> str:
        return "\n".join(self.lines)

    def save(self, folder: Path) -> list[Path]:
        """Screenshots of every open page and the console log; never raises, so a
        diagnostic cannot hide the failure it documents."""
        out = folder / self.name
        saved: list[Path] = []
        try:
            out.mkdir(parents=True, exist_ok=True)
            log = out / "console.log"
            log.write_text(self.console_text() + "\n")
            saved.append(log)
        except OSError:
            return saved
        n = 0
        problems = []
        for context in self.contexts:
            for page in list(context.pages):
                n += 1
                path = out / f"page-{n}.png"
                try:
                    (out / f"page-{n}.url").write_text(page.url + "\n")
                    page.screenshot(path=str(path), full_page=True, timeout=5000)
                    saved.append(path)
                except Exception as e:  # a closed or crashed page: say so, go on
                    problems.append(f"page {n} ({page.url}): no screenshot: {e}")
        if problems:
            with log.open("a") as f:
                f.write("\n".join(problems) + "\n")
        return saved


# -- accessibility ---------------------------------------------------------------------

AXE = Axe()
FAILING_IMPACTS = ("serious", "critical")


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def check_a11y(target: Page | Frame, what: str, *, disable: Iterable[str] = ()) -> None:
    """Run axe-core on a page (or the tab's frame); fail on serious or critical findings.

    Every finding, whatever its impact, is written to test-results/a11y/ for review.
    """
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    disabled = list(disable)
    if disabled:
        options["rules"] = {rule: {"enabled": False} for rule in disabled}
    violations = AXE.run(target, options=options).response["violations"]
    folder = ARTIFACTS / "a11y"
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-")
    (folder / f"{slug}.txt").write_text(_describe(violations) + "\n")
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"axe found serious accessibility problems on {what}:\n" + _describe(
        failing
    )


# -- screenshots for docs/ ---------------------------------------------------------------


def screenshot(target: Page | Any, name: str, *, full_page: bool = False) -> Path:
    """A PNG for the README under docs/screenshots/; `target` is a page or a locator."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if isinstance(target, Page):
        target.evaluate("window.scrollTo(0, 0)")  # from its top (open_ticket scrolls)
        target.screenshot(path=str(path), full_page=full_page, animations="disabled")
    else:
        target.screenshot(path=str(path), animations="disabled")
    return path


# -- steps -------------------------------------------------------------------------------


def sign_in(page: Page, site: Site, username: str, password: str) -> None:
    page.goto(f"{site.app}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


def open_ticket(page: Page, site: Site, ticket_id: int) -> FrameLocator:
    """The sandbox's Halo ticket with our tab open, ready for a person's hand: the
    ticket loaded and settled by htmx (swapped-in buttons are inert until it settles,
    20 ms later), the tab's frame at the top of the window and taking the mouse."""
    page.goto(site.ticket_url(ticket_id, tab="msp"))
    tab = page.frame_locator("#msp-process-tab")
    settled = tab.locator("#ticket:not(.htmx-settling) article.ticket")
    expect(settled).to_have_attribute("data-ticket-id", str(ticket_id))
    _ready_for_the_mouse(page)
    return tab


def _ready_for_the_mouse(page: Page) -> None:
    """Scroll Halo's page to the tab's frame and wait until the frame gets the mouse.

    The tab is a cross-site frame, drawn by another renderer process. When Halo's page
    scrolls (as Playwright does to reach a button low in the window) Chromium may for
    a moment still send the mouse to Halo's page: the click lands on the <iframe>
    element and does nothing. With the frame at the top of the window its buttons need
    no scroll of Halo's page (the tab scrolls inside its frame, which moves nothing),
    and we move the mouse over the frame until it sees it, as a person would."""
    frame_element = page.locator("#msp-process-tab")
    frame_element.evaluate("f => f.scrollIntoView({block: 'start'})")
    frame = tab_frame(page)
    frame.evaluate(
        """() => { window.__e2ePointer = false;
          addEventListener("pointermove", () => { window.__e2ePointer = true; }, true); }"""
    )
    box = frame_element.bounding_box()
    assert box is not None
    for i in range(100):
        page.mouse.move(box["x"] + 2 + i % 2, box["y"] + 2)
        if frame.evaluate("() => window.__e2ePointer"):
            return
        page.wait_for_timeout(50)
    raise AssertionError("the tab's frame never received the mouse")


def tab_frame(page: Page) -> Frame:
    frame = page.locator("#msp-process-tab").element_handle().content_frame()
    assert frame is not None
    return frame


def shield(tab: FrameLocator) -> Any:
    return tab.locator("#shield")


def read_sms_code(context: BrowserContext, site: Site, user_id: int) -> str:
    """The newest code on the end user's devices page of the sandbox, as a person would."""
    devices = context.new_page()
    try:
        devices.goto(f"{site.resource_server}/devices/?user={user_id}")
        code = devices.locator(".hs-message-card[data-kind=sms] .hs-code output").first
        return code.inner_text().replace(" ", "")
    finally:
        devices.close()


def only_link(text: str, pattern: str) -> str:
    links = re.findall(pattern, text)
    assert len(set(links)) == 1, f"expected one link matching {pattern!r} in:\n{text}"
    return links[0]


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=str)
