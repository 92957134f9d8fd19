from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from mspprocess.core import audit
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Membership
from tests.factories import (
    AdminMembershipFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


def url(m: Membership, query: str = "") -> str:
    return f"/t/{m.tenant.slug}/audit/{query}"


def at(event: AuditEvent, day: str) -> None:
    when = timezone.make_aware(datetime.fromisoformat(day))
    AuditEvent.objects.filter(pk=event.pk).update(created=when)


def shown(response) -> list[str]:
    return [e.action for e in response.context["page"].object_list]


def test_it_shows_the_workspaces_events_newest_first_in_words(signed_in_admin, client) -> None:
    m = signed_in_admin
    priya = UserFactory(first_name="Priya", last_name="Shah")
    first = audit.record(
        m.tenant, priya, Action.CONNECTION_CREDENTIALS_CHANGED, fields=["client_secret"]
    )
    at(first, "2025-01-01 09:00")
    audit.record(m.tenant, priya, Action.CONNECTION_TESTED, detail="connected")
    other = AdminMembershipFactory()
    audit.record(other.tenant, other.user, Action.SETTINGS_CHANGED, fields=["sms_enabled"])

    response = client.get(url(m))
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["active"] == "audit"
    assert shown(response) == [Action.CONNECTION_TESTED, Action.CONNECTION_CREDENTIALS_CHANGED]
    assert "Halo credentials changed" in body
    assert "Client Secret changed" in body
    assert "client_secret" not in body
    assert "Priya Shah" in body
    assert "Code by SMS" not in body  # another workspace's event
    assert "2 events" in body


def test_it_marks_our_staffs_changes_and_the_systems(signed_in_admin, client) -> None:
    m = signed_in_admin
    staff = StaffFactory(username="am", first_name="Sam", last_name="Rivera")
    audit.record(m.tenant, staff, Action.CONNECTION_TAB_KEY_ROTATED)
    audit.record(m.tenant, None, Action.CONNECTION_TESTED, detail="failing")
    body = client.get(url(m)).content.decode()
    assert 'Sam Rivera <span class="muted">(MSP Process staff)</span>' in body
    assert '<span class="muted">MSP Process</span>' in body


def test_it_filters_by_event_and_dates(signed_in_admin, client) -> None:
    m = signed_in_admin
    for day, action in [
        ("2025-03-01 08:00", Action.CONNECTION_TESTED),
        ("2025-03-02 23:59", Action.MEMBERSHIP_ADDED),
        ("2025-03-03 00:00", Action.CONNECTION_TESTED),
    ]:
        at(audit.record(m.tenant, m.user, action), day)

    assert shown(client.get(url(m, "?action=connection.tested"))) == [
        Action.CONNECTION_TESTED,
        Action.CONNECTION_TESTED,
    ]
    dates = client.get(url(m, "?date_from=2025-03-02&date_to=2025-03-02"))
    assert shown(dates) == [Action.MEMBERSHIP_ADDED]
    response = client.get(url(m, "?action=connection.tested&date_to=2025-03-02"))
    assert [e.created.day for e in response.context["page"].object_list] == [1]
    assert "matching the filters" in response.content.decode()


def test_it_lists_the_tabs_installation_in_halo_as_events_of_its_own(
    signed_in_admin, client
) -> None:
    m = signed_in_admin
    created = "Tab created in Halo (id 7)"
    installed = audit.record(
        m.tenant, m.user, Action.TAB_INSTALLED, fields=["halo_tab_id"], detail=created
    )
    at(installed, "2025-03-01 08:00")
    audit.record(m.tenant, m.user, Action.TAB_REMOVED, detail="Tab deleted from Halo (id 7)")

    body = client.get(url(m)).content.decode()
    assert "Tab installed in Halo" in body
    assert "Halo custom tab id changed · Tab created in Halo (id 7)" in body
    assert "Tab removed from Halo" in body
    assert shown(client.get(url(m, "?action=tab.installed"))) == [Action.TAB_INSTALLED]
    assert shown(client.get(url(m, "?action=tab.removed"))) == [Action.TAB_REMOVED]


def test_it_ignores_a_mistyped_date_and_explains_it(signed_in_admin, client) -> None:
    m = signed_in_admin
    audit.record(m.tenant, m.user, Action.CONNECTION_TESTED)
    response = client.get(url(m, "?date_from=31/01/2025&action=connection.tested"))
    assert shown(response) == [Action.CONNECTION_TESTED]
    assert "Enter a date like 2025-01-31." in response.content.decode()


def test_it_says_when_nothing_matches_and_when_nothing_happened(signed_in_admin, client) -> None:
    m = signed_in_admin
    body = client.get(url(m)).content.decode()
    assert 'id="empty"' in body and "No events yet" in body
    audit.record(m.tenant, m.user, Action.CONNECTION_TESTED)
    body = client.get(url(m, "?action=membership.removed")).content.decode()
    assert "No event matches these filters" in body


def test_it_pages_fifty_events_at_a_time(signed_in_admin, client) -> None:
    m = signed_in_admin
    start = timezone.now() - timedelta(hours=1)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            tenant=m.tenant,
            action=Action.CONNECTION_TESTED,
            detail=f"event {n}",
            created=start + timedelta(minutes=n),
        )
        for n in range(60)
    )
    first = client.get(url(m))
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].object_list[0].detail == "event 59"
    assert 'rel="next"' in first.content.decode()
    second = client.get(url(m, "?page=2"))
    assert [e.detail for e in second.context["page"].object_list][-1] == "event 0"
    assert len(second.context["page"].object_list) == 10


@pytest.mark.parametrize("count", [5, 60])
def test_it_runs_the_same_queries_however_many_events(
    signed_in_admin, client, django_assert_max_num_queries, count: int
) -> None:
    m = signed_in_admin
    users = [UserFactory(), StaffFactory()]
    AuditEvent.objects.bulk_create(
        AuditEvent(
            tenant=m.tenant,
            actor=users[n % 2],
            actor_name=users[n % 2].username,
            action=Action.CONNECTION_CREDENTIALS_CHANGED,
            fields=["base_url", "client_secret"],
        )
        for n in range(count)
    )
    # Session, user, membership, count, page of events (actors joined).
    with django_assert_max_num_queries(5):
        response = client.get(url(m))
    assert response.status_code == 200


# -- who may see the page ----------------------------------------------------------------


def test_it_hides_the_page_from_members_of_other_workspaces(client) -> None:
    m = AdminMembershipFactory()
    audit.record(m.tenant, m.user, Action.CONNECTION_TESTED)
    client.force_login(AdminMembershipFactory().user)
    assert client.get(url(m)).status_code == 404


def test_it_refuses_technicians(client) -> None:
    m = MembershipFactory(role=Membership.Role.TECHNICIAN)
    client.force_login(m.user)
    assert client.get(url(m)).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client) -> None:
    m = AdminMembershipFactory()
    response = client.get(url(m))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_it_hides_the_page_from_staff_who_are_not_members(client) -> None:
    m = AdminMembershipFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url(m)).status_code == 404
