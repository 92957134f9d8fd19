"""Onboarding progress of tenants, computed in the database.

The onboarding console lists and filters tenants by how far they got, so the
stages are SQL expressions over the tenant's connection and verifications, not
Python properties: one query for any number of tenants.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from tickettab.models import Verification


@dataclass(frozen=True)
class Stage:
    number: int  # how many steps are done when the tenant is at this stage
    label: str


STEPS = [
    "Credentials entered",
    "Connection verified",
    "Permissions complete",
    "Custom tab seen",
    "First verification done",
]
STAGES = [Stage(0, "Waiting for credentials")] + [
    Stage(i + 1, step) for i, step in enumerate(STEPS)
]

_credentials = (
    Q(halo_connection__isnull=False)
    & ~Q(halo_connection__base_url="")
    & ~Q(halo_connection__client_id="")
    & Q(halo_connection__secret_changed_at__isnull=False)
)
_connected = Q(halo_connection__status="connected")
_permissions = Q(halo_connection__permissions_ok=True)
_tab_seen = Q(halo_connection__tab_seen_at__isnull=False)
_verified = Q(has_verification=True)


def with_progress(qs: QuerySet) -> QuerySet:
    """Annotate tenants with `has_verification` and `onboarding_stage` (0 to 5)."""
    done = Verification.objects.filter(
        tenant=OuterRef("pk"),
        status__in=[Verification.Status.VERIFIED, Verification.Status.OVERRIDE],
    )
    return qs.annotate(has_verification=Exists(done)).annotate(
        onboarding_stage=Case(
            When(~_credentials, then=Value(0)),
            When(~_connected, then=Value(1)),
            When(~_permissions, then=Value(2)),
            When(~_tab_seen, then=Value(3)),
            When(~_verified, then=Value(4)),
            default=Value(5),
            output_field=IntegerField(),
        )
    )


def marks(stage: int) -> list[tuple[str, bool]]:
    """The five steps with whether each is done, for the progress column."""
    return [(step, i < stage) for i, step in enumerate(STEPS)]
