from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from mspprocess.core.models import Tenant
from tests.factories import (
    AdminMembershipFactory,
    MembershipFactory,
    TenantFactory,
    VerificationFactory,
)
from tickettab.models import Note, Verification

pytestmark = pytest.mark.django_db

S = Verification.Status


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=UTC)


def note(verification: Verification, status: str = Note.Status.PENDING, **kwargs) -> Note:
    return Note.objects.create(
        tenant=verification.tenant,
        verification=verification,
        ticket_id=verification.ticket_id,
        text="Verified",
        outcome="MSP Process",
        status=status,
        **kwargs,
    )


def report(client, tenant: Tenant, **params):
    return client.get(f"/t/{tenant.slug}/verifications/", params)


def contacts(response) -> list[str]:
    return [v.contact_name for v in response.context["page"].object_list]


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_it_lists_the_workspace_verifications_newest_first(signed_in_admin, client) -> None:
    m = signed_in_admin
    VerificationFactory(tenant=m.tenant, contact_name="Older", created=at(1))
    VerificationFactory(
        tenant=m.tenant,
        contact_name="Newer",
        created=at(2),
        method=Verification.Method.OVERRIDE,
        status=S.OVERRIDE,
        destination="",
        reason="Called back on the number in our documentation",
        agent_name="Tom Tech",
        ticket_id=4242,
    )
    VerificationFactory(contact_name="Someone else's")
    response = report(client, m.tenant)
    body = response.content.decode()
    assert contacts(response) == ["Newer", "Older"]
    assert "Someone else&#x27;s" not in body
    assert "2 verifications" in body
    assert "Called back on the number in our documentation" in body
    assert '<span class="outcome outcome-override">Override</span>' in body
    assert '<span class="outcome outcome-verified">Verified</span>' in body
    assert "Verified another way" in body
    assert "4242" in body
    assert "Tom Tech" in body
    assert "+•• •••• •••201" in body
    assert response.context["active"] == "verifications"


def test_it_filters_by_date_range_including_the_last_day(signed_in_admin, client) -> None:
    m = signed_in_admin
    for day in (1, 2, 3, 4):
        VerificationFactory(tenant=m.tenant, contact_name=f"Day {day}", created=at(day, 23))
    response = report(client, m.tenant, date_from="2025-03-02", date_to="2025-03-03")
    assert contacts(response) == ["Day 3", "Day 2"]
    assert contacts(report(client, m.tenant, date_from="2025-03-04")) == ["Day 4"]
    assert contacts(report(client, m.tenant, date_to="2025-03-01")) == ["Day 1"]


def test_it_explains_an_upside_down_date_range(signed_in_admin, client) -> None:
    m = signed_in_admin
    VerificationFactory(tenant=m.tenant, created=at(2))
    response = report(client, m.tenant, date_from="2025-03-05", date_to="2025-03-01")
    assert "The end date is before the start date." in response.content.decode()
    assert contacts(response) == []  # the start date still applies


def test_it_filters_by_technician_from_a_list_of_names(signed_in_admin, client) -> None:
    m = signed_in_admin
    VerificationFactory(tenant=m.tenant, agent_name="Priya Shah", contact_name="A")
    VerificationFactory(tenant=m.tenant, agent_name="Tom Tech", contact_name="B")
    VerificationFactory(tenant=m.tenant, agent_name="Tom Tech", contact_name="C")
    VerificationFactory(agent_name="Outsider Agent")
    response = report(client, m.tenant, technician="Tom Tech")
    assert contacts(response) == ["C", "B"]
    choices = list(response.context["form"].fields["technician"].choices)
    assert choices == [
        ("", "Any technician"),
        ("Priya Shah", "Priya Shah"),
        ("Tom Tech", "Tom Tech"),
    ]


def test_it_filters_by_outcome(signed_in_admin, client) -> None:
    m = signed_in_admin
    VerificationFactory(tenant=m.tenant, status=S.VERIFIED, contact_name="Good")
    VerificationFactory(tenant=m.tenant, status=S.DENIED, contact_name="Denied")
    VerificationFactory(tenant=m.tenant, status=S.LOCKED, contact_name="Locked")
    assert contacts(report(client, m.tenant, outcome="denied")) == ["Denied"]
    assert contacts(report(client, m.tenant, outcome="locked")) == ["Locked"]


