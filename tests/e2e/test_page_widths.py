"""Every main page at 1280 px (issue 12): no horizontal scroll, as its user sees it.

The customer's workspace (as its admin, and its home as a technician), the sign-in
pages, the onboarding console (as an account manager past the TOTP check) and the
sandbox's Halo pages, each filled with what widens a page in real use: long names
and addresses, a dozen verifications, notes waiting for Halo, an audit trail. The
team page and the verification report are also checked at 1024 px, the other width
the issue names for them. A failure names the widest elements that stick out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from integrations.sandbox import devices
from integrations.sandbox import services as sandbox
from integrations.sandbox.models import SandboxApplication
from mspprocess.core import audit
from mspprocess.core.models import Membership, Tenant
from tests.e2e.conftest import PASSWORD, Site, Workspace
from tests.e2e.helpers import open_ticket, sign_in
from tests.factories import MembershipFactory, TenantFactory, UserFactory, VerificationFactory
from tickettab.models import Note, Verification

pytestmark = pytest.mark.django_db(transaction=True)

# The console's account managers are a group made by data migrations, which other
# transactional tests flush away: these tests reload them (and run first, conftest).
WITH_MIGRATED_DATA = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ADMIN, TECHNICIAN, ANONYMOUS = "admin", "technician", "anonymous"
STAFF, STAFF_BEFORE_CODE = "staff", "staff before the code"

LONG_TENANT = "Featherstonehaugh, Worthington & Cholmondeley Dental Practice Partnership"
ACCOUNT_MANAGER = ("dana", "Dana", "Montgomery-Featherstonehaugh")
TECHNICIAN_EMAIL = "technician@initech.example.com"

# (first name, last name, email, role, signed in before)
PEOPLE = [
    (
        "Maximilian Alexander",
        "Featherstonehaugh-Worthington",
        "maximilian.alexander.featherstonehaugh-worthington@initech-holdings.example.com",
        Membership.Role.ADMIN,
        True,
    ),
    (
        "Anna-Katharina",
        "Oberhollenzer-Schwarzenberger",
        "anna-katharina.oberhollenzer-schwarzenberger@support.initech.example.com",
        Membership.Role.TECHNICIAN,
        True,
    ),
    (
        "Siddharth",
        "Venkataraghavan",
        "siddharth.venkataraghavan@initech-managed-services.example.co.uk",
        Membership.Role.TECHNICIAN,
        False,
    ),
    (
        "",
        "",
        "helpdesk-out-of-hours-escalations@initech.example.com",
        Membership.Role.TECHNICIAN,
        False,
    ),
    ("Zoë", "O'Callaghan", "zoe.ocallaghan@initech.example.com", Membership.Role.ADMIN, True),
    (
        "Jean-Baptiste",
        "de la Tour d'Auvergne",
        "jb.delatourdauvergne@initech.example.fr",
        Membership.Role.TECHNICIAN,
        False,
    ),
]


@dataclass(frozen=True)
class Screen:
    name: str
    who: str
    path: str  # formatted with World's fields; under the sandbox's Halo if `halo`
    widths: tuple[int, ...] = (1280,)
    halo: bool = False
    with_tab: bool = False  # a Halo ticket showing our tab: wait for it to load


SCREENS = [
    # The customer's workspace (each app's workspace_urls, under /t/<slug>/).
    Screen("workspace picker", ADMIN, "/"),
    Screen("workspace home", ADMIN, "/t/{slug}/"),
    Screen("workspace home as technician", TECHNICIAN, "/t/{slug}/"),
    Screen("halo integration", ADMIN, "/t/{slug}/integration/"),
    Screen("set-up guide", ADMIN, "/t/{slug}/setup/?types=1"),
    Screen("team", ADMIN, "/t/{slug}/members/", widths=(1280, 1024)),
    Screen("team member removal", ADMIN, "/t/{slug}/members/{member}/remove/"),
    Screen("verification settings", ADMIN, "/t/{slug}/settings/"),
    # With the outbox of notes waiting for Halo at its top.
    Screen("verification report", ADMIN, "/t/{slug}/verifications/", widths=(1280, 1024)),
    Screen("verification dashboard", ADMIN, "/t/{slug}/verifications/dashboard/"),
    Screen("identity providers", ADMIN, "/t/{slug}/identity/"),
    Screen("add a Duo", ADMIN, "/t/{slug}/identity/new/duo/"),
    Screen("add an Okta", ADMIN, "/t/{slug}/identity/new/okta/"),
    Screen("audit trail", ADMIN, "/t/{slug}/audit/"),
    # Signing in.
    Screen("sign-in", ANONYMOUS, "/accounts/login/"),
    Screen("password reset", ANONYMOUS, "/accounts/password_reset/"),
    Screen("sign-up", ANONYMOUS, "/signup/"),
    Screen("staff two-factor", STAFF_BEFORE_CODE, "/accounts/2fa/?next=/admin/"),
    # The onboarding console (the Django admin), as an account manager.
    Screen("console home", STAFF, "/admin/"),
    Screen("console tenant list", STAFF, "/admin/mspprocess/tenant/"),
    Screen("console tenant page", STAFF, "/admin/mspprocess/tenant/{tenant_pk}/change/"),
    Screen("console new tenant", STAFF, "/admin/mspprocess/tenant/add/"),
    Screen("console invitation", STAFF, "/admin/mspprocess/tenant/{tenant_pk}/invite/"),
    Screen("console audit events", STAFF, "/admin/mspprocess/auditevent/"),
    Screen("console memberships", STAFF, "/admin/mspprocess/membership/"),
    Screen("console verifications", STAFF, "/admin/tickettab/verification/"),
    Screen("console notes", STAFF, "/admin/tickettab/note/"),
    # The sandbox's Halo pages (integrations/sandbox/urls.py), nobody signed in.
    Screen("halo tickets", ANONYMOUS, "/tickets/", halo=True),
    Screen(
        "halo ticket with the tab",
        ANONYMOUS,
        "/tickets/1001/?agent=2&tab=msp",
        halo=True,
        with_tab=True,
    ),
    Screen("halo custom tabs", ANONYMOUS, "/config/customtabs/", halo=True),
    Screen("halo custom tab", ANONYMOUS, "/config/customtabs/{custom_tab}/", halo=True),
    Screen("halo api applications", ANONYMOUS, "/config/api/", halo=True),
    Screen("halo api application", ANONYMOUS, "/config/api/{api_app}/", halo=True),
    Screen("halo devices", ANONYMOUS, "/devices/", halo=True),
    # The identity providers' sandboxes (issue 15): a person's phone, pushes waiting.
    Screen("duo devices", ANONYMOUS, "/sandbox/duo/devices/"),
    Screen("okta devices", ANONYMOUS, "/sandbox/okta/devices/"),
]


def cases() -> list[Any]:
    out = []
    for screen in SCREENS:
        marks = [WITH_MIGRATED_DATA] if screen.who in (STAFF, STAFF_BEFORE_CODE) else []
        for width in screen.widths:
            slug = re.sub(r"[^a-z0-9]+", "-", screen.name)
            out.append(pytest.param(screen, width, id=f"{slug}-{width}", marks=marks))
    return out


# -- the data that widens pages -----------------------------------------------------------


@dataclass
class World:
    slug: str
    tenant_pk: int
    member: int  # a long-named member, for the removal page
    custom_tab: int
    api_app: int
    account_manager: User
    technician: User


def person(first: str, last: str, email: str, signed_in: bool) -> User:
    when = timezone.now() - timedelta(days=3) if signed_in else None
    return UserFactory(
        username=email, email=email, first_name=first, last_name=last, last_login=when
    )


def fill_team(tenant: Tenant) -> int:
    first = None
    for first_name, last_name, email, role, signed_in in PEOPLE:
        m = MembershipFactory(
            tenant=tenant, user=person(first_name, last_name, email, signed_in), role=role
        )
        first = first or m.pk
    assert first is not None
    return first


def fill_verifications(tenant: Tenant) -> None:
    now = timezone.now()
    V = Verification
    rows = [
        (V.Method.SMS, V.Status.VERIFIED, "+44 •••• ••• 201", "", ""),
        (V.Method.EMAIL, V.Status.VERIFIED, "a•••••••••••••@k•••••••••••••.example.com", "", ""),
        (V.Method.LINK, V.Status.DENIED, "m•••••••••••••••••••••@h•••••••••••.example.net", "", ""),
        (
            V.Method.OVERRIDE,
            V.Status.OVERRIDE,
            "",
            "Called back on the number in our documentation; the caller knew the "
            "asset tag of their laptop and the name of their line manager.",
            "",
        ),
        (V.Method.SMS, V.Status.LOCKED, "+61 ••• ••• 156", "", ""),
        (V.Method.EMAIL, V.Status.EXPIRED, "s•••••••••••••••••••••@i•••••••••••••.co.uk", "", ""),
        (
            V.Method.SMS,
            V.Status.SEND_FAILED,
            "+1 (•••) •••-0123",
            "",
            "The SMS provider refused the message: the number is not a mobile number "
            "that can receive text messages (provider error 21614).",
        ),
        (V.Method.LINK, V.Status.PENDING, "j•••••••••••••••••••••••@i••••••••••••.fr", "", ""),
        (V.Method.EMAIL, V.Status.CANCELLED, "z•••••••••••@i••••••••••.example.com", "", ""),
        (V.Method.SMS, V.Status.VERIFIED, "+44 •••• ••• 777", "", ""),
        (
            V.Method.OVERRIDE,
            V.Status.OVERRIDE,
            "",
            "In person at the service desk with photo ID (passport) checked by two of us.",
            "",
        ),
        (V.Method.LINK, V.Status.VERIFIED, "h•••••••••••••••••••••••••@i•••••.example.com", "", ""),
        (V.Method.SMS, V.Status.DENIED, "+49 ••• •••••• 12", "", ""),
    ]
    contacts = [
        "Alice Morgan",
        "Bartholomew Featherstonehaugh-Worthington",
        "Anna-Katharina Oberhollenzer-Schwarzenberger",
        "Siddharth Venkataraghavan",
    ]
    agents = ["Priya Shah", "Maximilian Alexander Featherstonehaugh-Worthington", "Tom Fletcher"]
    for i, (method, status, destination, reason, error) in enumerate(rows):
        v = VerificationFactory(
            tenant=tenant,
            halo_user_id=201 + i,
            contact_name=contacts[i % len(contacts)],
            ticket_id=1_000_001 + i * 7919,
            method=method,
            status=status,
            destination=destination,
            reason=reason,
            error=error,
            agent_name=agents[i % len(agents)],
            created=now - timedelta(hours=5 * i),
        )
        if i < 5:  # the outbox: notes that gave up, and notes waiting for room
            failed = i % 2 == 0
            Note.objects.create(
                tenant=tenant,
                verification=v,
                ticket_id=v.ticket_id,
                text=f"Caller identity checked: {v.contact_name}",
                outcome=status,
                status=Note.Status.FAILED if failed else Note.Status.PENDING,
                attempts=8 if failed else 2,
                next_attempt_at=now + timedelta(minutes=10 * i),
                last_error=(
                    "Halo answered 403 Forbidden to POST /api/Actions: the API application "
                    "lacks the edit:tickets permission, or the agent it logs in as cannot "
                    "see this ticket's client (Featherstonehaugh, Worthington & Partners)."
                    if failed
                    else "Waiting for room in Halo's API limit."
                ),
            )


def fill_audit(tenant: Tenant, am: User) -> None:
    A = audit.AuditEvent.Action
    people = list(User.objects.filter(memberships__tenant=tenant))
    events = [
        (am, A.TENANT_CREATED, (), ""),
        (am, A.CONNECTION_CREDENTIALS_CHANGED, ("base_url", "client_id", "client_secret"), ""),
        (None, A.CONNECTION_TESTED, (), "connected"),
        (people[0], A.CONNECTION_TAB_KEY_ROTATED, (), ""),
        (people[1], A.INVITATION_SENT, (), people[2].email),
        (people[1], A.MEMBERSHIP_ADDED, (), f"{people[3].email} as Technician"),
        (people[2], A.MEMBERSHIP_ROLE_CHANGED, (), "Technician → Admin"),
        (
            people[0],
            A.SETTINGS_CHANGED,
            ("allowed_methods", "code_length", "link_expiry_minutes", "default_country"),
            "",
        ),
        (am, A.TENANT_STATUS_CHANGED, ("status",), "Onboarding → Active"),
        (people[4], A.MEMBERSHIP_REMOVED, (), "siddharth.venkataraghavan@initech.example.co.uk"),
        (am, A.CONNECTION_CALL_SHARE_CHANGED, ("call_share",), "25% → 40%"),
        (None, A.TENANT_ACTIVATED, (), ""),
    ]
    for actor, action, fields, detail in events:
        audit.record(tenant, actor, action, fields=fields, detail=detail)


def fill_console(am: User) -> None:
    """A dozen tenants on the console's list, long names among them."""
    names = [
        LONG_TENANT,
        "Kestrel Accountants LLP",
        "Harbour Dental Practice",
        "The Royal Borough of Kensington and Chelsea Community Trust",
        "Oberhollenzer-Schwarzenberger Rechtsanwälte und Steuerberater GmbH & Co. KG",
        "Acme IT Services",
    ]
    for i, name in enumerate(names):
        tenant = TenantFactory(name=name, account_manager=am if i % 2 else None)
        MembershipFactory(tenant=tenant, role=Membership.Role.ADMIN)


