"""No input to the tab gives a 500, and a refused input stores nothing.

Property-based: Hypothesis throws arbitrary text (any Unicode: non-ASCII digits, NUL
and other control characters, huge numbers, long strings) at every tab endpoint. Run
on SQLite and, in CI, on PostgreSQL, which refuses NUL in text outright. The
strategies are shared with the workspace and sandbox tests (tests/hostile.py).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import HOSTILE, NOT_AN_ID, TEXT
from tickettab.models import Note, Tab, Verification

pytestmark = pytest.mark.django_db(transaction=True)


def nothing_stored() -> bool:
    return not Verification.objects.exists() and not Note.objects.exists()


@HOSTILE
@given(ticket=TEXT, agent=TEXT, signature=TEXT)
def test_it_survives_any_tab_address(client, tab, ticket, agent, signature) -> None:
    query = {"ticket_id": ticket, "agent_id": agent, "hmac": signature}
    response = client.get(f"/tab/{tab.conn.tenant.tab.key}/", query)
    assert response.status_code in (200, 403)


@HOSTILE
@given(ticket=TEXT, fresh=TEXT)
def test_it_survives_any_ticket_partial(tab, ticket, fresh) -> None:
    response = tab.get("ticket/", data={"ticket_id": ticket, "fresh": fresh})
    assert response.status_code == 200


@HOSTILE
@given(ticket=NOT_AN_ID, method=TEXT)
def test_it_refuses_any_bad_send_and_stores_nothing(tab, ticket, method) -> None:
    response = tab.post("send/", {"ticket_id": ticket, "method": method})
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#tab-error"
    assert nothing_stored()


@HOSTILE
@given(method=TEXT.filter(lambda s: s not in ("sms", "email", "link")))
def test_it_refuses_any_unknown_method(tab, method) -> None:
    response = tab.post("send/", {"ticket_id": "1001", "method": method})
    assert "Choose how to send the code." in response.content.decode()
    assert nothing_stored()


@HOSTILE
@given(ticket=NOT_AN_ID, channel=TEXT)
def test_it_refuses_any_bad_push_or_word_and_stores_nothing(tab, ticket, channel) -> None:
    for path, data in (("push/", {}), ("word/", {"channel": channel})):
        response = tab.post(path, {"ticket_id": ticket, **data})
        assert response.status_code == 200
        assert response["HX-Retarget"] == "#tab-error"
    assert nothing_stored()


@HOSTILE
@given(vid=TEXT)
def test_it_survives_any_push_status_id(tab, vid) -> None:
    # The id is in the path: anything that is not a number is the tab's own 404.
    response = tab.get(f"status/{vid}/")
    assert response.status_code in (200, 404)


@HOSTILE
@given(vid=TEXT, code=TEXT)
def test_it_survives_any_code_check(tab, vid, code) -> None:
    response = tab.post("verify/", {"verification_id": vid, "code": code})
    assert response.status_code == 200
    assert nothing_stored()


@HOSTILE
@given(vid=st.integers(min_value=0, max_value=10**30))
def test_it_survives_any_status_poll(tab, vid) -> None:
    assert tab.get(f"status/{vid}/").status_code in (200, 404)


@HOSTILE
@given(ticket=NOT_AN_ID, reason=TEXT)
def test_it_refuses_any_bad_override_and_stores_nothing(tab, ticket, reason) -> None:
    response = tab.post("override/", {"ticket_id": ticket, "reason": reason})
    assert response.status_code == 200
    assert nothing_stored()


@pytest.mark.parametrize(
    "reason",
    [
        "Called back on the number on file\x00",
        "Called back on the number on file \u202e",
        "Called back\x07 on the number on file",
    ],
)
def test_it_refuses_control_characters_in_an_override_reason(tab, reason) -> None:
    response = tab.post("override/", {"ticket_id": "1001", "reason": reason})
    assert "invisible control characters" in response.content.decode()
    assert nothing_stored()


@HOSTILE
@given(username=TEXT, password=TEXT)
def test_it_survives_any_tab_sign_in(client, tab, username, password) -> None:
    Tab.objects.filter(tenant_id=tab.conn.tenant_id).update(secret="")
    response = client.post(
        f"/tab/{tab.conn.tenant.tab.key}/signin/", {"username": username, "password": password}
    )
    assert response.status_code in (401, 429)
    assert "token" not in response.json()
