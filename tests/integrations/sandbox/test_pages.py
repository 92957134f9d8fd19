from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings

from integrations.sandbox import services
from integrations.sandbox.models import SandboxTicket
from tests.integrations.sandbox.helpers import PAGES, Api, iframes, reload_urls

pytestmark = pytest.mark.django_db

TAB_URL = "http://127.0.0.1:8000/tab/k3y-abc/?ticket_id=$FAULTID"
SIGNED_URL = TAB_URL + "&agent_id=$LOGGEDINAGENTID&hmac=$HMAC"
# Chosen so that agent 2's signature holds "+", "/" and "=": all three must arrive raw.
SECRET = "tab-secret-25"


def expected_hmac(secret: str, agent_id: int) -> str:
    digest = hmac.new(secret.encode(), str(agent_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def tab_iframe(client, ticket_id: int = 1001, query: str = "tab=msp") -> dict:
    response = client.get(f"{PAGES}tickets/{ticket_id}/?{query}")
    assert response.status_code == 200
    found = [f for f in iframes(response.content.decode()) if f.get("id") == "msp-process-tab"]
    assert len(found) == 1
    return found[0]


def test_it_embeds_the_tab_with_the_ticket_id(client) -> None:
    services.configure_custom_tab(TAB_URL)
    frame = tab_iframe(client)
    assert frame["src"] == "http://127.0.0.1:8000/tab/k3y-abc/?ticket_id=1001"
    assert frame["title"] == "MSP Process"
    assert frame["width"] == "100%"
    assert frame["height"] == "720"


def test_it_substitutes_faultid_wherever_it_is(client) -> None:
    services.configure_custom_tab("https://tab.example.com/t/$FAULTID/view?again=$FAULTID#top")
    frame = tab_iframe(client, 1007)
    assert frame["src"] == "https://tab.example.com/t/1007/view?again=1007#top"


def test_it_substitutes_the_signature_raw(client) -> None:
    services.configure_custom_tab(SIGNED_URL, SECRET)
    signature = expected_hmac(SECRET, 2)
    assert {"+", "/", "="} <= set(signature)  # the test would prove little otherwise
    src = tab_iframe(client)["src"]
    # Exactly as Halo does it: the base64 as is, no %2B, %2F or %3D.
    assert src == f"http://127.0.0.1:8000/tab/k3y-abc/?ticket_id=1001&agent_id=2&hmac={signature}"
    # …so a query-string parser reads its "+" as a space: the product has to cope.
    assert parse_qs(urlsplit(src).query)["hmac"] == [signature.replace("+", " ")]


def test_it_appends_nothing_of_its_own(client) -> None:
    services.configure_custom_tab(TAB_URL, SECRET)
    assert tab_iframe(client)["src"] == "http://127.0.0.1:8000/tab/k3y-abc/?ticket_id=1001"
    services.configure_custom_tab("https://tab.example.com/t/$FAULTID", SECRET)
    assert tab_iframe(client, 1004)["src"] == "https://tab.example.com/t/1004"


def test_it_substitutes_every_variable_anywhere_and_often(client) -> None:
    services.configure_custom_tab(
        "https://tab.example.com/$LOGGEDINAGENTID/$FAULTID/$HMAC?a=$LOGGEDINAGENTID"
        "&s=$HMAC&t=$FAULTID#$HMAC",
        SECRET,
    )
    signature = expected_hmac(SECRET, 3)
    src = tab_iframe(client, 1002, "agent=3&tab=msp")["src"]
    assert src == (
        f"https://tab.example.com/3/1002/{signature}?a=3&s={signature}&t=1002#{signature}"
    )


def test_it_leaves_the_signature_empty_without_a_secret(client) -> None:
    services.configure_custom_tab(SIGNED_URL)
    src = tab_iframe(client)["src"]
    assert src == "http://127.0.0.1:8000/tab/k3y-abc/?ticket_id=1001&agent_id=2&hmac="


def test_it_reads_the_variables_from_settings(client, settings) -> None:
    settings.HALO_TAB_TICKET_VARIABLE = "{ticket}"
    settings.HALO_TAB_AGENT_VARIABLE = "{agent}"
    settings.HALO_TAB_HMAC_VARIABLE = "{sig}"
    services.configure_custom_tab("https://tab.example.com/?t={ticket}&a={agent}&h={sig}", "k")
    src = tab_iframe(client)["src"]
    assert src == f"https://tab.example.com/?t=1001&a=2&h={expected_hmac('k', 2)}"


def test_it_signs_the_agent_picked(client) -> None:
    services.configure_custom_tab(SIGNED_URL, SECRET)
    response = client.get(PAGES + "tickets/1001/?agent=3&tab=msp")
    assert "Logged in as <strong>Tom Fletcher</strong>" in response.content.decode()
    src = tab_iframe(client, query="agent=3&tab=msp")["src"]
    assert src.endswith(f"&agent_id=3&hmac={expected_hmac(SECRET, 3)}")


def test_it_shows_every_enabled_tab_in_sequence(client) -> None:
    ours = services.configure_custom_tab(SIGNED_URL, SECRET, sequence=5)
    other = services.configure_custom_tab(
        "https://globex.example.com/tab/?t=$FAULTID", "other", name="Globex check", sequence=1
    )
    services.configure_custom_tab("https://off.example.com/", name="Switched off", enabled=False)
    body = client.get(PAGES + "tickets/1001/?tab=details").content.decode()
    assert body.index(">Details<") < body.index(">Globex check<") < body.index(">MSP Process<")
    assert f'id="custom-tab-{other.id}"' in body
    assert f'href="?agent=2&amp;tab={ours.id}"' in body
    assert "Switched off" not in body
    assert iframes(body) == []
    # Each opens inside the one iframe, signed with its own secret.
    frame = tab_iframe(client, query=f"tab={other.id}")
    assert frame["src"] == "https://globex.example.com/tab/?t=1001"
    assert frame["title"] == "Globex check"
    assert frame["data-custom-tab-id"] == str(other.id)
    frame = tab_iframe(client, query=f"tab={ours.id}")
    assert frame["src"].endswith(f"hmac={expected_hmac(SECRET, 2)}")
    # Without a choice the first tab opens; "msp" stays the MSP Process tab.
    assert tab_iframe(client, query="")["data-custom-tab-id"] == str(other.id)
    assert tab_iframe(client, query="tab=msp")["data-custom-tab-id"] == str(ours.id)


@pytest.mark.parametrize("tab", ["999", "x", "\u0661", "9" * 40, "details\x00"])
def test_it_falls_back_on_an_unknown_tab(client, tab: str) -> None:
    services.configure_custom_tab(TAB_URL)
    response = client.get(PAGES + "tickets/1001/", {"tab": tab})
    assert response.status_code == 200
    assert len(iframes(response.content.decode())) == 1


def test_it_shows_priya_shah_by_default(client) -> None:
    response = client.get(PAGES + "tickets/1001/")
    body = response.content.decode()
    assert "Logged in as <strong>Priya Shah</strong>" in body
    assert '<option value="2" selected>' in body
    assert '<option value="3">Tom Fletcher (agent 3)</option>' in body


@pytest.mark.parametrize("agent", ["99", "x"])
def test_it_refuses_an_unknown_agent(client, agent: str) -> None:
    assert client.get(PAGES + f"tickets/1001/?agent={agent}").status_code == 404


def test_it_opens_the_msp_process_tab_by_default(client) -> None:
    services.configure_custom_tab(TAB_URL)
    assert tab_iframe(client, query="")["src"].endswith("ticket_id=1001")
    details = client.get(PAGES + "tickets/1001/?tab=details").content.decode()
    assert iframes(details) == []
    assert "Locked out after holiday" in details


def test_it_says_when_no_custom_tab_is_configured(client) -> None:
    body = client.get(PAGES + "tickets/1001/?tab=msp").content.decode()
    assert "No custom tab is configured" in body
    assert 'href="/sandbox/halo/config/customtabs/"' in body
    assert iframes(body) == []
    assert "Locked out after holiday" in body  # the details instead


def test_it_does_not_show_a_disabled_tab(client) -> None:
    tab = services.configure_custom_tab(TAB_URL, enabled=False)
    body = client.get(PAGES + f"tickets/1001/?tab={tab.id}").content.decode()
    assert f'id="custom-tab-{tab.id}"' not in body
    assert iframes(body) == []


def test_it_hides_the_tabs_on_ticket_types_without_custom_tabs(client) -> None:
    tab = services.configure_custom_tab(TAB_URL)
    services.configure_custom_tab(TAB_URL, name="Another")
    body = client.get(PAGES + f"tickets/1013/?tab={tab.id}").content.decode()
    assert iframes(body) == []
    assert 'id="custom-tab-' not in body
    assert "Custom tabs are not allowed on Project tickets" in body
    # …and back once the type allows them.
    services.set_custom_tabs_allowed(True, tickettype_id=4)
    assert tab_iframe(client, 1013)["src"].endswith("ticket_id=1013")


def test_it_shows_posted_notes_newest_first(client, api: Api) -> None:
    note = {"ticket_id": 1001, "outcome": "Private Note", "hiddenfromuser": True}
    api.post("Actions", [{**note, "note": "Caller verified by SMS code."}])
    api.post("Actions", [{**note, "note": "Second note.", "hiddenfromuser": False}])
    api.post("Actions", [{**note, "ticket_id": 1002, "note": "Another ticket's note."}])
    body = client.get(PAGES + "tickets/1001/?tab=actions").content.decode()
    assert body.index("Second note.") < body.index("Caller verified by SMS code.")
    assert "Another ticket&#x27;s note." not in body
    assert body.count("Hidden from user") == 1
    assert body.count("Visible to user") == 1
    assert "Private Note" in body
    assert "sandbox-test-client" in body  # the application that posted it
    assert '<span class="hs-count">2</span>' in body


def test_it_says_when_a_ticket_has_no_actions(client) -> None:
    body = client.get(PAGES + "tickets/1001/?tab=actions").content.decode()
    assert "No actions on this ticket yet" in body


def test_it_shows_the_ticket(client) -> None:
    body = client.get(PAGES + "tickets/1002/?tab=details").content.decode()
    for text in ("MFA reset - new phone", "Harbour Dental Practice", "Main Surgery",
                 "Emma Wilson", "New", "Account Change", "Tom Fletcher"):  # fmt: skip
        assert text in body
    assert "Halo sandbox" in body


def test_it_shows_a_ticket_without_end_user(client) -> None:
    body = client.get(PAGES + "tickets/1015/?tab=details").content.decode()
    assert "This ticket has no end user." in body


def test_it_escapes_the_ticket(client, api: Api) -> None:
    SandboxTicket.objects.filter(pk=1001).update(summary="<script>alert(1)</script>")
    api.post("Actions", [{"ticket_id": 1001, "outcome": "Note", "note": "<img src=x onerror=1>"}])
    for url in ("tickets/", "tickets/1001/?tab=actions"):
        body = client.get(PAGES + url).content.decode()
        assert "<script>alert(1)" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=1&gt;" in body


def test_it_escapes_the_tab_url(client) -> None:
    services.configure_custom_tab('https://tab.example.com/?t=$FAULTID&x="><script>')
    body = client.get(PAGES + "tickets/1001/?tab=msp").content.decode()
    assert '"><script>' not in body
    assert tab_iframe(client)["src"] == 'https://tab.example.com/?t=1001&x="><script>'


def test_it_lists_tickets_linking_to_their_pages(client) -> None:
    body = client.get(PAGES + "tickets/?agent=3").content.decode()
    assert body.count('href="/sandbox/halo/tickets/1001/?agent=3"') == 2
    assert 'href="/sandbox/halo/tickets/1020/?agent=3"' in body
    assert "Backup job failed overnight" in body


def test_it_answers_404_for_an_unknown_ticket(client) -> None:
    assert client.get(PAGES + "tickets/999/").status_code == 404


def test_it_redirects_its_root_to_the_tickets(client) -> None:
    response = client.get(PAGES)
    assert response.status_code == 302
    assert response["Location"] == "/sandbox/halo/tickets/"


def test_it_keeps_its_pages_out_of_the_request_log(client) -> None:
    client.get(PAGES + "tickets/1001/")
    assert services.request_counts() == {}


PAGE_URLS = ["", "tickets/", "tickets/1001/", "config/customtabs/", "config/api/", "devices/"]


def test_it_has_no_pages_when_the_sandbox_is_off(client) -> None:
    services.ensure_seeded()
    try:
        with override_settings(HALO_SANDBOX=False):
            reload_urls()
            for url in PAGE_URLS:
                assert client.get(PAGES + url).status_code == 404, url
    finally:
        reload_urls()
    assert client.get(PAGES + "tickets/1001/").status_code == 200


def test_it_signs_as_the_tab_expects(client) -> None:
    from tickettab.tabauth import check_agent_signature

    services.configure_custom_tab(SIGNED_URL, SECRET)
    # Read as the product reads it: a query-string parser turns the raw "+" into a space.
    query = parse_qs(urlsplit(tab_iframe(client)["src"]).query)
    assert check_agent_signature(SECRET, query["agent_id"][0], query["hmac"][0])