def fill_sandbox(ws: Workspace) -> tuple[int, int]:
    conn = ws.conn
    sandbox.configure_custom_tab(
        conn.tenant.tab.url,
        conn.tenant.tab.secret,
        name="MSP Process (Featherstonehaugh, Worthington & Cholmondeley)",
        sequence=1,
    )
    sandbox.create_application(
        "msp-process-featherstonehaugh-worthington-cholmondeley-dental-partnership",
        "a-secret-nobody-reads-here",
        name="MSP Process for Featherstonehaugh, Worthington & Cholmondeley Dental",
    )
    # The devices page: a text message and an HTML email, as the tab sends them.
    devices.SandboxSmsBackend().send(
        "+44 20 7946 0201", "Your MSP Process verification code is 482 913. It expires in 10 min."
    )
    mail = EmailMultiAlternatives(
        "Are you contacting Initech's service desk?",
        "Confirm it was you: http://127.0.0.1/v/" + "x" * 120 + "/",
        "MSP Process <no-reply@mspprocess.example.com>",
        ["alice.morgan@kestrel.example.com"],
    )
    link = "http://127.0.0.1/v/" + "x" * 120 + "/"
    mail.attach_alternative(
        f'<p>Confirm it was you:</p><p><a href="{link}">{link}</a></p>', "text/html"
    )
    devices.record(mail)
    tab = sandbox.custom_tab()
    assert tab is not None
    app = SandboxApplication.objects.order_by("id").first()
    assert app is not None
    return tab.pk, app.pk


