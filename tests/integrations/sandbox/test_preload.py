"""The "preload_custom_tabs" switch: a Halo that loads every custom tab's iframe when a
ticket opens, the unopened ones hidden (whether Halo does is unconfirmed, so the
sandbox can do both). The browser side is tests/e2e/test_hidden_tab.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.test import Client

from integrations.sandbox import services
from integrations.sandbox.models import SandboxCustomTab, SandboxSwitch
from tests.integrations.sandbox.helpers import PAGES, iframes

pytestmark = pytest.mark.django_db

TAB_URL = "http://127.0.0.1:8000/tab/k3y-abc/?ticket_id=$FAULTID&agent_id=$LOGGEDINAGENTID"
CONFIG = PAGES + "config/customtabs/"
LOADING = CONFIG + "loading/"


@dataclass
class Panel:
    id: str
    hidden: bool
    frames: list[dict[str, str | None]] = field(default_factory=list)


class _Panels(HTMLParser):
    """Each `<section class="hs-panel">`: its id, whether it is hidden, its iframes."""

    def __init__(self) -> None:
        super().__init__()
        self.panels: list[Panel] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section":
            self.inside = "hs-panel" in (found.get("class") or "").split()
            if self.inside:
                self.panels.append(Panel(found.get("id") or "", "hidden" in found))
        elif tag == "iframe" and self.inside:
            self.panels[-1].frames.append(found)

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.inside = False


def panels(client: Client, query: str, ticket_id: int = 1001) -> dict[str, Panel]:
    response = client.get(f"{PAGES}tickets/{ticket_id}/?{query}")
    assert response.status_code == 200
    parser = _Panels()
    parser.feed(response.content.decode())
    return {p.id: p for p in parser.panels}


@pytest.fixture
def two_tabs(db) -> tuple[SandboxCustomTab, SandboxCustomTab]:
    ours = services.configure_custom_tab(TAB_URL, "s3cret", sequence=2)
    other = services.configure_custom_tab(
        "https://globex.example.com/tab/?t=$FAULTID", name="Globex check", sequence=1
    )
    services.configure_custom_tab("https://off.example.com/", name="Switched off", enabled=False)
    return ours, other


def test_it_keeps_the_switch_off_until_set_and_after_reset(db) -> None:
    assert services.preload_custom_tabs() is False
    services.set_preload_custom_tabs(True)
    assert services.preload_custom_tabs() is True
    assert SandboxSwitch.is_on("preload_custom_tabs")
    services.set_preload_custom_tabs(False)
    assert services.preload_custom_tabs() is False
    services.set_preload_custom_tabs(True)
    services.reset()
    assert services.preload_custom_tabs() is False


def test_it_loads_only_the_open_tab_without_the_switch(client: Client, two_tabs) -> None:
    ours, _ = two_tabs
    shown = panels(client, "tab=details")
    assert list(shown) == ["panel-details"]
    assert shown["panel-details"].frames == []
    shown = panels(client, f"tab={ours.id}")
    assert list(shown) == ["panel-custom"]
    assert [f["id"] for f in shown["panel-custom"].frames] == ["msp-process-tab"]


def test_it_loads_every_enabled_tab_hidden_on_the_details(client: Client, two_tabs) -> None:
    ours, other = two_tabs
    services.set_preload_custom_tabs(True)
    shown = panels(client, "tab=details")
    assert list(shown) == [
        "panel-details",
        "panel-actions",
        f"panel-tab-{other.id}",
        f"panel-tab-{ours.id}",
    ]
    assert [p.id for p in shown.values() if not p.hidden] == ["panel-details"]
    frame = shown[f"panel-tab-{ours.id}"].frames[0]
    # Loaded as Halo would load it opened: the same substituted, signed address.
    assert frame["src"] == "http://127.0.0.1:8000/tab/k3y-abc/?ticket_id=1001&agent_id=2"
    assert frame["title"] == "MSP Process"
    assert frame["data-custom-tab-id"] == str(ours.id)
    # No tab is open, so no frame is "the open tab's" (#msp-process-tab).
    assert frame["id"] == f"custom-tab-frame-{ours.id}"
    assert (
        shown[f"panel-tab-{other.id}"].frames[0]["src"] == "https://globex.example.com/tab/?t=1001"
    )
    assert "Switched off" not in client.get(PAGES + "tickets/1001/").content.decode()


def test_it_shows_the_open_tab_under_its_usual_id(client: Client, two_tabs) -> None:
    ours, other = two_tabs
    services.set_preload_custom_tabs(True)
    for query in ("tab=msp", f"tab={ours.id}"):
        shown = panels(client, query)
        assert [p.id for p in shown.values() if not p.hidden] == [f"panel-tab-{ours.id}"]
        assert shown[f"panel-tab-{ours.id}"].frames[0]["id"] == "msp-process-tab"
        assert shown[f"panel-tab-{other.id}"].frames[0]["id"] == f"custom-tab-frame-{other.id}"
    frames = iframes(client.get(PAGES + "tickets/1001/?tab=msp").content.decode())
    assert [f["id"] for f in frames].count("msp-process-tab") == 1


def test_it_names_the_panels_the_tab_strip_switches(client: Client, two_tabs) -> None:
    ours, _ = two_tabs
    body = client.get(PAGES + "tickets/1001/?tab=actions").content.decode()
    assert "data-switch-panels" not in body and "data-panel=" not in body
    services.set_preload_custom_tabs(True)
    body = client.get(PAGES + "tickets/1001/?tab=actions").content.decode()
    assert "data-switch-panels" in body
    # Links still work without JavaScript: each reloads the page on its tab.
    assert (
        f'href="?agent=2&amp;tab={ours.id}" data-tab="{ours.id}" data-panel="panel-tab-{ours.id}"'
        in body
    )
    assert [p.id for p in panels(client, "tab=actions").values() if not p.hidden] == [
        "panel-actions"
    ]


def test_it_keeps_the_open_tab_when_picking_an_agent(client: Client, two_tabs) -> None:
    ours, _ = two_tabs
    for preload in (False, True):
        services.set_preload_custom_tabs(preload)
        body = client.get(PAGES + "tickets/1001/?tab=msp").content.decode()
        assert f'<input type="hidden" name="tab" value="{ours.id}" data-keep-tab>' in body


def test_it_loads_nothing_where_the_ticket_type_allows_no_tabs(client: Client, two_tabs) -> None:
    services.set_preload_custom_tabs(True)
    shown = panels(client, "tab=msp", ticket_id=1013)
    assert list(shown) == ["panel-details", "panel-actions"]
    assert not shown["panel-details"].hidden


def test_it_preloads_nothing_without_tabs(client: Client) -> None:
    services.set_preload_custom_tabs(True)
    shown = panels(client, "tab=msp")
    assert list(shown) == ["panel-details", "panel-actions"]
    assert [p.id for p in shown.values() if not p.hidden] == ["panel-details"]


@pytest.mark.parametrize("tab", ["999", "x", "\u0661", "9" * 40, "details\x00", "custom"])
def test_it_falls_back_on_an_unknown_tab(client: Client, two_tabs, tab: str) -> None:
    _, other = two_tabs
    services.set_preload_custom_tabs(True)
    response = client.get(PAGES + "tickets/1001/", {"tab": tab})
    assert response.status_code == 200
    parser = _Panels()
    parser.feed(response.content.decode())
    assert [p.id for p in parser.panels if not p.hidden] == [f"panel-tab-{other.id}"]


def preload_box(client: Client) -> str:
    """ "on" or "off": the preload checkbox of Configuration > Custom Tabs."""
    boxes = re.findall(
        r'<input type="checkbox" name="preload"[^>]*>', client.get(CONFIG).content.decode()
    )
    assert len(boxes) == 1, boxes
    return "on" if " checked" in boxes[0] else "off"


def test_it_is_switched_on_the_config_page(client: Client) -> None:
    assert preload_box(client) == "off"
    response = client.post(LOADING, {"preload": "on"})
    assert response.status_code == 302 and response["Location"] == CONFIG
    assert services.preload_custom_tabs() is True
    assert "Custom tabs are loaded when a ticket opens." in client.get(CONFIG).content.decode()
    assert preload_box(client) == "on"
    client.post(LOADING, {})
    assert services.preload_custom_tabs() is False
    assert preload_box(client) == "off"


@pytest.mark.parametrize(
    "data", [{"preload": "false"}, {"preload": ""}, {"preload": "\x00"}, {"preload": "x" * 10_000}]
)
def test_it_takes_any_input_without_failing(client: Client, data: dict[str, str]) -> None:
    assert client.post(LOADING, data).status_code == 302
    # Django's BooleanField: "false" and "" are off; any other text is a checked box.
    assert services.preload_custom_tabs() is (data["preload"] not in ("false", ""))


def test_it_is_switched_by_post_only(client: Client) -> None:
    assert client.get(LOADING).status_code == 405
    assert services.preload_custom_tabs() is False


def test_it_needs_a_csrf_token() -> None:
    assert Client(enforce_csrf_checks=True).post(LOADING, {"preload": "on"}).status_code == 403
