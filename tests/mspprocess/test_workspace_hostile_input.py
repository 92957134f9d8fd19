"""No input to a workspace page gives a 500, and a refused input changes nothing.

Property-based, like tests/tickettab/test_tab_hostile_input.py and with its strategies
(tests/hostile.py): the customer's pages under /t/<slug>/ (overview, settings, the
verification report with its CSV, the audit trail, the Team page's invitations, roles
and removals) get arbitrary text, digits of other scripts, NUL and control characters,
huge numbers and long strings in every field and query parameter. The Halo connection
form is in tests/integrations/test_integration_hostile_input.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.forms.models import model_to_dict
from hypothesis import given
from hypothesis import strategies as st

from mspprocess.core import audit
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Membership
from mspprocess.parsing import has_control_characters
from tests.factories import AdminMembershipFactory, MembershipFactory, VerificationFactory
from tests.hostile import ANY_INPUT, DATE_TEXT, HOSTILE, HOSTILE_QUICK, TEXT
from tickettab.models import VerificationSettings

pytestmark = pytest.mark.django_db

SETTINGS = {
    "sms_enabled": "on",
    "email_enabled": "on",
    "link_enabled": "on",
    "code_lifetime_minutes": "10",
    "shield_window_minutes": "60",
    "note_outcome": "MSP Process",
    "override_min_reason": "15",
    "contact_hourly_cap": "5",
    "tenant_hourly_cap": "200",
    "country": "GB",
}
NUMBERS = (
    "code_lifetime_minutes",
    "shield_window_minutes",
    "override_min_reason",
    "contact_hourly_cap",
    "tenant_hourly_cap",
)
# What a query string or a form may carry: any of the page's own names, or others.
REPORT_PARAMS = ("date_from", "date_to", "technician", "outcome", "contact", "page", "format")
AUDIT_PARAMS = ("action", "date_from", "date_to", "page")
# Ids in an address: Django's <int:…> takes any run of ASCII digits.
HUGE_ID = st.one_of(
    st.integers(min_value=0, max_value=10**30),
    st.sampled_from([2**31, 2**63, 10**4000]),
)


def query(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    """Some of `names` (and perhaps an unknown one), each with a hostile value."""
    return st.dictionaries(
        st.one_of(st.sampled_from(names), TEXT.filter(lambda s: "\x00" not in s)),
        st.one_of(ANY_INPUT, DATE_TEXT),
        max_size=len(names) + 1,
    )


@pytest.fixture
def admin(client) -> Membership:
    m = AdminMembershipFactory(tenant__name="Acme IT")
    client.force_login(m.user)
    return m


def stored_settings(m: Membership) -> dict[str, Any]:
    # From the database: for_tenant() keeps the first answer on the tenant instance.
    return model_to_dict(VerificationSettings.objects.get_or_create(tenant=m.tenant)[0])


def team(m: Membership) -> list[tuple[Any, ...]]:
    members = Membership.objects.filter(tenant=m.tenant).values_list("pk", "user_id", "role")
    return [*sorted(members), (User.objects.count(), AuditEvent.objects.count())]


@HOSTILE_QUICK
@given(params=query(("x", "tab", "next")))
def test_it_survives_any_query_on_the_overview(client, admin, params) -> None:
    response = client.get(f"/t/{admin.tenant.slug}/", params)
    assert response.status_code == 200


@HOSTILE_QUICK
@given(slug=st.from_regex(r"[-a-zA-Z0-9_]{1,400}", fullmatch=True))
def test_it_answers_404_for_any_unknown_workspace(client, admin, slug) -> None:
    for page in ("", "settings/", "verifications/", "audit/", "members/", "integration/"):
        response = client.get(f"/t/{admin.tenant.slug}x{slug}/{page}")
        assert response.status_code == 404


@HOSTILE
@given(field=st.sampled_from(sorted(SETTINGS)), value=ANY_INPUT)
def test_it_survives_any_value_of_one_setting(client, admin, field, value) -> None:
    before, events = stored_settings(admin), AuditEvent.objects.count()
    response = client.post(f"/t/{admin.tenant.slug}/settings/", SETTINGS | {field: value})
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: the page again, with the reason
        assert response.context["form"].errors
        assert stored_settings(admin) == before
        assert AuditEvent.objects.count() == events
    elif field in NUMBERS:  # taken: only ever a number as typed, in ASCII digits
        assert re.fullmatch(r"\s*[0-9]+\s*", value, re.ASCII)
        assert stored_settings(admin)[field] == int(value)
    elif field == "note_outcome":
        assert stored_settings(admin)[field] == value.strip()
        assert not has_control_characters(value)


@pytest.mark.parametrize("value", ["2\u0b69", "\uff11\uff10", "10.0", "1e1", "9" * 5000])
def test_it_refuses_a_setting_that_is_not_ascii_digits(client, admin, value) -> None:
    before = stored_settings(admin)
    response = client.post(
        f"/t/{admin.tenant.slug}/settings/", SETTINGS | {"code_lifetime_minutes": value}
    )
    assert response.context["form"].errors["code_lifetime_minutes"] == [
        "Choose a code lifetime between 2 and 30 minutes."
    ]
    assert stored_settings(admin) == before


@pytest.mark.parametrize("value", ["MSP\x07 Process", "MSP Process\u202e", "\x1b[31mMSP"])
def test_it_refuses_control_characters_in_the_note_outcome(client, admin, value) -> None:
    before = stored_settings(admin)
    response = client.post(f"/t/{admin.tenant.slug}/settings/", SETTINGS | {"note_outcome": value})
    assert response.context["form"].errors["note_outcome"] == [
        "This text contains invisible control characters. Type it again without "
        "pasting from another program."
    ]
    assert stored_settings(admin) == before


@HOSTILE
@given(data=st.fixed_dictionaries({name: ANY_INPUT for name in SETTINGS}))
def test_it_survives_any_settings_form(client, admin, data) -> None:
    before, events = stored_settings(admin), AuditEvent.objects.count()
    response = client.post(f"/t/{admin.tenant.slug}/settings/", data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert stored_settings(admin) == before
        assert AuditEvent.objects.count() == events


@HOSTILE_QUICK
@given(params=query(("x",)))
def test_it_survives_any_query_on_the_settings_page(client, admin, params) -> None:
    assert client.get(f"/t/{admin.tenant.slug}/settings/", params).status_code == 200


@HOSTILE
@given(params=query(REPORT_PARAMS))
def test_it_survives_any_report_filter(client, admin, params) -> None:
    VerificationFactory(tenant=admin.tenant)
    response = client.get(f"/t/{admin.tenant.slug}/verifications/", params)
    assert response.status_code == 200
    if response.streaming:  # ?format=csv: the rows are read as the reply is sent
        b"".join(response.streaming_content)


@HOSTILE
@given(params=query(REPORT_PARAMS))
def test_it_survives_any_report_filter_in_csv(client, admin, params) -> None:
    VerificationFactory(tenant=admin.tenant)
    response = client.get(f"/t/{admin.tenant.slug}/verifications/", params | {"format": "csv"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"Time (UTC),")


@pytest.mark.parametrize("name", ["date_from", "date_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_it_takes_the_first_and_last_days_of_the_calendar(client, admin, name, day) -> None:
    VerificationFactory(tenant=admin.tenant)
    for path in ("verifications/", "audit/"):
        response = client.get(f"/t/{admin.tenant.slug}/{path}", {name: day})
        assert response.status_code == 200
        assert not response.context["form"].errors


@HOSTILE
@given(params=query(AUDIT_PARAMS))
def test_it_survives_any_audit_filter(client, admin, params) -> None:
    audit.record(admin.tenant, admin.user, AuditEvent.Action.SETTINGS_CHANGED, fields=["country"])
    response = client.get(f"/t/{admin.tenant.slug}/audit/", params)
    assert response.status_code == 200


@HOSTILE
@given(email=ANY_INPUT, role=ANY_INPUT)
def test_it_survives_any_invitation(client, admin, mailoutbox, email, role) -> None:
    before = team(admin)
    response = client.post(
        f"/t/{admin.tenant.slug}/members/invite/", {"email": email, "role": role}
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors
        assert team(admin) == before


@HOSTILE
@given(email=ANY_INPUT)
def test_it_refuses_any_invitation_with_an_unknown_role(client, admin, email) -> None:
    before = team(admin)
    response = client.post(
        f"/t/{admin.tenant.slug}/members/invite/", {"email": email, "role": "owner"}
    )
    assert response.status_code == 200
    assert team(admin) == before


@HOSTILE
@given(role=ANY_INPUT.filter(lambda s: s not in Membership.Role.values))
def test_it_refuses_any_unknown_role(client, admin, role) -> None:
    tech = MembershipFactory(tenant=admin.tenant)
    before = team(admin)
    response = client.post(f"/t/{admin.tenant.slug}/members/{tech.pk}/role/", {"role": role})
    assert response.status_code == 302
    assert team(admin) == before


@HOSTILE_QUICK
@given(pk=HUGE_ID, role=st.sampled_from(Membership.Role.values))
def test_it_answers_404_for_any_unknown_member(client, admin, pk, role) -> None:
    pk = pk if pk != admin.pk else 0
    before = team(admin)
    base = f"/t/{admin.tenant.slug}/members/{pk}"
    assert client.post(f"{base}/role/", {"role": role}).status_code == 404
    assert client.post(f"{base}/resend/").status_code == 404
    assert client.get(f"{base}/remove/").status_code == 404
    assert client.post(f"{base}/remove/").status_code == 404
    assert team(admin) == before


@HOSTILE_QUICK
@given(params=query(("x", "role", "email")))
def test_it_survives_any_query_on_the_team_pages(client, admin, params) -> None:
    assert client.get(f"/t/{admin.tenant.slug}/members/", params).status_code == 200
    response = client.get(f"/t/{admin.tenant.slug}/members/{admin.pk}/remove/", params)
    assert response.status_code == 200