@pytest.fixture
def world(tab_ready: Workspace) -> World:
    tenant = tab_ready.tenant
    am = User.objects.create_user(
        ACCOUNT_MANAGER[0],
        "dana.montgomery-featherstonehaugh@mspprocess.example.com",
        PASSWORD,
        first_name=ACCOUNT_MANAGER[1],
        last_name=ACCOUNT_MANAGER[2],
        is_staff=True,
    )
    tenant.account_manager = am
    tenant.save(update_fields=["account_manager"])
    member = fill_team(tenant)
    technician = User.objects.create_user(TECHNICIAN_EMAIL, TECHNICIAN_EMAIL, PASSWORD)
    Membership.objects.create(tenant=tenant, user=technician, role=Membership.Role.TECHNICIAN)
    # A second workspace for the admin: "/" then asks which one.
    other = TenantFactory(name=LONG_TENANT, slug="featherstonehaugh-worthington")
    Membership.objects.create(tenant=other, user=tab_ready.admin, role=Membership.Role.ADMIN)
    fill_verifications(tenant)
    fill_audit(tenant, am)
    fill_console(am)
    custom_tab, api_app = fill_sandbox(tab_ready)
    return World(
        slug=tenant.slug,
        tenant_pk=tenant.pk,
        member=member,
        custom_tab=custom_tab,
        api_app=api_app,
        account_manager=am,
        technician=technician,
    )


