"""The console's set-up times: when each step was first done, how long it took, and
how long a stuck workspace has been waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mspprocess.console.templatetags.onboarding_tags import duration
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Tenant
from tests.factories import ConnectionFactory, VerificationFactory
from tickettab.models import Tab
from tickettab.setup import step_times

pytestmark = pytest.mark.django_db

A = AuditEvent.Action


def _event(tenant: Tenant, action: str, at, detail: str = "") -> None:
    AuditEvent.objects.create(tenant=tenant, action=action, detail=detail, created=at)


def test_it_times_each_step_from_what_was_recorded() -> None:
    start = timezone.now() - timedelta(hours=3)
    tenant = ConnectionFactory().tenant
    Tenant.objects.filter(pk=tenant.pk).update(created=start)
    tenant.refresh_from_db()
    _event(tenant, A.CONNECTION_CREDENTIALS_CHANGED, start + timedelta(minutes=4))
    _event(tenant, A.CONNECTION_CREDENTIALS_CHANGED, start + timedelta(minutes=30))  # later
    _event(tenant, A.CONNECTION_TESTED, start + timedelta(minutes=5), detail="failing")
    _event(tenant, A.CONNECTION_TESTED, start + timedelta(minutes=6), detail="connected")
    _event(tenant, A.TAB_INSTALLED, start + timedelta(minutes=8))
    v = VerificationFactory(tenant=tenant, status="verified")
    v.__class__.objects.filter(pk=v.pk).update(created=start + timedelta(hours=2, minutes=8))

    times = step_times(tenant, Tab.objects.get(tenant=tenant))

    assert [t.title for t in times] == [
        "Workspace created",
        "API application's values saved",
        "Connected to Halo",
        "Tab added to tickets",
        "First caller verified",
    ]
    assert [t.took for t in times] == [
        None,
        timedelta(minutes=4),
        timedelta(minutes=2),
        timedelta(minutes=2),
        timedelta(hours=2),
    ]
    assert all(t.waiting is None for t in times)


def test_it_says_how_long_a_stuck_workspace_has_waited(client, am) -> None:
    tenant = ConnectionFactory().tenant
    saved = timezone.now() - timedelta(hours=5, minutes=2)
    _event(tenant, A.CONNECTION_CREDENTIALS_CHANGED, saved)

    times = step_times(tenant, Tab.objects.get(tenant=tenant))
    waiting = {t.title: t.waiting for t in times}
    assert timedelta(hours=5) < waiting["Connected to Halo"] < timedelta(hours=5, minutes=3)
    assert waiting["Tab added to tickets"] is None  # only the step at hand waits

    page = client.get(f"/admin/mspprocess/tenant/{tenant.pk}/change/").content.decode()
    assert "Set-up, step by step" in page
    assert "waiting for 5 h 2 min" in page


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(None, "—"), (40, "40 s"), (12 * 60 + 5, "12 min"), (3 * 3600, "3 h"), (3 * 86400, "3 days")],
)
def test_it_says_durations_as_people_do(seconds: int | None, words: str) -> None:
    value = None if seconds is None else timedelta(seconds=seconds)
    assert duration(value) == words
