from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from identity import lookup
from integrations import services
from integrations.halo import budget, tokens
from integrations.halo.client import drop_shared_session
from integrations.models import HaloConnection
from integrations.sandbox import services as sandbox
from mspprocess.core.models import Membership, Tenant
from tests.factories import AdminMembershipFactory
from tests.integrations.sandbox.helpers import reload_urls

# Browser tests need Playwright and Chromium: `make e2e` runs them (E2E=1).
collect_ignore = [] if os.environ.get("E2E") else ["e2e"]


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(settings) -> Iterator[None]:
    # Real hashers cost ~0.3 s a login; the suite logs in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Notes are posted in a background thread in production; tests want them now
    # (tests/tickettab/test_outbox.py covers the thread).
    settings.OUTBOX_SEND_INLINE = True
    settings.HALO_KEEP_ALIVE = False
    cache.clear()
    tokens.forget_copies()
    budget.forget_reads()
    lookup.forget()
    yield
    cache.clear()
    tokens.forget_copies()
    budget.forget_reads()
    lookup.forget()
    # The Halo client keeps connections alive per thread; close them while the
    # live server that answered them still runs.
    drop_shared_session()


@pytest.fixture
def signed_in_admin(client) -> Membership:
    """A workspace admin, signed in on `client`."""
    m = AdminMembershipFactory(user__first_name="Alex", user__last_name="Lee")
    client.force_login(m.user)
    return m


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every function named test* is collected (pytest's default), so a misnamed test
    # is refused here rather than silently skipped.
    misnamed = [
        item.nodeid
        for item in items
        if isinstance(item, pytest.Function) and not item.originalname.startswith("test_it_")
    ]
    if misnamed:
        raise pytest.UsageError("Name every test test_it_*: " + ", ".join(misnamed))


@dataclass
class LiveHalo:
    """The Halo sandbox served by pytest-django's live server, over real HTTP."""

    url: str
    client_id: str
    client_secret: str

    def form(self, **overrides: str) -> dict[str, str]:
        """The integration page's form, filled in with this sandbox's credentials."""
        return {
            "resource_server": self.url + "/api",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "auth_server": "",
            "halo_tenant": "",
        } | overrides

    def connect(self, tenant: Tenant) -> HaloConnection:
        conn = services.connection_for(tenant)
        services.save_credentials(
            conn,
            {
                "resource_server": self.url,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
            by=None,
        )
        return conn


@pytest.fixture
def live_halo(live_server, settings) -> LiveHalo:
    settings.HALO_ALLOW_PRIVATE_ADDRESSES = True
    settings.HALO_BACKOFF_SECONDS = 0
    sandbox.ensure_seeded()
    secret = secrets.token_urlsafe(24)
    sandbox.create_application("live-test-client", secret, permissions=("all",))
    sandbox.set_custom_tabs_allowed(True)
    return LiveHalo(f"{live_server.url}/sandbox/halo", "live-test-client", secret)


@pytest.fixture
def sandbox_mounted() -> Iterator[None]:
    """The Halo sandbox's URLs, even where HALO_SANDBOX is off (production-like runs)."""
    if settings.HALO_SANDBOX:
        yield
        return
    with override_settings(HALO_SANDBOX=True):
        reload_urls()
        yield
    reload_urls()
