"""Onboarding in the browser: the account manager, the customer admin, the custom tab."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.mail import EmailMessage
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, expect

from mspprocess.core import services
from mspprocess.core.models import Membership, Tenant
from tests.e2e.conftest import PASSWORD, Site, Workspace
from tests.e2e.helpers import check_a11y, only_link, open_ticket, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SET_PASSWORD_LINK = r"http://127\.0\.0\.1:\d+/accounts/reset/[\w-]+/[\w-]+/"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_lets_an_account_manager_create_a_tenant_and_invite_its_admin(
    page: Page, site: Site, connected: Workspace, settings: Any, mailoutbox: list[EmailMessage]
) -> None:
    # `connected`: a second tenant further along, for the tenant list's picture.
    # serialized_rollback: the "Account managers" group comes from data migrations,
    # which earlier transactional tests flushed away.
    am = User.objects.create_user("dana", "dana@mspprocess.example.com", PASSWORD, is_staff=True)
    am.groups.add(Group.objects.get(name="Account managers"))
    # As in production: staff enter their authenticator's code after the password.
    settings.STAFF_REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=am, name="Authenticator app", confirmed=True)

    page.goto(f"{site.app}/admin/")
    check_a11y(page, "admin sign-in page")
    page.fill("#id_username", "dana")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/"))
    check_a11y(page, "staff two-factor page")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.get_by_label("6-digit code").fill(f"{totp.token():06d}")
    page.get_by_label("6-digit code").press("Enter")
    expect(page.locator("#user-tools")).to_contain_text("dana")

    page.goto(f"{site.app}/admin/mspprocess/tenant/add/")
    # Typed, not filled: the admin prepopulates the slug on key presses.
    page.locator("#id_name").press_sequentially("Globex")
    expect(page.locator("#id_slug")).to_have_value("globex")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("Globex")
    tenant = Tenant.objects.get(slug="globex")
    assert tenant.account_manager == am

    page.get_by_role("link", name="Invite the customer's admin").click()
    expect(page).to_have_url(re.compile(rf"/admin/mspprocess/tenant/{tenant.pk}/invite/$"))
    page.get_by_label("Customer admin's email").fill("Hank@Globex.example.com")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".messagelist")).to_contain_text(
        re.compile("invitation sent to hank@globex.example.com", re.IGNORECASE)
    )

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["hank@globex.example.com"]
    only_link(str(email.body), SET_PASSWORD_LINK)
    assert Membership.objects.get(tenant=tenant).role == Membership.Role.ADMIN

    page.goto(f"{site.app}/admin/mspprocess/tenant/")
    expect(page.locator("#result_list")).to_contain_text("Globex")
    screenshot(page, "admin-tenant-list")
    check_a11y(page, "admin tenant list")


def test_it_lets_the_customer_admin_set_a_password_and_connect_halo(
    page: Page, context: BrowserContext, site: Site, mailoutbox: list[EmailMessage]
) -> None:
    tenant = Tenant.objects.create(name="Globex", slug="globex")
    membership = services.invite(tenant, "hank@globex.example.com", Membership.Role.ADMIN, None)
    services.send_invitation(membership, None)
    link = only_link(str(mailoutbox[-1].body), SET_PASSWORD_LINK)

    page.goto(link)
    expect(page.get_by_role("heading", name="Set your password")).to_be_visible()
    check_a11y(page, "set-password page")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Your password is set")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()

    check_a11y(page, "sign-in page")
    page.fill("#id_username", "hank@globex.example.com")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Halo integration", exact=True).click()
    expect(page.get_by_role("heading", name="Halo integration")).to_be_visible()

    # A wrong secret: the page says what to do about it, in Halo's words.
    # As Halo shows it (Configuration > Integrations > Halo API): the base, then /api.
    page.get_by_label("Resource Server").fill(f"{site.resource_server}/api")
    page.get_by_label("Client ID").fill(site.client_id)
    page.get_by_label("Client Secret").fill("not-the-secret")
    page.get_by_role("button", name="Save and test the connection").click()
    expect(page.locator("#step-connection")).to_have_attribute("data-done", "false")
    error = page.locator("#connection-test .notice.error")
    expect(error).to_contain_text("Halo rejected the Client ID or Client Secret")
    expect(error).to_contain_text("generate a new secret")
    check_a11y(page, "integration page with a failed test")

    # Everything typed is kept but the secret: correcting the secret alone is enough.
    expect(page.get_by_label("Resource Server")).to_have_value(f"{site.resource_server}/api")
    page.get_by_label("Client Secret").fill(site.client_secret)
    page.get_by_role("button", name="Save and test the connection").click()
    expect(page.locator(".messages")).to_contain_text("connected to your Halo")
    for step in ("credentials", "connection", "permissions", "tabs_allowed"):
        expect(page.locator(f"#step-{step}")).to_have_attribute("data-done", "true")
    expect(page.locator("#step-tab_seen")).to_have_attribute("data-done", "false")

    # The copy buttons put exactly the stored values on the clipboard.
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.app)
    conn = tenant.halo_connection
    for field, expected in (
        ("#tab-url", conn.tenant.tab.url),
        ("#tab-secret", conn.tenant.tab.secret),
    ):
        expect(page.locator(field)).to_have_value(expected)
        page.locator(f"button[data-copy='{field}']").click()
        assert page.evaluate("navigator.clipboard.readText()") == expected
    check_a11y(page, "integration page")
    screenshot(page, "integration-page", full_page=True)


def test_it_shows_the_tab_in_a_halo_ticket_once_configured(
    page: Page, context: BrowserContext, site: Site, connected: Workspace
) -> None:
    sign_in(page, site, connected.admin.username, connected.password)
    page.goto(f"{site.app}/t/initech/integration/")
    tab_url = page.locator("#tab-url").input_value()
    tab_secret = page.locator("#tab-secret").input_value()

    # Configuration > Custom Tabs in the sandbox's Halo, as the customer would.
    halo = context.new_page()
    halo.goto(f"{site.resource_server}/config/customtabs/")
    halo.get_by_label("URL", exact=True).fill(tab_url)
    halo.get_by_label("Secret", exact=True).fill(tab_secret)
    halo.get_by_label("Enabled").check()
    halo.get_by_role("button", name="Add tab").click()
    expect(halo.get_by_text("Custom tab “MSP Process” added.")).to_be_visible()

    tab = open_ticket(halo, site, 1001)
    expect(tab.locator(".contact-name")).to_contain_text("Alice Morgan")
    expect(tab.locator("#tab-who")).to_have_text("Priya Shah")
    expect(tab.locator("#shield")).to_have_attribute("data-state", "grey")
    screenshot(halo, "halo-ticket-with-tab")

    page.reload()
    expect(page.locator("#step-tab_seen")).to_have_attribute("data-done", "true")
