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
from datetime import datetime, timedelta

from django.db.models import Min, Q
from django.utils import timezone

from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Tenant
from tickettab import onboarding
from tickettab.models import Tab, Verification


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
        tab_detail = ""  # the page says which tab, and what is left to paste
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


@dataclass(frozen=True)
class StepTime:
    """When a set-up step was first done, and how long it took after the one before."""

    title: str
    done_at: datetime | None
    took: timedelta | None  # since the step before was done
    # Not done yet: how long the workspace has been at this step (the console's
    # "who is stuck"); None for steps further on.
    waiting: timedelta | None = None


def step_times(tenant: Tenant, tab: Tab | None) -> list[StepTime]:
    """Each step's first completion, from what was recorded when it happened: the
    audit trail (credentials saved, a passing test, the tab installed), the tab's
    first signed load when it was added by hand, the first verification. Two queries.
    """
    A = AuditEvent.Action
    firsts = AuditEvent.objects.filter(tenant=tenant).aggregate(
        credentials=Min("created", filter=Q(action=A.CONNECTION_CREDENTIALS_CHANGED)),
        connected=Min("created", filter=Q(action=A.CONNECTION_TESTED, detail="connected")),
        installed=Min("created", filter=Q(action=A.TAB_INSTALLED)),
    )
    verified = Verification.objects.filter(
        tenant=tenant, status__in=onboarding.DONE_VERIFICATIONS
    ).aggregate(first=Min("created"))["first"]
    # A tab added by hand leaves no event: its (last) signed load is the best we have.
    tab_added = firsts["installed"] or (tab.seen_at if tab else None)
    moments = [
        ("Workspace created", tenant.created),
        ("API application's values saved", firsts["credentials"]),
        ("Connected to Halo", firsts["connected"]),
        ("Tab added to tickets", tab_added),
        ("First caller verified", verified),
    ]
    now = timezone.now()
    times: list[StepTime] = []
    previous: datetime | None = None
    stuck_noted = False
    for title, done_at in moments:
        if done_at is not None:
            took = done_at - previous if previous and done_at >= previous else None
            times.append(StepTime(title, done_at, took))
            previous = done_at
        else:
            waiting = now - previous if previous and not stuck_noted else None
            stuck_noted = True
            times.append(StepTime(title, None, None, waiting))
    return times
