"""The tab tells listeners of each outcome once, after it is stored."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import TenantFactory
from tests.tickettab.conftest import agent
from tickettab import verification
from tickettab.models import Verification
from tickettab.signals import verification_finished

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def heard():
    outcomes: list[tuple[str, bool]] = []

    def listener(sender, verification: Verification, **kwargs) -> None:
        stored = Verification.objects.filter(pk=verification.pk, status=verification.status)
        outcomes.append((verification.status, stored.exists()))

    verification_finished.connect(listener)
    yield outcomes
    verification_finished.disconnect(listener)


def test_it_signals_a_lockout_once_after_it_is_stored(heard, contact, mailoutbox) -> None:
    tenant = TenantFactory()
    v = verification.send(tenant, contact, 1001, agent(tenant.pk), Verification.Method.EMAIL)
    for _ in range(verification.MAX_WRONG_CODES):
        with pytest.raises(verification.VerificationError):
            verification.check_code(tenant, v.pk, "000000" if v.code_hash else "")
    assert heard == [(Verification.Status.LOCKED, True)]


def test_it_signals_an_override(heard, contact) -> None:
    tenant = TenantFactory()
    verification.record_override(
        tenant, contact, 1001, agent(tenant.pk), "Called back on the documented number"
    )
    assert heard == [(Verification.Status.OVERRIDE, True)]


def test_it_says_nothing_when_the_transaction_rolls_back(heard, contact) -> None:
    from django.db import transaction

    tenant = TenantFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        verification.record_override(
            tenant, contact, 1001, agent(tenant.pk), "Called back on the documented number"
        )
        raise RuntimeError
    assert heard == []


def test_it_stores_and_signals_a_code_found_expired(heard, contact, mailoutbox) -> None:
    tenant = TenantFactory()
    v = verification.send(tenant, contact, 1001, agent(tenant.pk), Verification.Method.EMAIL)
    Verification.objects.filter(pk=v.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(verification.VerificationError, match="expired"):
        verification.check_code(tenant, v.pk, "123456")
    v.refresh_from_db()
    # Recorded, not rolled back with the refusal: it counts as a failed attempt.
    assert v.status == Verification.Status.EXPIRED and v.completed_at is not None
    assert heard == [(Verification.Status.EXPIRED, True)]


def test_it_stores_a_link_found_expired(heard, contact, mailoutbox) -> None:
    tenant = TenantFactory()
    v = verification.send(tenant, contact, 1001, agent(tenant.pk), Verification.Method.LINK)
    token = re.search(r"/v/([\w-]+)/", mailoutbox[-1].body).group(1)
    Verification.objects.filter(pk=v.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(verification.VerificationError, match="expired"):
        verification.answer_link(token, confirmed=False)
    v.refresh_from_db()
    assert v.status == Verification.Status.EXPIRED  # a "No" too late is no denial
    assert heard == [(Verification.Status.EXPIRED, True)]