def test_it_filters_by_contact_name_or_halo_user_id(signed_in_admin, client) -> None:
    m = signed_in_admin
    VerificationFactory(tenant=m.tenant, contact_name="Jane Doe", halo_user_id=201)
    VerificationFactory(tenant=m.tenant, contact_name="John Smith", halo_user_id=305)
    VerificationFactory(tenant=m.tenant, contact_name="Agent 201", halo_user_id=999)
    assert contacts(report(client, m.tenant, contact="jane")) == ["Jane Doe"]
    assert contacts(report(client, m.tenant, contact="305")) == ["John Smith"]
    assert sorted(contacts(report(client, m.tenant, contact="201"))) == ["Agent 201", "Jane Doe"]
    assert contacts(report(client, m.tenant, contact="nobody")) == []


def test_it_paginates_by_50_and_keeps_the_filters(signed_in_admin, client) -> None:
    m = signed_in_admin
    start = timezone.now()
    for i in range(60):
        VerificationFactory(
            tenant=m.tenant, contact_name=f"C{i:02}", created=start - timedelta(minutes=i)
        )
    VerificationFactory(tenant=m.tenant, status=S.DENIED, contact_name="Not matching")
    first = report(client, m.tenant, outcome="verified")
    assert len(contacts(first)) == 50
    assert contacts(first)[0] == "C00"
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?outcome=verified&amp;page=2"' in first.content.decode()
    second = report(client, m.tenant, outcome="verified", page=2)
    assert contacts(second) == [f"C{i:02}" for i in range(50, 60)]
    assert 'href="?outcome=verified&amp;page=1"' in second.content.decode()
    # A page past the end shows the last one rather than an error.
    assert contacts(report(client, m.tenant, outcome="verified", page=9)) == contacts(second)


def test_it_exports_the_filtered_rows_as_csv(signed_in_admin, client) -> None:
    m = signed_in_admin
    VerificationFactory(
        tenant=m.tenant,
        contact_name="Jane Doe",
        halo_user_id=201,
        ticket_id=1001,
        created=at(2, 9),
        completed_at=at(2, 10),
        agent_name="Priya Shah",
    )
    VerificationFactory(tenant=m.tenant, contact_name="Filtered out", status=S.DENIED)
    VerificationFactory(contact_name="Other tenant")
    response = report(client, m.tenant, outcome="verified", format="csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="verifications-{m.tenant.slug}-'
    )
    rows = csv_rows(response)
    assert rows[0][:4] == ["Time (UTC)", "Contact", "Halo user id", "Ticket"]
    assert rows[1:] == [
        [
            "2025-03-02T09:00:00+00:00",
            "Jane Doe",
            "201",
            "1001",
            "Code by SMS",
            "'+•• •••• •••201",
            "Priya Shah",
            "Verified",
            "",
            "2025-03-02T10:00:00+00:00",
        ]
    ]


def test_it_defuses_formulas_in_the_csv(signed_in_admin, client) -> None:
    m = signed_in_admin
    VerificationFactory(
        tenant=m.tenant,
        contact_name='=HYPERLINK("http://evil.example","x")',
        agent_name="@SUM(1+1)",
        reason="-2+3",
        destination="+cmd|' /C calc'!A0",
        method=Verification.Method.OVERRIDE,
        status=S.OVERRIDE,
    )
    [row] = csv_rows(report(client, m.tenant, format="csv"))[1:]
    assert row[1] == '\'=HYPERLINK("http://evil.example","x")'
    assert row[5] == "'+cmd|' /C calc'!A0"
    assert row[6] == "'@SUM(1+1)"
    assert row[8] == "'-2+3"
    assert row[4] == "Verified another way"


def test_it_offers_the_csv_link_with_the_filters(signed_in_admin, client) -> None:
    m = signed_in_admin
    VerificationFactory(tenant=m.tenant)
    body = report(client, m.tenant, outcome="verified", page=1).content.decode()
    assert 'id="csv-link" href="?outcome=verified&amp;format=csv"' in body


