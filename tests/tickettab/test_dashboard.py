from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from mspprocess.core.models import Tenant
from tests.factories import (
    AdminMembershipFactory,
    MembershipFactory,
    TenantFactory,
    VerificationFactory,
)
from tickettab import dashboard
from tickettab.models import Verification

pytestmark = pytest.mark.django_db

M, S = Verification.Method, Verification.Status
# A Wednesday: this week began on Monday 17 March, twelve weeks began on 30 December.
NOW = datetime(2025, 3, 19, 12, tzinfo=UTC)


def make(tenant: Tenant, created: datetime = NOW - timedelta(days=1), **kwargs) -> Verification:
    """A verification answered 30 s after it was sent, unless told otherwise."""
    kwargs.setdefault("completed_at", created + timedelta(seconds=30))
    return VerificationFactory(tenant=tenant, created=created, **kwargs)


def page(client, tenant: Tenant, **params):
    return client.get(f"/t/{tenant.slug}/verifications/dashboard/", params)


def section(body: str, element_id: str) -> str:
    start = body.index(f'id="{element_id}"')
    return body[start : body.index("</section>", start)]


def table_rows(html: str) -> list[tuple[str, list[int]]]:
    """(row header without tags, the numbers of its cells) for each body row."""
    rows = []
    for header, cells in re.findall(r'<th scope="row">(.*?)</th>((?:<td>\d+</td>)+)', html):
        label = re.sub(r"<[^>]+>", "", header).strip()
        rows.append((label, [int(n) for n in re.findall(r"<td>(\d+)</td>", cells)]))
    return rows


# -- the figures ---------------------------------------------------------------------


def test_it_starts_the_period_on_a_monday_whole_weeks_back() -> None:
    assert dashboard.period_start(12, NOW) == datetime(2024, 12, 30, tzinfo=UTC)
    assert dashboard.period_start(4, NOW) == datetime(2025, 2, 24, tzinfo=UTC)
    # On a Monday at midnight the week that starts then is the last one.
    assert dashboard.period_start(1, datetime(2025, 3, 17, tzinfo=UTC)) == datetime(
        2025, 3, 17, tzinfo=UTC
    )


def test_it_buckets_verifications_into_weeks_monday_to_sunday_utc() -> None:
    tenant = TenantFactory()
    make(tenant, datetime(2025, 3, 16, 23, 59, tzinfo=UTC))  # Sunday: the week of 10 March
    make(tenant, datetime(2025, 3, 17, 0, 0, tzinfo=UTC))  # Monday: the week of 17 March
    make(tenant, datetime(2025, 3, 18, 9, tzinfo=UTC), status=S.DENIED)
    make(tenant, datetime(2024, 12, 30, 0, 0, tzinfo=UTC))  # the period's first minute
    make(tenant, datetime(2024, 12, 29, 23, 59, tzinfo=UTC))  # before the period
    make(TenantFactory(), datetime(2025, 3, 18, tzinfo=UTC))  # another workspace's
    figures = dashboard.figures(tenant, 12, now=NOW)
    assert figures.week_starts[0] == date(2024, 12, 30)
    assert figures.week_starts[-1] == date(2025, 3, 17)
    assert len(figures.week_starts) == 12
    weekly = {week: dict(counts) for week, counts in figures.weekly.items() if counts}
    assert weekly == {
        date(2024, 12, 30): {"verified": 1},
        date(2025, 3, 10): {"verified": 1},
        date(2025, 3, 17): {"verified": 1, "denied": 1},
    }
    assert figures.total == 4


