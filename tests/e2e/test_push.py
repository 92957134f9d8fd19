"""A push from the tab, approved by the caller on the Duo sandbox's devices page."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from identity.models import IdentityProvider, ProviderClient
from integrations.duo_sandbox import services as duo_sandbox
from integrations.duo_sandbox.seed import DEMO_IKEY, DEMO_SKEY
from tests.e2e.conftest import Site, Workspace
from tests.e2e.helpers import check_a11y, open_ticket, screenshot, shield, tab_frame

pytestmark = pytest.mark.django_db(transaction=True)

KESTREL = 12  # Alice Morgan's client in the Halo sandbox; Alice has Duo Mobile


@pytest.fixture
def kestrel_on_duo(tab_ready: Workspace, site: Site) -> Workspace:
    duo_sandbox.ensure_seeded()
    duo = IdentityProvider.objects.create(
        tenant=tab_ready.tenant,
        kind=IdentityProvider.Kind.DUO,
        name="Kestrel's Duo",
        duo_integration_key=DEMO_IKEY,
        duo_secret_key=DEMO_SKEY,
        duo_api_host=f"{site.app}/sandbox/duo",
    )
    ProviderClient.objects.create(
        tenant=tab_ready.tenant, provider=duo, halo_client_id=KESTREL, halo_client_name="Kestrel"
    )
    return tab_ready


def test_it_turns_green_when_the_caller_approves_the_push_on_their_phone(
    page: Page, context: BrowserContext, site: Site, kestrel_on_duo: Workspace
) -> None:
    tab = open_ticket(page, site, 1001)
    tab.get_by_role("button", name="Send a push to Duo Mobile").click()
    expect(shield(tab)).to_have_attribute("data-state", "amber")
    expect(shield(tab)).to_contain_text("Push sent")
    # No accessibility scan here: the panel re-renders every 2 s while the push waits,
    # and axe's scan of a frame whose DOM is swapped under it may never finish.
    screenshot(page.locator("#msp-process-tab"), "tab-push-pending")

    # Alice's phone: the sandbox's devices page, where the push names the MSP and ticket.
    phone = context.new_page()
    phone.goto(f"{site.app}/sandbox/duo/devices/")
    push = phone.locator("#user-DUSANDBOXALICE000201 article.push")
    expect(push).to_contain_text("Initech")
    expect(push).to_contain_text("1001")
    push.get_by_role("button", name="Approve").click()
    phone.close()

    # The tab polls the push and turns green by itself.
    expect(shield(tab)).to_have_attribute("data-state", "green")
    expect(shield(tab)).to_contain_text("approved a push")
    expect(tab.locator("#history tbody tr").first).to_contain_text("Verified")
    check_a11y(tab_frame(page), "tab after a push approved")  # settled: no more polling
    screenshot(page.locator("#msp-process-tab"), "tab-push-verified")