def test_it_shows_an_empty_state(signed_in_admin, client) -> None:
    m = signed_in_admin
    body = report(client, m.tenant).content.decode()
    assert "No verifications yet." in body
    assert 'id="report"' not in body
    assert 'id="csv-link"' not in body
    VerificationFactory(tenant=m.tenant, status=S.VERIFIED)
    body = report(client, m.tenant, outcome="denied").content.decode()
    assert "No verification matches these filters." in body


def test_it_shows_the_notes_that_have_not_reached_halo(signed_in_admin, client) -> None:
    m = signed_in_admin
    retry_at = timezone.now() + timedelta(minutes=5)
    note(
        VerificationFactory(tenant=m.tenant, ticket_id=5001),
        attempts=2,
        next_attempt_at=retry_at,
        last_error="Halo did not answer in time.",
    )
    note(
        VerificationFactory(tenant=m.tenant, ticket_id=5002),
        status=Note.Status.FAILED,
        attempts=8,
        last_error="Halo refused the note: ticket 5002 does not exist.",
    )
    note(VerificationFactory(tenant=m.tenant, ticket_id=5003), status=Note.Status.SENT)
    note(VerificationFactory(ticket_id=5004), attempts=1, last_error="Other tenant's error")
    response = report(client, m.tenant)
    body = response.content.decode()
    outbox = response.context["outbox"]
    assert (outbox["pending"], outbox["failed"]) == (1, 1)
    assert [n["ticket_id"] for n in outbox["notes"]] == [5002, 5001]  # failed first
    assert '<strong id="outbox-pending">1</strong>' in body
    assert '<strong id="outbox-failed" class="bad">1</strong>' in body
    assert "Halo did not answer in time." in body
    assert "Halo refused the note: ticket 5002 does not exist." in body
    assert "Other tenant&#x27;s error" not in body
    assert "Notes that gave up will not be retried" in body


def test_it_says_when_every_note_has_reached_halo(signed_in_admin, client) -> None:
    m = signed_in_admin
    note(VerificationFactory(tenant=m.tenant), status=Note.Status.SENT)
    body = report(client, m.tenant).content.decode()
    assert 'id="outbox-clear"' in body


def _fill(tenant: Tenant, n: int) -> None:
    for i in range(n):
        v = VerificationFactory(tenant=tenant, agent_name=f"Agent {i % 7}")
        if i % 3 == 0:
            note(v, status=Note.Status.FAILED if i % 2 else Note.Status.PENDING)


def test_it_runs_the_same_number_of_queries_for_5_and_60_rows(
    signed_in_admin, client, django_assert_max_num_queries
) -> None:
    # Session, user, membership, technicians, count, page, outbox counts, outbox list.
    m = signed_in_admin
    _fill(m.tenant, 5)
    with django_assert_max_num_queries(8) as few:
        assert report(client, m.tenant).status_code == 200
    _fill(m.tenant, 55)
    with django_assert_max_num_queries(8) as many:
        response = report(client, m.tenant)
    assert len(contacts(response)) == 50
    assert len(response.context["outbox"]["notes"]) == 20
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("params", [{}, {"format": "csv"}])
def test_it_answers_404_to_an_outsider(signed_in_admin, client, params) -> None:
    target = AdminMembershipFactory()
    VerificationFactory(tenant=target.tenant)
    assert report(client, target.tenant, **params).status_code == 404


@pytest.mark.parametrize("params", [{}, {"format": "csv"}])
def test_it_answers_403_to_a_technician(client, params) -> None:
    tech = MembershipFactory()
    client.force_login(tech.user)
    assert report(client, tech.tenant, **params).status_code == 403


@pytest.mark.parametrize("params", [{}, {"format": "csv"}])
def test_it_sends_anonymous_visitors_to_sign_in(client, params) -> None:
    tenant = TenantFactory()
    response = report(client, tenant, **params)
    assert response.status_code == 302
    assert response.url.startswith(f"/accounts/login/?next=/t/{tenant.slug}/verifications/")