def test_it_counts_outcomes_and_leaves_the_reverse_check_out() -> None:
    tenant = TenantFactory()
    for status, n in [
        (S.VERIFIED, 6),
        (S.OVERRIDE, 2),
        (S.DENIED, 1),
        (S.LOCKED, 1),
        (S.EXPIRED, 2),
        (S.SEND_FAILED, 1),
        (S.CANCELLED, 1),
    ]:
        for _ in range(n):
            make(tenant, status=status)
    # A code nobody typed in before it expired is unanswered even if nobody looked since.
    make(tenant, status=S.PENDING, completed_at=None, expires_at=NOW - timedelta(minutes=1))
    make(tenant, status=S.PENDING, completed_at=None, expires_at=NOW + timedelta(minutes=5))
    make(tenant, method=M.REVERSE, status=S.SENT, completed_at=None)
    make(tenant, method=M.REVERSE, status=S.SENT, completed_at=None)
    figures = dashboard.figures(tenant, now=NOW)
    assert dict(figures.outcomes) == {
        "verified": 6,
        "override": 2,
        "denied": 1,
        "locked": 1,
        "unanswered": 3,
        "send_failed": 1,
        "other": 2,
    }
    assert figures.total == 16
    assert figures.reverse_checks == 2
    assert figures.finished == 10
    assert figures.override_rate == pytest.approx(0.2)
    assert figures.denial_rate == pytest.approx(0.2)
    assert dashboard.percent(figures.override_rate) == "20%"
    assert [(r.label, r.count) for r in figures.methods] == [("Code by SMS", 16)]


def test_it_counts_methods_and_pushes() -> None:
    tenant = TenantFactory()
    for method, status in [
        (M.PUSH, S.VERIFIED),
        (M.PUSH, S.VERIFIED),
        (M.PUSH, S.DENIED),
        (M.PUSH, S.EXPIRED),
        (M.LINK, S.VERIFIED),
        (M.EMAIL, S.VERIFIED),
        (M.OVERRIDE, S.OVERRIDE),
    ]:
        make(tenant, method=method, status=status)
    figures = dashboard.figures(tenant, now=NOW)
    assert [(r.label, r.count) for r in figures.methods] == [
        ("Code by email", 1),
        ("Secure link", 1),
        ("Verified another way", 1),
        ("Push to the caller's authenticator", 4),
    ]
    assert (figures.pushes["verified"], figures.pushes["denied"]) == (2, 1)
    assert figures.pushes["unanswered"] == 1


def test_it_gives_no_rates_without_a_finished_verification() -> None:
    tenant = TenantFactory()
    make(tenant, status=S.SEND_FAILED)
    figures = dashboard.figures(tenant, now=NOW)
    assert (figures.finished, figures.override_rate, figures.denial_rate) == (0, None, None)
    assert dashboard.percent(None) == "—"
    assert dashboard.percent(1 / 250) == "0.4%"


def test_it_takes_the_median_of_answered_codes_links_and_pushes_only() -> None:
    tenant = TenantFactory()
    for method, seconds in [(M.SMS, 50), (M.EMAIL, 10), (M.LINK, 40), (M.PUSH, 20)]:
        make(tenant, method=method, completed_at=NOW - timedelta(days=1, seconds=-seconds))
    # Not timed: an override (nothing sent), a denial, a reverse check, a code unanswered.
    make(tenant, method=M.OVERRIDE, status=S.OVERRIDE, completed_at=NOW)
    make(tenant, status=S.DENIED, completed_at=NOW)
    make(tenant, method=M.REVERSE, status=S.VERIFIED, completed_at=NOW)
    make(tenant, status=S.EXPIRED, completed_at=NOW)
    figures = dashboard.figures(tenant, now=NOW)
    assert (figures.timed, figures.median) == (4, None)  # not enough data under 5

    make(tenant, completed_at=NOW - timedelta(days=1, seconds=-30))
    figures = dashboard.figures(tenant, now=NOW)
    assert (figures.timed, figures.median) == (5, timedelta(seconds=30))

    make(tenant, completed_at=NOW - timedelta(days=1, seconds=-3600))
    figures = dashboard.figures(tenant, now=NOW)
    assert (figures.timed, figures.median) == (6, timedelta(seconds=35))  # (30 + 40) / 2


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (timedelta(seconds=42), "42 s"),
        (timedelta(seconds=80), "1 min 20 s"),
        (timedelta(minutes=3), "3 min"),
        (timedelta(hours=2, minutes=5), "2 h 5 min"),
    ],
)
def test_it_says_durations_in_words(value: timedelta, words: str) -> None:
    assert dashboard.spoken_duration(value) == words


