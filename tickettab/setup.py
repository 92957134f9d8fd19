"""The set-up page's walk through the seed guide: four steps, each in Halo's own menu
words, each ticked from what we can observe rather than from a box the admin ticks.

The guide (DESIGN.md, "Onboarding, as the customer sees it"): create a Halo API
application, enter its three values here, add the custom tab to tickets, open a
ticket. The observations are the onboarding checklist's (tickettab/onboarding.py),
so this page, the integration page and the console can never disagree about a
workspace; the page groups them the way the admin works through them in Halo.
"""

from __future__ import annotations

from dataclasses import dataclass

from mspprocess.core.models import Tenant
from tickettab import onboarding
from tickettab.models import Tab


@dataclass(frozen=True)
class SetupStep:
    key: str
    title: str
    done: bool
    # What we saw: the checklist's words for it (a failure, who we signed in as).
    detail: str = ""
    failed: bool = False


@dataclass(frozen=True)
class SetupState:
    steps: list[SetupStep]

    @property
    def current(self) -> SetupStep | None:
        """The first step not done; None when set-up is complete."""
        return next((s for s in self.steps if not s.done), None)

    @property
    def complete(self) -> bool:
        return self.current is None

    @property
    def waiting_for_halo(self) -> bool:
        """Whether the next tick comes from Halo (the tab opened, a caller verified)
        rather than from a form on the page: then the page asks whether it came."""
        current = self.current
        return current is not None and current.key in ("tab", "verify")


def setup_state(tenant: Tenant, tab: Tab | None) -> SetupState:
    checklist = {s.key: s for s in onboarding.tenant_steps(tenant)}
    entered = checklist["credentials"]
    connection = checklist["connection"]
    permissions = checklist["permissions"]
    seen = checklist["tab_seen"]
    verified = checklist["first_verification"]

    connected = connection.done and permissions.done
    if connected:
        connect_detail, connect_failed = connection.detail, False
    elif connection.done:  # signed in, but a permission is missing
        connect_detail, connect_failed = permissions.detail, permissions.failed
    else:
        connect_detail, connect_failed = connection.detail, connection.failed
    installed = tab is not None and tab.halo_tab_id is not None
    tab_done = installed or seen.done
    if seen.failed:
        tab_detail = seen.detail
    elif installed:
        tab_detail = "Installed in Halo through its API."
    else:
        tab_detail = seen.detail if seen.done else ""

    return SetupState(
        [
            SetupStep(
                "application",
                "Create an API application in Halo",
                entered.done,
                "Its Client ID and Secret are saved here." if entered.done else "",
            ),
            SetupStep(
                "connect",
                "Connect MSP Process to your Halo",
                connected,
                connect_detail if entered.done else "",
                connect_failed,
            ),
            SetupStep(
                "tab", "Add the MSP Process tab to tickets", tab_done, tab_detail, seen.failed
            ),
            SetupStep(
                "verify",
                "Open a ticket and verify a caller",
                verified.done,
                verified.detail if verified.done else "",
            ),
        ]
    )
