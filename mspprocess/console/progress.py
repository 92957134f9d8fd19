"""Onboarding progress as the console shows it: stages for the filter and the home.

The steps and their SQL expressions are defined once, in tickettab/onboarding.py,
shared with the customer's checklist and the workspace home; this module only
names the console's stages after them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from tickettab import onboarding

TOTAL = onboarding.TOTAL


@dataclass(frozen=True)
class Stage:
    number: int  # how many steps are done, in order, when the tenant is at this stage
    label: str


STEPS = [rule.title for rule in onboarding.STEPS]
STAGES = [Stage(0, "Waiting for credentials")] + [
    Stage(i + 1, step) for i, step in enumerate(STEPS)
]


def with_progress(qs: QuerySet) -> QuerySet:
    """Annotate tenants with `onboarding_stage` and one flag per step, in one query."""
    return onboarding.with_progress(qs)


def marks(tenant: Any) -> list[tuple[str, bool]]:
    """Each step with whether it is done, as the customer's checklist marks it."""
    return onboarding.annotated_marks(tenant)
