"""Browser tests: Debian's chromium, driven by Playwright, against a live server.

One live server answers on two host names: the app at 127.0.0.1 (PUBLIC_BASE_URL)
and the sandbox's Halo pages at localhost. Two sites, as in production, so the tab
is a cross-site iframe: its CSP frame-ancestors and its life without cookies are
exercised for real. `make e2e` runs these (tests/conftest.py skips them otherwise).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import BrowserContext, expect

from integrations import services
from integrations.models import HaloConnection
from integrations.sandbox import services as sandbox
from mspprocess.core.models import Membership, Tenant
from tests.conftest import LiveHalo
from tests.e2e.helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, VIEWPORT, Diagnostics

# Playwright's sync API runs an asyncio loop in the test's thread, and Django refuses
# ORM calls from a thread with a running loop. Ours are deliberate and synchronous:
# the loop only drives the browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Slow enough for the secure link's 3-second polling, fast enough to fail quickly.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)

DIAGNOSTICS = pytest.StashKey[Diagnostics]()
PASSWORD = "e2e-Pa55word-not-common"


# -- the browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Never a downloaded browser: Debian's chromium, with no network beyond loopback.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": VIEWPORT, "locale": "en-GB"}


@pytest.fixture(autouse=True)
def diagnostics(request: pytest.FixtureRequest) -> Diagnostics:
    """Collects console messages; pytest_runtest_makereport saves them on failure."""
    diag = Diagnostics(request.node.name)
    request.node.stash[DIAGNOSTICS] = diag
    return diag


@pytest.fixture(autouse=True)
def no_csp_violations(diagnostics: Diagnostics) -> Iterator[list[str]]:
    """Fails every browser test on a Content-Security-Policy violation, in any frame
    of any page of any context the diagnostics watch (`context`, and those a test
    launches itself and hands to `diagnostics.watch`).

    Violations are what the pages' `securitypolicyviolation` events report (helpers.
    REPORT_CSP). A frame-ancestors refusal fires no such event: Chromium only logs it
    in the framing page, which is how test_browser_security checks that a foreign
    site cannot frame the tab; under Halo, a refused tab fails to load, which every
    tab test sees.
    """
    yield diagnostics.csp_violations
    if diagnostics.csp_violations:
        pytest.fail("CSP violations:\n" + "\n".join(diagnostics.csp_violations), pytrace=False)


@pytest.fixture
def context(new_context: Any, diagnostics: Diagnostics) -> BrowserContext:
    # pytest-playwright's context, watched by our diagnostics. Its contexts are
    # off-the-record, which in Chromium also means third-party cookies are blocked.
    ctx = new_context()
    ctx.set_default_timeout(TIMEOUT_MS)
    diagnostics.watch(ctx)
    return ctx


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test with serialized_rollback reloads the data migrations' rows (the "Account
    # managers" group) at its start; after another transactional test has flushed the
    # database, Django's post_migrate has recreated content types under new ids and
    # the reload collides with them. Run such tests first, on the fresh database.
    def serialized(item: pytest.Item) -> bool:
        marker = item.get_closest_marker("django_db")
        return bool(marker and marker.kwargs.get("serialized_rollback"))

    items.sort(key=lambda item: not serialized(item))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    # During "call" (or a failed "setup") every fixture is still alive: the pages can
    # still be photographed before their contexts close.
    if report.failed and report.when in ("setup", "call"):
        diag = item.stash.get(DIAGNOSTICS, None)
        if diag is not None:
            saved = diag.save(ARTIFACTS)
            if saved:
                report.sections.append(("e2e artifacts", "\n".join(str(p) for p in saved)))


# -- the app and the sandbox --------------------------------------------------------------


@dataclass
class Site:
    """Where things are: the app (127.0.0.1) and the Halo sandbox (localhost)."""

    app: str
    halo: str
    resource_server: str
    client_id: str
    client_secret: str

    def ticket_url(self, ticket_id: int, **query: str) -> str:
        extra = "".join(f"&{k}={v}" for k, v in query.items())
        return f"{self.resource_server}/tickets/{ticket_id}/?agent=2{extra}"


@pytest.fixture
def site(live_server: Any, live_halo: LiveHalo, settings: Any) -> Site:
    # The live server listens on 127.0.0.1 under the name "localhost"; we take the
    # other name for the app, so that the app and Halo are two sites.
    port = live_server.thread.port
    app, halo = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    assert live_halo.url.startswith(halo), live_halo.url
    settings.PUBLIC_BASE_URL = app
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = True
    # Codes go to the sandbox's devices page, whatever the environment chose.
    settings.SMS_BACKEND = "integrations.sandbox.devices.SandboxSmsBackend"
    return Site(
        app=app,
        halo=halo,
        resource_server=live_halo.url,
        client_id=live_halo.client_id,
        client_secret=live_halo.client_secret,
    )


@dataclass
class Workspace:
    tenant: Tenant
    admin: User
    password: str

    @property
    def conn(self) -> HaloConnection:
        # Fresh from the database: the live server changes it behind our back.
        return HaloConnection.objects.get(tenant=self.tenant)


def make_workspace(name: str, slug: str) -> Workspace:
    tenant = Tenant.objects.create(name=name, slug=slug)
    admin = User.objects.create_user(f"admin@{slug}.example.com", f"admin@{slug}.example.com")
    admin.set_password(PASSWORD)
    admin.save()
    Membership.objects.create(tenant=tenant, user=admin, role=Membership.Role.ADMIN)
    return Workspace(tenant, admin, PASSWORD)


@pytest.fixture
def connected(site: Site, live_halo: LiveHalo) -> Workspace:
    """Initech, connected to the sandbox and tested, its custom tab not yet in Halo."""
    ws = make_workspace("Initech", "initech")
    conn = live_halo.connect(ws.tenant)
    assert services.test_connection(conn).ok, conn.last_error
    sandbox.remove_custom_tab()
    return ws


@pytest.fixture
def tab_ready(connected: Workspace) -> Workspace:
    """Initech with the sandbox's custom tab configured: tickets show our tab."""
    conn = connected.conn
    sandbox.configure_custom_tab(conn.tenant.tab.url, conn.tenant.tab.secret)
    return connected
