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


def save(client: Client, **fields):
    data = {"name": "MSP Process", "url": TAB_URL, "secret": "", "enabled": "on", **fields}
    return client.post(URL, {k: v for k, v in data.items() if v is not None})


def stored_secret_column() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM sandbox_sandboxcustomtab")
        return cursor.fetchone()[0]


def test_it_shows_an_empty_form(client) -> None:
    body = client.get(URL).content.decode()
    assert 'value="MSP Process"' in body
    assert "New custom tab" in body
    assert 'type="password"' in body
    assert "csrfmiddlewaretoken" in body


def test_it_saves_the_pasted_tab(client) -> None:
    response = save(client, secret=SECRET)
    assert response.status_code == 302
    tab = services.custom_tab()
    assert tab is not None
    assert (tab.name, tab.url, tab.secret, tab.enabled) == ("MSP Process", TAB_URL, SECRET, True)


def test_it_stores_the_secret_encrypted(client) -> None:
    save(client, secret=SECRET)
    raw = stored_secret_column()
    assert raw
    assert SECRET not in raw
    assert SandboxCustomTab.load().secret == SECRET


def test_it_keeps_the_secret_when_left_blank(client) -> None:
    save(client, secret=SECRET)
    save(client, name="Caller check", secret="")
    tab = services.custom_tab()
    assert tab.name == "Caller check"
    assert tab.secret == SECRET


def test_it_replaces_the_secret(client) -> None:
    save(client, secret=SECRET)
    save(client, secret="a-new-one")
    assert services.custom_tab().secret == "a-new-one"


def test_it_removes_the_secret_when_asked(client) -> None:
    save(client, secret=SECRET)
    save(client, remove_secret="on")
    assert services.custom_tab().secret == ""


def test_it_never_renders_the_secret(client) -> None:
    save(client, secret=SECRET)
    body = client.get(URL).content.decode()
    assert SECRET not in body
    assert "Stored. Leave blank to keep it" in body
    # Not even when the form comes back with an error.
    response = save(client, url="not a url", secret="typed-but-refused")
    assert response.status_code == 200
    assert "typed-but-refused" not in response.content.decode()
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize(
    "bad", ["", "tab.example.com/x", "ftp://tab.example.com/", "javascript:alert(1)"]
)
def test_it_refuses_a_url_that_is_not_http(client, bad: str) -> None:
    response = save(client, url=bad)
    assert response.status_code == 200
    assert services.custom_tab() is None


def test_it_disables_the_tab(client) -> None:
    save(client, enabled=None)
    assert services.custom_tab().enabled is False


def test_it_needs_a_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"name": "MSP Process", "url": TAB_URL})
    assert response.status_code == 403
    assert services.custom_tab() is None


def test_it_switches_custom_tabs_on_ticket_types(client) -> None:
    response = client.post(PAGES + "config/tickettypes/", {"allow": ["1", "4"]})
    assert response.status_code == 302
    allowed = SandboxTicketType.objects.filter(allowall_iframe_customtabs=True)
    assert sorted(allowed.values_list("id", flat=True)) == [1, 4]


def test_it_configures_the_tab_from_python(db) -> None:
    assert services.custom_tab() is None
    services.configure_custom_tab(TAB_URL, SECRET)
    services.configure_custom_tab(TAB_URL, name="Verify")
    tab = services.custom_tab()
    # From Python the call sets exactly what it is given: no secret means none.
    assert (tab.name, tab.secret, tab.enabled) == ("Verify", "", True)
    assert SandboxCustomTab.objects.count() == 1
    with pytest.raises(ValueError, match="http"):
        services.configure_custom_tab("tab.example.com")


def test_it_forgets_the_tab_on_reset(db) -> None:
    services.configure_custom_tab(TAB_URL, SECRET)
    services.reset()
    assert services.custom_tab() is None
