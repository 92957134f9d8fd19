"""The tab as a real Halo loads it: raw variables, and a misconfigured tab that explains itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings

from integrations.models import HaloConnection
from tests.factories import AdminMembershipFactory, ConnectionFactory, StaffFactory
from tickettab import tabauth
from tickettab.models import Tab

pytestmark = pytest.mark.django_db


def halo_src(conn: HaloConnection, ticket: str = "1001", agent: str = "2", secret=None) -> str:
    """The iframe address as Halo builds it from our tab URL: each variable replaced
    by raw text, nothing encoded, nothing appended. Written here on its own (not
    borrowed from the sandbox) so that both are checked against the same rule."""
    signature = tabauth.agent_signature(conn.tenant.tab.secret if secret is None else secret, agent)
    url = conn.tenant.tab.url.removeprefix(settings.PUBLIC_BASE_URL)
    return (
        url.replace("$FAULTID", ticket)
        .replace("$LOGGEDINAGENTID", agent)
        .replace("$HMAC", signature)
    )


def agent_whose_signature(conn: HaloConnection, test) -> str:
    """The first agent id whose signature with this secret passes `test`."""
    for agent_id in range(1, 100_000):
        if test(tabauth.agent_signature(conn.tenant.tab.secret, str(agent_id))):
            return str(agent_id)
    raise AssertionError("no such agent id")


def test_it_generates_the_tab_url_with_halos_three_variables() -> None:
    conn = ConnectionFactory()
    assert conn.tenant.tab.url == (
        f"{settings.PUBLIC_BASE_URL}/tab/{conn.tenant.tab.key}/"
        "?ticket_id=$FAULTID&agent_id=$LOGGEDINAGENTID&hmac=$HMAC"
    )


def test_it_follows_the_variable_settings(settings) -> None:
    settings.HALO_TAB_AGENT_VARIABLE = "$AGENTID"
    settings.HALO_TAB_HMAC_VARIABLE = "$SIGNATURE"
    conn = ConnectionFactory()
    assert conn.tenant.tab.url.endswith("?ticket_id=$FAULTID&agent_id=$AGENTID&hmac=$SIGNATURE")


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(lambda s: s.startswith("+"), id="starts-with-plus"),
        pytest.param(lambda s: "+" in s[1:-2] and "/" in s, id="plus-and-slash-inside"),
        pytest.param(lambda s: s.endswith("=") and "+" not in s, id="padding-only"),
    ],
)
def test_it_opens_from_the_address_halo_builds(client, shape) -> None:
    conn = ConnectionFactory()
    agent = agent_whose_signature(conn, shape)
    src = halo_src(conn, agent=agent)
    response = client.get(src)
    assert response.status_code == 200, response.content.decode()
    token = response.content.decode().split('data-token="')[1].split('"')[0]
    identity = tabauth.read_token(token, conn.tenant.tab)
    assert identity is not None and identity.id == int(agent)


def test_it_accepts_a_percent_encoded_signature_too(client) -> None:
    # Not Halo's form, but the same bytes: a proxy or a person re-encoding the URL.
    conn = ConnectionFactory()
    agent = agent_whose_signature(conn, lambda s: "+" in s)
    signature = tabauth.agent_signature(conn.tenant.tab.secret, agent)
    src = halo_src(conn, agent=agent).replace(signature, signature.replace("+", "%2B"))
    assert client.get(src).status_code == 200


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda s: s.replace("+", "-").replace("/", "_"), id="urlsafe-alphabet"),
        pytest.param(lambda s: s.rstrip("="), id="padding-dropped"),
        pytest.param(lambda s: s.lstrip("+"), id="leading-plus-dropped"),
        pytest.param(lambda s: " " + s, id="leading-space-added"),
        pytest.param(lambda s: s + " ", id="trailing-space-added"),
        pytest.param(lambda s: s.swapcase(), id="case-changed"),
    ],
)
def test_it_accepts_nothing_looser_than_raw_substitution(client, mangle) -> None:
    conn = ConnectionFactory()
    agent = agent_whose_signature(conn, lambda s: s.startswith("+") and "/" in s)
    signature = tabauth.agent_signature(conn.tenant.tab.secret, agent)
    mangled = mangle(signature)
    assert mangled != signature
    src = halo_src(conn, agent=agent).replace(f"hmac={signature}", f"hmac={mangled}")
    response = client.get(src)
    assert response.status_code == 403
    assert "data-token" not in response.content.decode()


def test_it_refuses_a_signature_made_for_another_agent(client) -> None:
    conn = ConnectionFactory()
    theirs = tabauth.agent_signature(conn.tenant.tab.secret, "3")
    src = halo_src(conn, agent="2").replace(
        tabauth.agent_signature(conn.tenant.tab.secret, "2"), theirs
    )
    response = client.get(src)
    assert response.status_code == 403
    assert "data-token" not in response.content.decode()


# -- a misconfigured tab explains itself ---------------------------------------------

PASTE_URL = "Configuration &gt; Custom Tabs"
CASES = [
    # (what Halo sends instead of the right value, expected code, words the technician sees)
    ("ticket=$FAULTID", "ticket_variable", "set its Entity to Ticket"),
    ("ticket=$FAULTDI", "mistyped_variable", "has $FAULTDI, which is not a Halo variable"),
    ("agent=$LOGGEDINAGENTID", "agent_variable", "did not fill in who is viewing"),
    ("agent=$LOGGEDINAGENT", "mistyped_variable", "has $LOGGEDINAGENT, which is not"),
    ("hmac=$HMAC", "unsigned", "set its Secret to the tab secret"),
    ("hmac=", "unsigned", "the tab has no Secret in Halo"),
    ("hmac=$HAMC", "mistyped_variable", "has $HAMC"),
    ("secret=another", "wrong_secret", "set its Secret to the tab secret"),
    ("ticket=abc", "bad_ticket", "not a number"),
    ("ticket=\uff11\uff12\uff13", "bad_ticket", "not a number"),
    ("ticket=" + "9" * 5000, "bad_ticket", "not a number"),
    ("ticket=0", "bad_ticket", "not a number"),
    ("agent=\u0663", "bad_agent", "not a number"),
]


def load(client, conn: HaloConnection, case: str):
    what, _, value = case.partition("=")
    if what == "secret":
        return client.get(halo_src(conn, secret=value))
    if what == "hmac":
        src = halo_src(conn).split("&hmac=")[0] + f"&hmac={value}"
        return client.get(src)
    return client.get(halo_src(conn, **{what: value}))


@pytest.mark.parametrize(("case", "code", "words"), CASES)
def test_it_explains_a_misconfigured_tab_and_records_it(client, case, code, words) -> None:
    conn = ConnectionFactory()
    response = load(client, conn, case)
    assert response.status_code == 403
    body = response.content.decode()
    assert words in body
    assert PASTE_URL in body  # the admin's fix, in Halo's menu words
    assert "data-token" not in body
    conn.refresh_from_db()
    assert conn.tenant.tab.problem == code
    assert conn.tenant.tab.problem_seen_at is not None
    assert conn.tenant.tab.seen_at is None  # "Custom tab seen" ticks only on a signed load


def test_it_tells_a_tenant_with_the_old_url_form_to_paste_the_new_one(client) -> None:
    conn = ConnectionFactory()
    # What Halo sends for the URL this page generated before: nothing appended.
    response = client.get(f"/tab/{conn.tenant.tab.key}/?ticket_id=1001")
    assert response.status_code == 403
    assert "out of date" in response.content.decode()
    conn.refresh_from_db()
    assert conn.tenant.tab.problem == "old_url"


def test_it_records_only_a_variable_like_name_as_detail(client) -> None:
    conn = ConnectionFactory()
    response = client.get(halo_src(conn, ticket="$<script>alert(1)</script>"))
    assert response.status_code == 403
    assert "<script>alert" not in response.content.decode()
    conn.refresh_from_db()
    assert conn.tenant.tab.problem == "mistyped_variable"
    assert conn.tenant.tab.problem_detail == "$"


def test_it_clears_the_problem_on_the_next_correct_load(client) -> None:
    conn = ConnectionFactory()
    load(client, conn, "secret=another")
    conn.refresh_from_db()
    assert conn.tenant.tab.problem == "wrong_secret"
    assert client.get(halo_src(conn)).status_code == 200
    conn.refresh_from_db()
    assert (
        conn.tenant.tab.problem,
        conn.tenant.tab.problem_detail,
        conn.tenant.tab.problem_seen_at,
    ) == ("", "", None)
    assert conn.tenant.tab.seen_at is not None


def test_it_records_custom_tab_seen_at_most_once_a_minute(client) -> None:
    conn = ConnectionFactory()
    assert client.get(halo_src(conn)).status_code == 200
    first = Tab.objects.get(tenant_id=conn.tenant_id).seen_at
    assert first is not None
    client.get(halo_src(conn, agent="7"))
    assert Tab.objects.get(tenant_id=conn.tenant_id).seen_at == first
    Tab.objects.filter(tenant_id=conn.tenant_id).update(seen_at=first - timedelta(minutes=2))
    client.get(halo_src(conn))
    assert Tab.objects.get(tenant_id=conn.tenant_id).seen_at > first - timedelta(minutes=2)


def test_it_writes_a_repeated_problem_at_most_once_a_minute(client) -> None:
    conn = ConnectionFactory()
    load(client, conn, "hmac=$HMAC")
    first = Tab.objects.get(tenant_id=conn.tenant_id).problem_seen_at
    load(client, conn, "hmac=$HMAC")
    assert Tab.objects.get(tenant_id=conn.tenant_id).problem_seen_at == first
    load(client, conn, "ticket=$FAULTID")  # a different problem is recorded at once
    assert Tab.objects.get(tenant_id=conn.tenant_id).problem == "ticket_variable"


def test_it_checks_the_ticket_without_a_tab_secret(client) -> None:
    conn = ConnectionFactory()
    Tab.objects.filter(tenant_id=conn.tenant_id).update(secret="")
    assert client.get(f"/tab/{conn.tenant.tab.key}/?ticket_id=1001").status_code == 200
    response = client.get(f"/tab/{conn.tenant.tab.key}/?ticket_id=$FAULTID")
    assert response.status_code == 403
    assert Tab.objects.get(tenant_id=conn.tenant_id).problem == "ticket_variable"


# -- where the admin sees it ------------------------------------------------------------


def test_it_shows_the_problem_and_the_new_url_on_the_integration_page(client) -> None:
    m = AdminMembershipFactory()
    conn = ConnectionFactory(tenant=m.tenant)
    client.get(f"/tab/{conn.tenant.tab.key}/?ticket_id=1001")  # the old URL form
    client.force_login(m.user)
    body = client.get(f"/t/{m.tenant.slug}/integration/").content.decode()
    assert 'id="tab-problem"' in body
    assert "out of date" in body
    assert "replace its URL with the tab URL from your integration page" in body
    assert conn.tenant.tab.url.replace("&", "&amp;") in body
    assert 'id="step-tab_seen" data-done="false"' in body

    client.get(halo_src(conn))  # fixed in Halo
    body = client.get(f"/t/{m.tenant.slug}/integration/").content.decode()
    assert 'id="tab-problem"' not in body
    assert 'id="step-tab_seen" data-done="true"' in body


def test_it_shows_the_problem_on_the_consoles_tenant_page(client) -> None:
    conn = ConnectionFactory()
    load(client, conn, "secret=another")
    client.force_login(StaffFactory(is_superuser=True))
    body = client.get(f"/admin/mspprocess/tenant/{conn.tenant.pk}/change/").content.decode()
    assert 'id="admin-tab-problem"' in body
    assert "different secret" in body


def test_it_hides_one_tenants_problem_from_another_tenants_admin(client) -> None:
    conn = ConnectionFactory()
    load(client, conn, "secret=another")
    outsider = AdminMembershipFactory()
    ConnectionFactory(tenant=outsider.tenant)
    client.force_login(outsider.user)
    assert client.get(f"/t/{conn.tenant.slug}/integration/").status_code == 404
    body = client.get(f"/t/{outsider.tenant.slug}/integration/").content.decode()
    assert 'id="tab-problem"' not in body
