"""No input to the Halo connection page gives a 500, and a refused input changes nothing.

Property-based, with the shared strategies (tests/hostile.py): the connection form,
the API call share and the page's own address get arbitrary text, digits of other
scripts, NUL and control characters, huge numbers and long strings. A form that is
accepted is tested against the Halo sandbox (served live), so what was stored also
goes out to a Halo; a fake DNS answers nothing, so an address made of hostile text
never leaves the machine.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import messages
from hypothesis import given
from hypothesis import strategies as st

from integrations.models import HaloConnection
from mspprocess.core.audit import AuditEvent
from mspprocess.core.models import Membership
from tests.factories import AdminMembershipFactory
from tests.hostile import ANY_INPUT, HOSTILE, HOSTILE_QUICK, TEXT
from tests.integrations.halo.helpers import install_dns

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = ("resource_server", "client_id", "client_secret", "auth_server", "halo_tenant")
# What a connection is, as stored: a refused form changes none of it.
STORED = (
    *("base_url", "auth_server", "halo_tenant", "client_id", "client_secret", "status"),
    *("credentials_version", "call_share"),
)


@pytest.fixture
def admin(client, live_halo, monkeypatch) -> Membership:
    install_dns(monkeypatch)
    m = AdminMembershipFactory(tenant__name="Acme IT")
    live_halo.connect(m.tenant)
    client.force_login(m.user)
    return m


def stored(m: Membership) -> tuple[dict[str, Any], int]:
    conn = HaloConnection.objects.select_related("tenant__tab").get(tenant=m.tenant)
    values = {name: getattr(conn, name) for name in STORED}
    values |= {"tab_key": conn.tenant.tab.key, "tab_secret": conn.tenant.tab.secret}
    return values, AuditEvent.objects.count()


def post(client, m: Membership, path: str, data: dict[str, str]):
    return client.post(f"/t/{m.tenant.slug}/integration/{path}", data)


@HOSTILE
@given(field=st.sampled_from(FIELDS), value=ANY_INPUT)
def test_it_survives_any_value_of_one_connection_field(
    client, live_halo, admin, field, value
) -> None:
    before = stored(admin)
    response = post(client, admin, "", live_halo.form() | {field: value})
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: the form again, with the reason
        assert response.context["form"].errors
        assert stored(admin) == before


@HOSTILE
@given(data=st.fixed_dictionaries({name: ANY_INPUT for name in FIELDS}))
def test_it_survives_any_connection_form(client, admin, data) -> None:
    before = stored(admin)
    response = post(client, admin, "", data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert stored(admin) == before


@HOSTILE
@given(share=ANY_INPUT)
def test_it_survives_any_call_share(client, admin, share) -> None:
    before = stored(admin)
    response = post(client, admin, "share/", {"call_share": share})
    assert response.status_code == 302
    after = stored(admin)
    if after != before:  # only ever a number as typed, in ASCII digits
        assert re.fullmatch(r"\s*[0-9]+\s*", share, re.ASCII)
        assert after[0]["call_share"] == int(share)


@pytest.mark.parametrize("share", ["2\u0b69", "\uff11\uff10\uff10", "100.0", "1e3", "9" * 5000])
def test_it_refuses_a_call_share_that_is_not_ascii_digits(client, admin, share) -> None:
    before = stored(admin)
    response = post(client, admin, "share/", {"call_share": share})
    assert [str(m) for m in messages.get_messages(response.wsgi_request)] == [
        "Enter a whole number of calls, for example 100."
    ]
    assert stored(admin) == before


@pytest.mark.parametrize("field", ["client_id", "client_secret", "halo_tenant"])
@pytest.mark.parametrize("bad", ["\x07", "\u202e", "\x1b[0m"])
def test_it_refuses_control_characters_in_the_credentials(
    client, live_halo, admin, field, bad
) -> None:
    before = stored(admin)
    response = post(client, admin, "", live_halo.form() | {field: f"acme{bad}x"})
    assert response.status_code == 200
    assert "invisible control characters" in response.context["form"].errors[field][0]
    assert stored(admin) == before


@HOSTILE_QUICK
@given(params=st.dictionaries(TEXT.filter(lambda s: "\x00" not in s), ANY_INPUT, max_size=4))
def test_it_survives_any_query_on_the_integration_page(client, admin, params) -> None:
    assert client.get(f"/t/{admin.tenant.slug}/integration/", params).status_code == 200


@HOSTILE_QUICK
@given(data=st.dictionaries(st.sampled_from(["what", "x", *FIELDS]), ANY_INPUT, max_size=3))
def test_it_ignores_any_body_on_the_buttons_without_a_form(client, admin, data) -> None:
    for path in ("test/", "rotate/tab-key/", "rotate/tab-secret/"):
        assert post(client, admin, path, data).status_code == 302
