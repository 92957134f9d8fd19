"""One onboarding status: the SQL form and the per-object form of each step agree,
every page shows the same progress, and the last step activates the workspace."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from integrations.models import HaloConnection
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Tenant
from tests.factories import (
    AdminMembershipFactory,
    ConnectionFactory,
    StaffFactory,
    TenantFactory,
    VerificationFactory,
)
from tickettab import onboarding
from tickettab.models import Tab, Verification

pytestmark = pytest.mark.django_db

CONNECTED = HaloConnection.Status.CONNECTED


def make_connection(
    *,
    connected: bool,
    permissions: bool,
    tabs_allowed: bool | None,
    seen: bool,
    problem: bool,
    installed: bool = False,
) -> HaloConnection:
    conn = ConnectionFactory()
    results: dict = {"permissions": []}
    if tabs_allowed is not None:
        results["custom_tabs_allowed"] = tabs_allowed
    HaloConnection.objects.filter(pk=conn.pk).update(
        status=CONNECTED if connected else HaloConnection.Status.FAILING,
        last_checked=timezone.now(),
        permissions_ok=permissions,
        check_results=results,
    )
    Tab.objects.filter(tenant_id=conn.tenant_id).update(
        seen_at=timezone.now() if seen else None,
        problem="unsigned" if problem else "",
        halo_tab_id=7 if installed else None,
    )
    return HaloConnection.objects.get(pk=conn.pk)


def test_it_computes_the_same_steps_in_sql_and_per_tenant() -> None:
    # Every combination of the facts the steps read, plus a tenant with no connection.
    tenants = [TenantFactory(name="No connection")]
    for connected, permissions, allowed, seen, problem, verified, installed in itertools.product(
        [True, False],
        [True, False],
        [True, False, None],
        [True, False],
        [True, False],
        [True, False],
        [True, False],  # the tab installed through Halo's API
    ):
        conn = make_connection(
            connected=connected,
            permissions=permissions,
            tabs_allowed=allowed,
            seen=seen,
            problem=problem,
            installed=installed,
        )
        if verified:
            VerificationFactory(tenant=conn.tenant)
        tenants.append(conn.tenant)
    # Suspend nothing, activate nothing: this test is only about the two forms.
    annotated = {t.pk: t for t in onboarding.with_progress(Tenant.objects.all())}
    assert len(annotated) == len(tenants)
    for tenant in tenants:
        steps = onboarding.tenant_steps(Tenant.objects.get(pk=tenant.pk))
        row = annotated[tenant.pk]
        per_object = [s.done for s in steps]
        in_sql = [done for _, done in onboarding.annotated_marks(row)]
        assert per_object == in_sql, tenant
        assert done_in_order(steps) == row.onboarding_stage, tenant


def done_in_order(steps: list[onboarding.Step]) -> int:
    """How many steps are done before the first that is not (what SQL calls the stage)."""
    return next((i for i, s in enumerate(steps) if not s.done), len(steps))


def test_it_never_marks_a_step_failed_and_done() -> None:
    conn = make_connection(
        connected=True, permissions=False, tabs_allowed=False, seen=True, problem=True
    )
    steps = {s.key: s for s in onboarding.tenant_steps(conn.tenant)}
    assert steps["permissions"].failed and not steps["permissions"].done
    assert steps["tabs_allowed"].failed
    assert steps["tab_seen"].failed and not steps["tab_seen"].done
    assert not any(s.failed and s.done for s in steps.values())


def all_but_verified() -> HaloConnection:
    return make_connection(
        connected=True, permissions=True, tabs_allowed=True, seen=True, problem=False
    )


def test_it_activates_the_workspace_when_the_last_step_is_done() -> None:
    conn = all_but_verified()
    tenant = conn.tenant
    assert not onboarding.activate_if_onboarded(tenant)  # no verification yet
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.ONBOARDING

    VerificationFactory(tenant=tenant)
    assert onboarding.activate_if_onboarded(tenant)
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.ACTIVE
    # Once, and audited once.
    assert not onboarding.activate_if_onboarded(Tenant.objects.get(pk=tenant.pk))
    events = AuditEvent.objects.filter(tenant=tenant, action=AuditEvent.Action.TENANT_ACTIVATED)
    assert events.count() == 1


def test_it_never_reactivates_a_suspended_workspace() -> None:
    conn = all_but_verified()
    VerificationFactory(tenant=conn.tenant)
    Tenant.objects.filter(pk=conn.tenant.pk).update(status=Tenant.Status.SUSPENDED)
    tenant = Tenant.objects.get(pk=conn.tenant.pk)
    assert not onboarding.activate_if_onboarded(tenant)
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.SUSPENDED


def test_it_does_not_count_a_denied_verification() -> None:
    conn = all_but_verified()
    VerificationFactory(tenant=conn.tenant, status=Verification.Status.DENIED)
    assert not onboarding.activate_if_onboarded(conn.tenant)
    steps = onboarding.tenant_steps(conn.tenant)
    assert done_in_order(steps) == onboarding.TOTAL - 1


def test_it_shows_one_status_on_every_page_for_one_tenant(client) -> None:
    """The customer's checklist, the console's list and tenant page, and the workspace
    home agree for a tenant with 5 of 6 steps done, and again once it is active."""
    conn = all_but_verified()
    tenant = conn.tenant
    admin = AdminMembershipFactory(tenant=tenant).user
    staff = StaffFactory(is_superuser=True)

    def pages() -> dict[str, str]:
        client.force_login(admin)
        found = {
            "home": client.get(f"/t/{tenant.slug}/").content.decode(),
            "integration": client.get(f"/t/{tenant.slug}/integration/").content.decode(),
        }
        client.force_login(staff)
        found["list"] = client.get("/admin/mspprocess/tenant/").content.decode()
        found["tenant"] = client.get(
            f"/admin/mspprocess/tenant/{tenant.pk}/change/"
        ).content.decode()
        return found

    body = pages()
    assert "being set up" in body["home"]
    assert 'title="5 of 6 steps done"' in body["list"]
    for page in ("integration", "tenant"):
        assert "First verification done" in body[page]

    VerificationFactory(tenant=tenant)
    assert onboarding.activate_if_onboarded(tenant)
    body = pages()
    assert "being set up" not in body["home"]
    assert 'title="6 of 6 steps done"' in body["list"]