def test_it_ranks_the_top_10_technicians_and_sums_the_others() -> None:
    tenant = TenantFactory()
    # Technician 00 has 13 verifications, 01 has 12 … 11 has 2.
    for i in range(12):
        for _ in range(13 - i):
            make(tenant, agent_name=f"Technician {i:02}")
    make(tenant, agent_name="Technician 99", method=M.REVERSE, status=S.SENT)
    figures = dashboard.figures(tenant, now=NOW)
    rows = [(r.label, r.count) for r in figures.technicians]
    assert rows[:2] == [("Technician 00", 13), ("Technician 01", 12)]
    assert rows[9] == ("Technician 09", 4)
    assert rows[10] == ("Others (2 technicians)", 3 + 2)
    assert len(rows) == 11
    assert sum(count for _, count in rows) == figures.total == 90


def test_it_breaks_ties_by_name_and_adds_no_others_row_when_nobody_is_left() -> None:
    tenant = TenantFactory()
    for name in ("Zoe", "Adam", "Mia"):
        make(tenant, agent_name=name)
    figures = dashboard.figures(tenant, now=NOW)
    assert [r.label for r in figures.technicians] == ["Adam", "Mia", "Zoe"]


def test_it_ranks_clients_with_their_newest_name() -> None:
    tenant = TenantFactory()
    old, new = NOW - timedelta(days=20), NOW - timedelta(days=2)
    for _ in range(3):
        make(tenant, halo_client_id=12, client_name="Kestrel Logistics", created=old)
    make(tenant, halo_client_id=12, client_name="Kestrel Group", created=new)
    make(tenant, halo_client_id=7, client_name="", created=new)  # the id but no name
    make(tenant, halo_client_id=None, client_name="")  # recorded before clients were
    make(tenant, halo_client_id=None, client_name="")
    figures = dashboard.figures(tenant, now=NOW)
    assert [(r.label, r.count, r.note) for r in figures.clients] == [
        ("Kestrel Group", 4, "Also recorded as Kestrel Logistics"),
        ("No client recorded", 2, ""),
        ("Halo client #7", 1, ""),
    ]


def test_it_ranks_the_top_10_clients_and_sums_the_others() -> None:
    tenant = TenantFactory()
    for i in range(1, 14):
        for _ in range(20 - i):
            make(tenant, halo_client_id=i, client_name=f"Client {i:02}")
    make(tenant, halo_client_id=None)
    figures = dashboard.figures(tenant, now=NOW)
    rows = [(r.label, r.count) for r in figures.clients]
    assert rows[0] == ("Client 01", 19)
    assert rows[9] == ("Client 10", 10)
    # Clients 11-13 (9 + 8 + 7) and the verification without a client.
    assert rows[10] == ("Others (4 clients)", 25)
    assert sum(count for _, count in rows) == figures.total


def test_it_asks_the_database_once_for_an_empty_period(django_assert_num_queries) -> None:
    tenant = TenantFactory()
    make(tenant, created=NOW - timedelta(weeks=30))
    with django_assert_num_queries(1):
        figures = dashboard.figures(tenant, 12, now=NOW)
    assert figures.total == 0


# -- the page ------------------------------------------------------------------------


def _fill(tenant: Tenant, n: int) -> None:
    now = timezone.now()
    methods = [M.SMS, M.EMAIL, M.LINK, M.PUSH, M.OVERRIDE]
    statuses = [S.VERIFIED, S.VERIFIED, S.VERIFIED, S.DENIED, S.EXPIRED, S.OVERRIDE]
    for i in range(n):
        created = now - timedelta(days=i % 80, minutes=i)
        make(
            tenant,
            created=created,
            method=methods[i % 5],
            status=statuses[i % 6],
            agent_name=f"Agent {i % 13}",
            halo_client_id=i % 15 or None,
            client_name=f"Client {i % 15}" if i % 15 else "",
        )