# -- signing in as the page's user ----------------------------------------------------------


def staff_sign_in(page: Page, site: Site, am: User, *, code: bool = True) -> None:
    """The console's sign-in: password, then the authenticator's code (TOTP)."""
    am.groups.add(Group.objects.get(name="Account managers"))
    device = TOTPDevice.objects.create(user=am, name="Authenticator app", confirmed=True)
    page.goto(f"{site.app}/admin/")
    page.fill("#id_username", am.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/"))
    if not code:
        return
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.get_by_label("6-digit code").fill(f"{totp.token():06d}")
    page.get_by_label("6-digit code").press("Enter")
    expect(page.locator("#user-tools")).to_contain_text(am.first_name)


def sign_in_as(page: Page, site: Site, who: str, ws: Workspace, world: World) -> None:
    if who == ADMIN:
        sign_in(page, site, ws.admin.username, PASSWORD)
    elif who == TECHNICIAN:
        sign_in(page, site, world.technician.username, PASSWORD)
    elif who in (STAFF, STAFF_BEFORE_CODE):
        staff_sign_in(page, site, world.account_manager, code=who == STAFF)
    else:
        assert who == ANONYMOUS, who


# -- measuring ---------------------------------------------------------------------------

# The elements that stick out past the viewport's right edge (the side that scrolls:
# the skip link waits off the left one), leaving out what an ancestor that scrolls or
# hides its overflow clips; of those, the outermost (whose parent stays inside), widest
# first: the ones to fix.
OVERFLOW = """
() => {
  const doc = document.documentElement;
  const limit = doc.clientWidth;
  // Whether an ancestor that scrolls or hides its overflow clips `el`. An absolutely
  // positioned element escapes every such ancestor below its containing block (a
  // visually hidden label in a scrolling table widens the page), a fixed one all.
  const clipped = (el) => {
    let position = getComputedStyle(el).position;
    for (let p = el.parentElement; p && p !== doc; p = p.parentElement) {
      const s = getComputedStyle(p);
      const contains = s.position !== "static" || s.transform !== "none";
      if (position === "fixed" && s.transform === "none") continue;
      if (position === "absolute" && !contains) continue;
      if (s.overflowX !== "visible") return true;
      position = s.position;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].slice(0, 3).map((c) => "." + c).join("");
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 6; e = e.parentElement) {
      parts.unshift(name(e));
      if (e.id) break;
    }
    return parts.join(" > ");
  };
  const out = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > limit + 0.5 && !clipped(el);
  };
  const wide = [...document.body.querySelectorAll("*")].filter(out);
  const outermost = wide.filter((el) => !wide.includes(el.parentElement));
  return {
    scrollWidth: doc.scrollWidth,
    clientWidth: limit,
    offenders: outermost
      .map((el) => {
        const r = el.getBoundingClientRect();
        return {element: path(el), left: Math.round(r.left), right: Math.round(r.right),
                width: Math.round(r.width)};
      })
      .sort((a, b) => b.width - a.width)
      .slice(0, 8),
  };
}
"""


def describe(found: dict[str, Any]) -> str:
    lines = [f"scrollWidth {found['scrollWidth']} > clientWidth {found['clientWidth']}"]
    for o in found["offenders"]:
        lines.append(f"  {o['element']}: {o['width']} px wide, from {o['left']} to {o['right']}")
    if not found["offenders"]:
        lines.append("  (no single element sticks out: a margin or a pseudo-element?)")
    return "\n".join(lines)


@pytest.mark.parametrize(("screen", "width"), cases())
def test_it_fits_the_page_without_horizontal_scroll(
    page: Page, site: Site, tab_ready: Workspace, world: World, screen: Screen, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    sign_in_as(page, site, screen.who, tab_ready, world)
    base = site.resource_server if screen.halo else site.app
    url = base + screen.path.format(**vars(world))
    if screen.with_tab:
        open_ticket(page, site, 1001)  # waits for the tab to show the ticket
    else:
        response = page.goto(url)
        assert response is not None and response.ok, (url, response and response.status)
    # Where the user meant to be: not a sign-in page or a 2FA step in between.
    assert page.url.split("?")[0] == url.split("?")[0], (url, page.url)
    expect(page.locator("h1").first).to_be_visible()

    found = page.evaluate(OVERFLOW)
    assert found["scrollWidth"] <= found["clientWidth"], (
        f"{screen.name} ({url}) scrolls sideways at {width} px:\n{describe(found)}"
    )
