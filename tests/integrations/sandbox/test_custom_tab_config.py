from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from integrations.sandbox import services
from integrations.sandbox.models import SandboxCustomTab, SandboxTicketType
from tests.integrations.sandbox.helpers import PAGES

pytestmark = pytest.mark.django_db

URL = PAGES + "config/customtabs/"
TAB_URL = "http://127.0.0.1:8000/tab/k3y-abc/?ticket_id=$FAULTID"
SECRET = "pasted-tab-secret-6f1d2c"


def form(**fields) -> dict[str, str]:
    data = {"name": "MSP Process", "url": TAB_URL, "sequence": "0", "secret": "", "enabled": "on"}
    return {k: v for k, v in {**data, **fields}.items() if v is not None}


def add(client: Client, **fields):
    return client.post(URL, form(**fields))


def edit(client: Client, tab: SandboxCustomTab, **fields):
    return client.post(f"{URL}{tab.id}/", form(**fields))


def stored_secret_column(tab: SandboxCustomTab) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM sandbox_sandboxcustomtab WHERE id = %s", [tab.id])
        return cursor.fetchone()[0]


def test_it_shows_an_empty_list_and_form(client) -> None:
    body = client.get(URL).content.decode()
    assert "No custom tabs yet" in body
    assert 'value="MSP Process"' in body
    assert "New custom tab" in body
    assert 'type="password"' in body
    assert "csrfmiddlewaretoken" in body


def test_it_adds_the_pasted_tab(client) -> None:
    response = add(client, secret=SECRET, sequence="3")
    assert response.status_code == 302
    tab = services.custom_tab()
    assert tab is not None
    assert (tab.name, tab.url, tab.secret, tab.enabled, tab.sequence) == (
        "MSP Process", TAB_URL, SECRET, True, 3,
    )  # fmt: skip


def test_it_lists_every_tab(client) -> None:
    add(client, secret=SECRET)
    add(client, name="Globex <check>", url="https://globex.example.com/t/$FAULTID", sequence="2")
    body = client.get(URL).content.decode()
    tabs = services.custom_tabs()
    assert [t.name for t in tabs] == ["MSP Process", "Globex <check>"]
    for tab in tabs:
        assert f'href="/sandbox/halo/config/customtabs/{tab.id}/"' in body
    assert "Globex &lt;check&gt;" in body
    assert "https://globex.example.com/t/$FAULTID" in body
    assert SECRET not in body


def test_it_stores_the_secret_encrypted(client) -> None:
    add(client, secret=SECRET)
    tab = services.custom_tab()
    raw = stored_secret_column(tab)
    assert raw
    assert SECRET not in raw
    assert tab.secret == SECRET


def test_it_edits_a_tab_keeping_the_secret_when_left_blank(client) -> None:
    add(client, secret=SECRET)
    add(client, name="Other", secret="other-secret")
    tab = services.custom_tab()
    response = edit(client, tab, name="Caller check", sequence="7", secret="", enabled=None)
    assert response.status_code == 302
    tab.refresh_from_db()
    assert (tab.name, tab.sequence, tab.enabled, tab.secret) == ("Caller check", 7, False, SECRET)
    assert services.custom_tab("Other").secret == "other-secret"  # untouched


def test_it_replaces_the_secret(client) -> None:
    add(client, secret=SECRET)
    tab = services.custom_tab()
    edit(client, tab, secret="a-new-one")
    tab.refresh_from_db()
    assert tab.secret == "a-new-one"


def test_it_removes_the_secret_when_asked(client) -> None:
    add(client, secret=SECRET)
    tab = services.custom_tab()
    assert "Remove the stored secret" in client.get(f"{URL}{tab.id}/").content.decode()
    edit(client, tab, remove_secret="on")
    tab.refresh_from_db()
    assert tab.secret == ""


def test_it_never_renders_the_secret(client) -> None:
    add(client, secret=SECRET)
    tab = services.custom_tab()
    body = client.get(f"{URL}{tab.id}/").content.decode()
    assert SECRET not in body
    assert "Stored. Leave blank to keep it" in body
    # Not even when the form comes back with an error.
    for response in (
        edit(client, tab, url="not a url", secret="typed-but-refused"),
        add(client, url="not a url", secret="typed-but-refused"),
    ):
        assert response.status_code == 200
        assert "typed-but-refused" not in response.content.decode()
        assert SECRET not in response.content.decode()