def test_it_asks_the_same_number_of_queries_for_10_and_200_verifications(
    signed_in_admin, client, django_assert_max_num_queries
) -> None:
    # Session, user, membership; outcomes by week and method, the totals, the top
    # technicians, the top clients, their names, the median.
    m = signed_in_admin
    _fill(m.tenant, 10)
    with django_assert_max_num_queries(9) as few:
        response = page(client, m.tenant)
    assert response.context["figures"].total == 10
    assert response.context["figures"].median is not None
    _fill(m.tenant, 190)
    with django_assert_max_num_queries(9) as many:
        response = page(client, m.tenant)
    assert response.context["figures"].total == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_it_draws_accessible_charts_whose_tables_hold_the_same_numbers(
    signed_in_admin, client
) -> None:
    m = signed_in_admin
    for name, n in [("Tom Tech", 3), ("Priya O'Shea", 2)]:
        for _ in range(n):
            make(m.tenant, created=timezone.now(), agent_name=name)
    make(m.tenant, created=timezone.now(), status=S.DENIED)
    body = page(client, m.tenant).content.decode()
    for chart_id in ("chart-weekly", "chart-method", "chart-technician", "chart-client"):
        html = section(body, chart_id)
        assert f'role="img" aria-labelledby="{chart_id}-title"' in html
        assert re.search(rf'<title id="{chart_id}-title">Verifications [^<]+</title>', html)
        assert "<summary>Show the numbers</summary>" in html
        assert f'<table class="list dash-table" id="{chart_id}-table">' in html
    technicians = section(body, "chart-technician")
    drawn = re.findall(r"<g>\s*<title>([^<]+): (\d+)</title>", technicians)
    assert drawn == [("Tom Tech", "3"), ("Priya O&#x27;Shea", "2"), ("Priya Shah", "1")]
    assert [(label, [int(n)]) for label, n in drawn] == table_rows(technicians)
    # The weekly table: this week's row and the totals row say what the picture says.
    weekly = section(body, "chart-weekly")
    this_week = table_rows(weekly)[-2]  # the last week, then "All weeks"
    assert this_week[1] == [5, 0, 1, 0, 0, 0, 0, 6]
    assert table_rows(weekly)[-1] == ("All weeks", [5, 0, 1, 0, 0, 0, 0, 6])
    assert re.findall(r'<rect class="(s-\w+)"', weekly) == ["s-verified", "s-denied"]


def test_it_shows_the_key_figures(signed_in_admin, client) -> None:
    m = signed_in_admin
    when = timezone.now() - timedelta(hours=1)
    for seconds in (20, 40, 60, 80, 100):
        make(m.tenant, created=when, completed_at=when + timedelta(seconds=seconds))
    make(m.tenant, created=when, method=M.OVERRIDE, status=S.OVERRIDE)
    make(m.tenant, created=when, method=M.PUSH, status=S.DENIED)
    make(m.tenant, created=when, method=M.PUSH, status=S.LOCKED)
    make(m.tenant, created=when, method=M.REVERSE, status=S.SENT)
    body = page(client, m.tenant).content.decode()
    assert re.search(r'id="figure-total">.*?<strong class="dash-number">8</strong>', body)
    # 1 of 8 is 12.5%: rounded half up, as people do.
    assert '<strong class="dash-number">13%</strong>' in section_li(body, "figure-override")
    assert "1 of 8 finished" in section_li(body, "figure-override")
    assert "25%" in section_li(body, "figure-denial")  # 2 of 8
    # 60 s, the middle of five
    assert '<strong class="dash-number">1 min</strong>' in section_li(body, "figure-median")
    assert "0 approved" in body and "1 denied" in body
    assert "The technician's word was sent 1 time" in body


