"""Onboarding: the one list of set-up steps, for every page that shows progress.

The customer's checklist (integration page), the console's list, filter, home and
tenant page, and the workspace home all read these steps, so they cannot disagree.
Each step has two forms of one rule:

- `condition()`: a database expression over Tenant, for lists of thousands
  (`with_progress` annotates a queryset in one query);
- `done(facts)`: the same rule over one tenant's loaded objects, with the words
  that say what to do next.

tests/integrations/test_onboarding.py holds the two forms to each other.

The steps, and why these six: the customer's guide (DESIGN.md) ends with "allow
custom tabs on each ticket type" and "open a ticket: the tab is there", and the
console's last step was "first verification". Both belong: allowing custom tabs is
a separate thing the customer does in Halo (the connection test can see it), and
only a verification proves the whole chain works (the tab opens, the caller's
details are read, a code reaches them) - its note is also what proves edit:tickets.
When all six are done the workspace becomes active by itself
(`activate_if_onboarded`); an account manager can still suspend it.

This module lives in `integrations` (beside `tickettab`, below the console) so
both the integration page and the console import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from integrations.models import HaloConnection
from mspprocess.core import audit
from mspprocess.core.models import Tenant
from tickettab.models import Note, Tab, Verification

if TYPE_CHECKING:
    from django.db.models.expressions import BaseExpression

CONNECTED = HaloConnection.Status.CONNECTED
DONE_VERIFICATIONS = (Verification.Status.VERIFIED, Verification.Status.OVERRIDE)
EDIT_PENDING = "edit:tickets will be checked by the first note"


@dataclass(frozen=True)
class Step:
    """One step as a page shows it."""

    key: str
    title: str
    done: bool
    detail: str
    failed: bool = False


class Facts:
    """What the per-object checks read about one tenant; queries only when asked."""

    def __init__(self, tenant: Tenant, conn: HaloConnection | None) -> None:
        self.tenant = tenant
        self.conn = conn

    @cached_property
    def tab(self) -> Tab | None:
        try:
            return self.tenant.tab
        except Tab.DoesNotExist:
            return None

    @property
    def tab_seen_at(self) -> datetime | None:
        return self.tab.seen_at if self.tab else None

    @cached_property
    def has_verification(self) -> bool:
        return Verification.objects.filter(
            tenant=self.tenant, status__in=DONE_VERIFICATIONS
        ).exists()

    @cached_property
    def note_sent(self) -> bool:
        # A note Halo accepted is the proof of edit:tickets the test cannot give.
        return Note.objects.filter(tenant=self.tenant, status=Note.Status.SENT).exists()


@dataclass(frozen=True)
class StepRule:
    key: str
    title: str
    condition: Callable[[], Q | BaseExpression]
    done: Callable[[Facts], bool]
    describe: Callable[[Facts, bool], tuple[str, bool]]  # (detail, failed)


def _c(name: str) -> str:
    return f"halo_connection__{name}"


def _t(name: str) -> str:
    return f"tab__{name}"


# -- 1. credentials ---------------------------------------------------------------


def _credentials_q() -> Q:
    # `__gt=""` rather than `~Q(...="")`: a negation over the outer join of a tenant
    # without a connection would be NULL inside CASE, not false.
    return (
        Q(**{_c("base_url__gt"): ""})
        & Q(**{_c("client_id__gt"): ""})
        & Q(**{_c("secret_changed_at__isnull"): False})
    )


def _credentials_done(f: Facts) -> bool:
    # secret_changed_at, not the secret itself: set with the secret, and readable in
    # SQL (the secret is encrypted); a blank secret in a form keeps the stored one.
    c = f.conn
    return bool(c and c.base_url and c.client_id and c.secret_changed_at)


def _credentials_text(f: Facts, done: bool) -> tuple[str, bool]:
    return "From your API application in Halo: Configuration > Integrations > Halo API.", False


# -- 2. connection ----------------------------------------------------------------


def _connection_q() -> Q:
    return Q(**{_c("status"): CONNECTED})


def _connection_done(f: Facts) -> bool:
    return bool(f.conn and f.conn.status == CONNECTED)


def _connection_text(f: Facts, done: bool) -> tuple[str, bool]:
    c = f.conn
    if done and c and c.agent_name:
        return f"Signed in to Halo as {c.agent_name}.", False
    if c and c.last_checked and not done:
        return c.last_error or "The last connection test failed: see below.", True
    return "Save the form to test the connection.", False


# -- 3. permissions ---------------------------------------------------------------


def _permissions_q() -> Q:
    return Q(**{_c("status"): CONNECTED}) & Q(**{_c("permissions_ok"): True})


def _permissions_done(f: Facts) -> bool:
    # permissions_ok is set by the connection test: read:tickets and read:customers
    # answered, and edit:tickets not refused. edit:tickets can only be proven by a
    # note (a test must not write to a customer's ticket), so "pending" counts.
    return _connection_done(f) and bool(f.conn and f.conn.permissions_ok)


def _permissions_text(f: Facts, done: bool) -> tuple[str, bool]:
    if done:
        edit = (
            "edit:tickets is proven by a note Halo accepted"
            if f.note_sent
            else f"{EDIT_PENDING} (nothing is written to your tickets before then)"
        )
        return f"The application may read tickets and customers; {edit}.", False
    connected = _connection_done(f)
    return "Tick the missing permissions listed below, then test again.", connected


# -- 4. custom tabs allowed -------------------------------------------------------


def _tabs_allowed_q() -> Q:
    key = _c("check_results__custom_tabs_allowed")
    # When Halo did not say (JSON null or no key), a signed tab load from Halo
    # shows that its ticket types do show our tab.
    not_said = Q(**{key: None}) | Q(**{f"{key}__isnull": True})
    seen = Q(**{_t("seen_at__isnull"): False})
    installed = Q(**{_t("halo_tab_id__isnull"): False})
    return Q(**{_c("status"): CONNECTED}) & (Q(**{key: True}) | (not_said & seen) | installed)


def _tabs_allowed_done(f: Facts) -> bool:
    if not _connection_done(f):
        return False
    # Installed through Halo's API (tickettab/install): we turned our tab on for the
    # ticket types the admin picked, which the last connection test may predate.
    if f.tab is not None and f.tab.halo_tab_id is not None:
        return True
    allowed = f.conn.custom_tabs_allowed  # type: ignore[union-attr]
    return allowed is True or (allowed is None and f.tab_seen_at is not None)


def _tabs_allowed_text(f: Facts, done: bool) -> tuple[str, bool]:
    if done:
        return "Your ticket types show custom tabs.", False
    how = (
        "In Halo: Configuration > Tickets > Ticket Types > each type > "
        "tick “Allow all custom tabs”, then test again."
    )
    return how, bool(f.conn and f.conn.custom_tabs_allowed is False)


# -- 5. custom tab seen -----------------------------------------------------------


def _tab_seen_q() -> Q:
    # A recorded problem outranks an earlier good load: the tab is broken now.
    return Q(**{_t("seen_at__isnull"): False}) & Q(**{_t("problem"): ""})


def _tab_seen_done(f: Facts) -> bool:
    return bool(f.conn and f.tab and f.tab.seen_at is not None and not f.tab.problem)


def _tab_seen_text(f: Facts, done: bool) -> tuple[str, bool]:
    t = f.tab
    if f.conn and t and t.problem:
        problem = t.current_problem
        words = f"{problem.summary} {problem.fix}" if problem else "it was misconfigured."
        when = f"{t.problem_seen_at:%Y-%m-%d %H:%M}" if t.problem_seen_at else "recently"
        return f"Halo opened the tab at {when} UTC, but: {words}", True
    if done and t and t.seen_at:
        return f"Our tab was last opened from Halo at {t.seen_at:%Y-%m-%d %H:%M} UTC.", False
    return "Create the custom tab in Halo with the URL below and open any ticket.", False


# -- 6. first verification --------------------------------------------------------


def _verified_q() -> Exists:
    return Exists(Verification.objects.filter(tenant=OuterRef("pk"), status__in=DONE_VERIFICATIONS))


def _verified_done(f: Facts) -> bool:
    return f.has_verification


def _verified_text(f: Facts, done: bool) -> tuple[str, bool]:
    if done:
        return "A technician verified a caller from the tab.", False
    return (
        "In any ticket, open the MSP Process tab and verify a caller (you can verify "
        "yourself): the first verification finishes set-up.",
        False,
    )


STEPS: tuple[StepRule, ...] = (
    StepRule(
        "credentials",
        "Credentials entered",
        _credentials_q,
        _credentials_done,
        _credentials_text,
    ),
    StepRule(
        "connection", "Connection verified", _connection_q, _connection_done, _connection_text
    ),
    StepRule(
        "permissions",
        "Permissions complete",
        _permissions_q,
        _permissions_done,
        _permissions_text,
    ),
    StepRule(
        "tabs_allowed",
        "Custom tabs allowed on ticket types",
        _tabs_allowed_q,
        _tabs_allowed_done,
        _tabs_allowed_text,
    ),
    StepRule("tab_seen", "Custom tab seen", _tab_seen_q, _tab_seen_done, _tab_seen_text),
    StepRule(
        "first_verification",
        "First verification done",
        _verified_q,
        _verified_done,
        _verified_text,
    ),
)
TOTAL = len(STEPS)


# -- one tenant ------------------------------------------------------------------


def _connection_of(tenant: Tenant) -> HaloConnection | None:
    try:
        return tenant.halo_connection
    except HaloConnection.DoesNotExist:
        return None


def tenant_steps(tenant: Tenant) -> list[Step]:
    facts = Facts(tenant, _connection_of(tenant))
    steps = []
    for rule in STEPS:
        done = rule.done(facts)
        detail, failed = rule.describe(facts, done)
        steps.append(Step(rule.key, rule.title, done, detail, failed and not done))
    return steps


def onboarding_steps(conn: HaloConnection) -> list[Step]:
    """The checklist for a connection's tenant (the integration page's entry point)."""
    return tenant_steps(conn.tenant)


def remaining(steps: list[Step]) -> list[Step]:
    return [s for s in steps if not s.done]


# -- many tenants, in SQL ---------------------------------------------------------


def annotation_name(key: str) -> str:
    return f"onboarding_{key}"


def _all_done_q(upto: int = TOTAL) -> Q:
    q = Q()
    for rule in STEPS[:upto]:
        q &= rule.condition()
    return q


def with_progress(qs: QuerySet) -> QuerySet:
    """Annotate tenants with `onboarding_<key>` (bool, one per step) and
    `onboarding_stage` (0 to TOTAL: the steps done in order before the first that
    is not): one query for any number."""
    flags = {
        annotation_name(rule.key): Case(
            When(rule.condition(), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
        for rule in STEPS
    }
    # Positive conditions only, longest prefix first: a step's expression over a
    # missing connection is NULL, which a WHEN reads as "no", never as "yes".
    whens = [When(_all_done_q(n), then=Value(n)) for n in range(TOTAL, 0, -1)]
    return qs.annotate(
        **flags,
        onboarding_stage=Case(*whens, default=Value(0), output_field=IntegerField()),
    )


def annotated_marks(tenant: Any) -> list[tuple[str, bool]]:
    """(title, done) per step from a tenant annotated by `with_progress`."""
    return [(rule.title, bool(getattr(tenant, annotation_name(rule.key)))) for rule in STEPS]


# -- becoming active --------------------------------------------------------------


def activate_if_onboarded(tenant: Tenant) -> bool:
    """Make an onboarding tenant active once every step is done; True if it did.

    Called on each write that can complete the last step (a connection test, a
    signed tab load, a finished verification). One conditional UPDATE decides, so
    two such writes at once activate (and audit) once, and a suspended tenant is
    never re-activated: only an account manager lifts a suspension.
    """
    if tenant.status != Tenant.Status.ONBOARDING:
        return False
    with transaction.atomic():
        ready = Tenant.objects.filter(_all_done_q(), pk=tenant.pk)
        changed = Tenant.objects.filter(
            pk__in=ready.values("pk"), status=Tenant.Status.ONBOARDING
        ).update(status=Tenant.Status.ACTIVE, updated=timezone.now())
        if not changed:
            return False
        audit.record(
            tenant,
            None,
            audit.AuditEvent.Action.TENANT_ACTIVATED,
            fields=["status"],
            detail="Every onboarding step is done",
        )
    tenant.status = Tenant.Status.ACTIVE
    return True


def finish_after_connection_test(sender: Any, connection: HaloConnection, **kwargs: Any) -> None:
    """integrations.signals.connection_tested: a test can complete the last step."""
    activate_if_onboarded(connection.tenant)


# -- words for a permission result -------------------------------------------------


def permission_state(perm: dict[str, Any], conn: HaloConnection) -> str:
    """How a permission row of the last test reads: "granted", "missing", "pending"
    or "not checked". edit:tickets is never a bare "not checked" beside a complete
    permissions step: it is pending until a note Halo accepted proves it."""
    if perm.get("ok") is True:
        return "granted"
    if perm.get("ok") is False:
        return "missing"
    facts = Facts(conn.tenant, conn)
    if perm.get("name") == "edit:tickets" and _permissions_done(facts):
        return "granted" if facts.note_sent else "pending"
    return "not checked"