def test_it_deletes_a_tab(client) -> None:
    add(client)
    add(client, name="Other")
    tab = services.custom_tab()
    response = client.post(f"{URL}{tab.id}/delete/")
    assert response.status_code == 302
    assert [t.name for t in services.custom_tabs()] == ["Other"]
    assert client.get(f"{URL}{tab.id}/").status_code == 404
    assert client.post(f"{URL}{tab.id}/delete/").status_code == 404
    assert client.get(f"{URL}{tab.id}/delete/").status_code == 405


@pytest.mark.parametrize(
    "bad", ["", "tab.example.com/x", "ftp://tab.example.com/", "javascript:alert(1)"]
)
def test_it_refuses_a_url_that_is_not_http(client, bad: str) -> None:
    response = add(client, url=bad)
    assert response.status_code == 200
    assert services.custom_tabs() == []


@pytest.mark.parametrize(
    "fields",
    [
        {"sequence": "\u0661\u0662"},
        {"sequence": "9" * 40},
        {"sequence": "-1"},
        {"sequence": "1e3"},
        {"sequence": ""},
        {"name": "MSP\x00Process"},
        {"url": "https://tab.example.com/\x00"},
        {"secret": "s\x00"},
        {"name": "x" * 101},
        {"url": "https://tab.example.com/" + "x" * 2000},
        {"secret": "x" * 501},
        {"name": ""},
    ],
)
def test_it_answers_bad_input_with_form_errors(client, fields: dict[str, str]) -> None:
    response = add(client, **fields)
    assert response.status_code == 200
    assert 'class="hs-error"' in response.content.decode()
    assert services.custom_tabs() == []


def test_it_answers_404_for_an_unknown_or_huge_tab_id(client) -> None:
    assert client.get(f"{URL}999/").status_code == 404
    assert client.get(f"{URL}{'9' * 30}/").status_code == 404
    assert client.post(f"{URL}{'9' * 30}/delete/").status_code == 404


def test_it_needs_a_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, form())
    assert response.status_code == 403
    assert services.custom_tabs() == []
    tab = services.configure_custom_tab(TAB_URL)
    assert client.post(f"{URL}{tab.id}/delete/").status_code == 403
    assert client.post(f"{URL}{tab.id}/", form(name="Changed")).status_code == 403
    assert services.custom_tab() is not None


def test_it_switches_custom_tabs_on_ticket_types(client) -> None:
    response = client.post(PAGES + "config/tickettypes/", {"allow": ["1", "4"]})
    assert response.status_code == 302
    allowed = SandboxTicketType.objects.filter(allowall_iframe_customtabs=True)
    assert sorted(allowed.values_list("id", flat=True)) == [1, 4]


def test_it_configures_tabs_from_python(db) -> None:
    assert services.custom_tab() is None
    first = services.configure_custom_tab(TAB_URL, SECRET)
    again = services.configure_custom_tab(TAB_URL, sequence=4)
    # From Python the call sets exactly what it is given: no secret means none.
    assert again.id == first.id
    assert (again.name, again.secret, again.enabled, again.sequence) == ("MSP Process", "", True, 4)
    other = services.configure_custom_tab("https://globex.example.com/", "s", name="Globex")
    assert [t.id for t in services.custom_tabs()] == [other.id, first.id]
    assert services.custom_tab("Globex") == other
    with pytest.raises(ValueError, match="http"):
        services.configure_custom_tab("tab.example.com")


def test_it_removes_tabs_by_name_or_all(db) -> None:
    services.configure_custom_tab(TAB_URL)
    services.configure_custom_tab(TAB_URL, name="Globex")
    services.remove_custom_tab("Globex")
    assert [t.name for t in services.custom_tabs()] == ["MSP Process"]
    services.configure_custom_tab(TAB_URL, name="Globex")
    services.remove_custom_tab()
    assert services.custom_tabs() == []


def test_it_forgets_the_tabs_on_reset(db) -> None:
    services.configure_custom_tab(TAB_URL, SECRET)
    services.configure_custom_tab(TAB_URL, name="Globex")
    services.reset()
    assert services.custom_tabs() == []