def section_li(body: str, element_id: str) -> str:
    start = body.index(f'id="{element_id}"')
    return body[start : body.index("</li>", start)]


def test_it_says_when_there_is_not_enough_data_for_a_median(signed_in_admin, client) -> None:
    m = signed_in_admin
    make(m.tenant, created=timezone.now() - timedelta(hours=1))
    figure = section_li(page(client, m.tenant).content.decode(), "figure-median")
    assert "Not enough data" in figure
    assert "1 code, link or push answered; the median shows from 5" in figure


def test_it_shows_an_empty_state(signed_in_admin, client) -> None:
    m = signed_in_admin
    make(m.tenant, created=timezone.now() - timedelta(weeks=8))
    body = page(client, m.tenant, weeks="4").content.decode()
    assert (
        "No verifications in the last 4 weeks yet. They appear here as technicians verify "
        "callers in the tab." in body
    )
    assert "<svg" not in body
    assert "No verifications" not in page(client, m.tenant).content.decode()  # 12 weeks


@pytest.mark.parametrize(
    "weeks",
    ["\x00", "12\x00", "99999999999999999999999999", "twelve", "-4", "12.0", "", "٤", "0", "52"],
)
def test_it_falls_back_to_12_weeks_on_anything_not_offered(signed_in_admin, client, weeks) -> None:
    m = signed_in_admin
    make(m.tenant, created=timezone.now() - timedelta(weeks=10))
    response = page(client, m.tenant, weeks=weeks)
    assert response.status_code == 200
    assert response.context["figures"].weeks == 12
    assert response.context["figures"].total == 1
    assert '<option value="12" selected>Last 12 weeks</option>' in response.content.decode()


@pytest.mark.parametrize("weeks", [4, 12, 26])
def test_it_shows_the_period_asked_for(signed_in_admin, client, weeks) -> None:
    m = signed_in_admin
    make(m.tenant, created=timezone.now() - timedelta(weeks=8))
    make(m.tenant, created=timezone.now() - timedelta(weeks=20))
    response = page(client, m.tenant, weeks=str(weeks))
    figures = response.context["figures"]
    assert figures.weeks == weeks and len(figures.week_starts) == weeks
    assert figures.total == {4: 0, 12: 1, 26: 2}[weeks]
    assert f'<option value="{weeks}" selected>' in response.content.decode()


def test_it_keeps_to_the_content_security_policy(signed_in_admin, client) -> None:
    m = signed_in_admin
    _fill(m.tenant, 20)
    response = page(client, m.tenant)
    body = response.content.decode()
    assert "<svg" in body
    assert "<script" not in body and "<style" not in body and " style=" not in body
    assert "style-src 'self'" in response["Content-Security-Policy"]


def test_it_is_linked_from_the_report_and_the_workspace_menu(signed_in_admin, client) -> None:
    m = signed_in_admin
    body = client.get(f"/t/{m.tenant.slug}/verifications/").content.decode()
    assert f'<a href="/t/{m.tenant.slug}/verifications/dashboard/" id="dashboard-link">' in body
    body = page(client, m.tenant).content.decode()
    assert (
        f'<a href="/t/{m.tenant.slug}/verifications/dashboard/" aria-current="page">'
        "Verification dashboard</a>" in body
    )


def test_it_answers_404_to_another_workspaces_admin(signed_in_admin, client) -> None:
    target = AdminMembershipFactory()
    make(target.tenant)
    assert page(client, target.tenant).status_code == 404


def test_it_answers_403_to_a_technician_as_the_report_does(client) -> None:
    tech = MembershipFactory()
    client.force_login(tech.user)
    assert page(client, tech.tenant).status_code == 403
    assert client.get(f"/t/{tech.tenant.slug}/verifications/").status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client) -> None:
    tenant = TenantFactory()
    response = page(client, tenant)
    assert response.status_code == 302
    assert response.url.startswith(
        f"/accounts/login/?next=/t/{tenant.slug}/verifications/dashboard/"
    )
