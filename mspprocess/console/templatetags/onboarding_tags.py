"""The onboarding console's home: tenants per stage and the ones stuck."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.db.models import Count
from django.utils import timezone

from mspprocess.console import progress
from mspprocess.core.models import Tenant
from tickettab import onboarding

register = template.Library()

STUCK_AFTER = timedelta(days=7)


@register.simple_tag(takes_context=True)
def onboarding_overview(context: Any) -> dict[str, Any]:
    request = context["request"]
    if not request.user.has_perm("mspprocess.view_tenant"):
        return {}
    tenants = progress.with_progress(Tenant.objects.all())
    counts = dict(
        tenants.filter(status=Tenant.Status.ONBOARDING)
        .values_list("onboarding_stage")
        .annotate(n=Count("pk"))
        .values_list("onboarding_stage", "n")
    )
    stuck = (
        tenants.filter(status=Tenant.Status.ONBOARDING, created__lt=timezone.now() - STUCK_AFTER)
        .select_related("account_manager")
        .order_by("created")[:50]
    )
    return {
        "stages": [(s, counts.get(s.number, 0)) for s in progress.STAGES],
        "total": progress.TOTAL,
        "stuck": list(stuck),
        "active": Tenant.objects.filter(status=Tenant.Status.ACTIVE).count(),
        "suspended": Tenant.objects.filter(status=Tenant.Status.SUSPENDED).count(),
    }


@register.simple_tag
def onboarding_steps(tenant: Tenant) -> list[onboarding.Step]:
    """The tenant's onboarding steps, for the workspace home (the same list as the
    integration page's checklist and the console's)."""
    return onboarding.tenant_steps(tenant)


@register.simple_tag
def permission_state(perm: dict[str, Any], conn: Any) -> str:
    """A permission row of the last connection test in words (see onboarding.py)."""
    return onboarding.permission_state(perm, conn)


@register.filter
def duration(value: timedelta | None) -> str:
    """A step's time as people say it: "40 s", "12 min", "3 h 5 min", "2 days"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"
