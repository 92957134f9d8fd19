"""The contact's history: the tab's one query, compiled once (tickettab.shield.history)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import TenantFactory, VerificationFactory
from tickettab import shield

pytestmark = pytest.mark.django_db


def test_it_lists_the_contacts_newest_events_of_this_workspace_only(
    django_assert_num_queries,
) -> None:
    mine, theirs = TenantFactory(), TenantFactory()
    now = timezone.now()
    made = [
        VerificationFactory(tenant=mine, halo_user_id=201, created=now - timedelta(minutes=m))
        for m in range(shield.HISTORY_LENGTH + 5)
    ]
    VerificationFactory(tenant=mine, halo_user_id=202, created=now)  # another contact
    VerificationFactory(tenant=theirs, halo_user_id=201, created=now)  # another workspace
    with django_assert_num_queries(1):
        events = shield.history(mine, 201)
    assert [v.pk for v in events] == [v.pk for v in made[: shield.HISTORY_LENGTH]]
    assert events[0].agent_name == "Priya Shah" and events[0].tenant_id == mine.pk
    assert shield.history(theirs, 201)[0].tenant_id == theirs.pk
    assert shield.history(mine, 999) == []


def test_it_reads_each_contact_with_its_own_values_after_the_first_compile() -> None:
    tenant = TenantFactory()
    VerificationFactory(tenant=tenant, halo_user_id=1_999_999_002)
    VerificationFactory(tenant=tenant, halo_user_id=7)
    # The stand-in values the SQL was compiled with are no one's: a real id of that
    # value is read like any other.
    assert [v.halo_user_id for v in shield.history(tenant, 7)] == [7]
    assert [v.halo_user_id for v in shield.history(tenant, 1_999_999_002)] == [1_999_999_002]
