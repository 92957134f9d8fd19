"""The Halo sandbox as a new user meets it: a SECOND tenant connected with no shell.

Initech is connected already (the `tab_ready` fixture, as the demo would). Globex's
admin then does everything a customer does in Halo and in MSP Process, in the
browser only: create an API application on the sandbox's Halo API page, paste its
values into our integration page, test the connection, copy the tab URL and secret,
add a custom tab in the sandbox. A sandbox ticket then shows both tenants' tabs side
by side, and each opens the ticket inside its iframe. Only the Globex tenant and its
admin are made in Python: that is our account managers' job, not Halo's.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from integrations.sandbox import seed
from tests.e2e.conftest import Site, Workspace, make_workspace
from tests.e2e.helpers import check_a11y, open_ticket, screenshot, sign_in
from tickettab.models import Tab

pytestmark = pytest.mark.django_db(transaction=True)

GLOBEX_TAB = "MSP Process (Globex)"


def create_halo_application(halo: Page, site: Site) -> dict[str, str]:
    """Configuration > Integrations > Halo API > New application; the values shown once."""
    halo.goto(f"{site.resource_server}/config/api/")
    halo.get_by_label("Application name").fill("MSP Process for Globex")
    halo.get_by_label("Agent to log in as").select_option(str(seed.DEFAULT_AGENT_ID))
    halo.get_by_label("all (every permission)").check()
    halo.get_by_role("button", name="Create application").click()
    expect(halo.get_by_role("heading", name=re.compile("created"))).to_be_visible()
    check_a11y(halo, "sandbox Halo API secret page")
    values = {
        name: halo.get_by_label(label, exact=True).input_value()
        for name, label in (
            ("resource_server", "Resource Server"),
            ("client_id", "Client ID"),
            ("client_secret", "Client Secret"),
        )
    }
    # As Halo shows it: the API's address, the sandbox's base then /api.
    assert values["resource_server"] == f"{site.resource_server}/api"
    return values


def copied(page: Page, field: str) -> str:
    page.locator(f"button[data-copy='{field}']").click()
    return page.evaluate("navigator.clipboard.readText()")


def test_it_connects_a_second_tenant_from_the_browser_alone(
    page: Page, context: BrowserContext, site: Site, tab_ready: Workspace
) -> None:
    globex = make_workspace("Globex", "globex")
    halo = context.new_page()

    # 1. In Halo: a new API application, its secret shown once.
    app = create_halo_application(halo, site)
    halo.goto(f"{site.resource_server}/config/api/")
    expect(halo.locator("#api-applications")).to_contain_text(app["client_id"])
    expect(halo.locator("#api-applications")).not_to_contain_text(app["client_secret"])
    check_a11y(halo, "sandbox Halo API page")
    screenshot(halo, "sandbox-halo-api", full_page=True)

    # 2. In MSP Process, as Globex's admin: paste the three values, test, copy the tab's.
    sign_in(page, site, globex.admin.username, globex.password)
    page.goto(f"{site.app}/t/globex/integration/")
    page.get_by_label("Resource Server").fill(app["resource_server"])
    page.get_by_label("Client ID").fill(app["client_id"])
    page.get_by_label("Client Secret").fill(app["client_secret"])
    page.get_by_role("button", name="Save and test the connection").click()
    expect(page.locator(".messages")).to_contain_text("connected to your Halo")
    expect(page.locator("#step-connection")).to_have_attribute("data-done", "true")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.app)
    tab_url, tab_secret = copied(page, "#tab-url"), copied(page, "#tab-secret")
    assert "$FAULTID" in tab_url and "$HMAC" in tab_url, tab_url

    # 3. In Halo: Configuration > Custom Tabs > a second tab, beside Initech's.
    halo.goto(f"{site.resource_server}/config/customtabs/")
    halo.get_by_label("Name", exact=True).fill(GLOBEX_TAB)
    halo.get_by_label("URL", exact=True).fill(tab_url)
    halo.get_by_label("Sequence").fill("1")
    halo.get_by_label("Secret", exact=True).fill(tab_secret)
    halo.get_by_role("button", name="Add tab").click()
    expect(halo.get_by_text(f"Custom tab “{GLOBEX_TAB}” added.")).to_be_visible()
    expect(halo.locator("#custom-tabs tbody tr")).to_have_count(2)
    expect(halo.locator("#custom-tabs")).not_to_contain_text(tab_secret)
    check_a11y(halo, "sandbox custom tabs page")

    # 4. A ticket: both tenants' tabs side by side, each opening the ticket signed in.
    initech_tab = open_ticket(halo, site, 1001)  # ?tab=msp: Initech's "MSP Process"
    expect(initech_tab.locator("#tab-who")).to_have_text("Priya Shah")
    tabs = halo.get_by_role("navigation", name="Ticket tabs")
    expect(tabs.get_by_role("link", name="MSP Process", exact=True)).to_be_visible()
    tabs.get_by_role("link", name=GLOBEX_TAB).click()
    expect(tabs.get_by_role("link", name=GLOBEX_TAB)).to_have_attribute("aria-current", "page")
    expect(halo.locator("#msp-process-tab")).to_have_attribute("title", GLOBEX_TAB)
    globex_tab = halo.frame_locator("#msp-process-tab")
    expect(globex_tab.locator("article.ticket")).to_have_attribute("data-ticket-id", "1001")
    expect(globex_tab.locator(".contact-name")).to_contain_text("Alice Morgan")
    expect(globex_tab.locator("#tab-who")).to_have_text("Priya Shah")
    screenshot(halo, "sandbox-ticket-two-tabs")

    # Each load was Globex's own, correctly signed; Initech's tab still works.
    assert Tab.objects.get(tenant=globex.tenant).seen_at is not None
    open_ticket(halo, site, 1001)
    assert tab_ready.conn.tenant.tab.seen_at is not None
