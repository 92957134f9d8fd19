"""The retry worker (`manage.py deliver_alerts`) and the catch-up of alerts whose
signal was lost."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from alerts import triggers
from alerts.models import Alert, AlertDelivery
from tests.factories import VerificationFactory
from tickettab.models import Verification
from tickettab.signals import verification_finished

pytestmark = pytest.mark.django_db

S = AlertDelivery.Status


def run_once() -> str:
    out = StringIO()
    call_command("deliver_alerts", "--once", stdout=out)
    return out.getvalue()


def test_it_sends_what_is_due_and_reports_what_waits(tenant, slack, receiver, mailoutbox):
    receiver.answers = [500]
    alert = triggers.raise_for(
        VerificationFactory(
            tenant=tenant, status=Verification.Status.LOCKED, completed_at=timezone.now()
        )
    )
    out = run_once()
    assert "Alerts: 1 retry, 1 sent." in out
    assert "1 alert delivery(ies) pending; next attempt" in out
    assert len(mailoutbox) == 1
    AlertDelivery.objects.filter(alert=alert).update(next_attempt_at=timezone.now())
    out = run_once()
    assert "Alerts: 1 sent." in out and "No alert deliveries pending." in out
    assert len(receiver.delivered()) == 1


def test_it_reports_nothing_due(db) -> None:
    assert "Alerts: nothing was due." in run_once()


def test_it_catches_up_a_denial_whose_alert_was_never_written(
    tenant, prefs, mailoutbox, monkeypatch
) -> None:
    def broken(v):
        raise RuntimeError("the database blinked")

    monkeypatch.setattr(triggers, "raise_for", broken)
    v = VerificationFactory(
        tenant=tenant, status=Verification.Status.DENIED, completed_at=timezone.now()
    )
    # The receiver never breaks the request that finished the verification.
    verification_finished.send(sender=Verification, verification=v)
    assert not Alert.objects.exists()
    monkeypatch.undo()
    assert "1 caught up" in run_once()
    alert = Alert.objects.get()
    assert alert.verification == v and alert.kind == Alert.Kind.DENIAL
    assert len(mailoutbox) == 1
    assert "caught up" not in run_once()  # once


def test_it_leaves_old_failures_and_expiries_to_the_signal(tenant, prefs) -> None:
    VerificationFactory(
        tenant=tenant,
        status=Verification.Status.DENIED,
        completed_at=timezone.now() - triggers.CATCH_UP_WINDOW - timedelta(minutes=1),
    )
    VerificationFactory(
        tenant=tenant, status=Verification.Status.EXPIRED, completed_at=timezone.now()
    )
    assert triggers.catch_up() == 0
    assert not Alert.objects.exists()
