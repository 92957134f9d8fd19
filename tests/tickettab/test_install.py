"""Install the tab for me: the installer against the Halo sandbox, over real HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from integrations.halo.client import HaloClient
from integrations.models import HaloConnection
from integrations.sandbox import seed
from integrations.sandbox import services as sandbox
from integrations.sandbox.models import SandboxAllowedTab, SandboxCustomTab, SandboxTicketType
from mspprocess.core.audit import AuditEvent
from tests.factories import TenantFactory
from tests.integrations.sandbox.helpers import PAGES, iframes
from tests.integrations.sandbox.schema import assert_fields_in_schema
from tickettab import install, services
from tickettab.install import Outcome
from tickettab.models import Tab

# The live server answers from another thread: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

TURNED_ON, ALREADY_ON, TURNED_OFF, FAILED = (
    Outcome.TURNED_ON,
    Outcome.ALREADY_ON,
    Outcome.TURNED_OFF,
    Outcome.FAILED,
)


@pytest.fixture(autouse=True)
def _sandbox_mounted(sandbox_mounted: None) -> None:
    """Against the sandbox over HTTP, even where HALO_SANDBOX is off."""


@dataclass
class Workspace:
    tab: Tab
    conn: HaloConnection
    client_id: str
    client_secret: str

    def fresh_tab(self) -> Tab:
        return Tab.objects.select_related("tenant__halo_connection").get(pk=self.tab.pk)


@pytest.fixture
def ws(live_halo) -> Workspace:
    """A workspace connected to the sandbox, whose ticket types allow no custom tab."""
    sandbox.set_custom_tabs_allowed(False)
    tenant = TenantFactory(name="Acme IT")
    conn = live_halo.connect(tenant)
    sandbox.clear_log()
    ws = Workspace(services.tab_for(tenant), conn, live_halo.client_id, live_halo.client_secret)
    ws.tab = ws.fresh_tab()
    return ws


def _outcomes(report) -> dict[int, Outcome]:
    return {t.id: t.outcome for t in report.types}


def _allowed(type_id: int) -> list[int]:
    return list(
        SandboxAllowedTab.objects.filter(tickettype_id=type_id).values_list("tab_id", flat=True)
    )


def _ticket_of_type(type_id: int) -> int:
    return next(row[0] for row in seed.TICKETS if row[1] == type_id)


def _ticket_page(client: Client, ticket_id: int, tab_id: int) -> str:
    return client.get(f"{PAGES}tickets/{ticket_id}/?tab={tab_id}").content.decode()


def _fail_next_post_to(monkeypatch, path: str, status: int | None, malformed: bool = False) -> None:
    """Halo fails the next POST to `path` (and only that one): the sandbox's faults hit
    the next reply whatever it is, so the fault is set just before that POST."""
    post = HaloClient.post

    def failing(self, where, body):
        if where == path:
            sandbox.set_faults(status=status, malformed=malformed)
        return post(self, where, body)

    monkeypatch.setattr(HaloClient, "post", failing)


def test_it_creates_the_tab_and_turns_it_on_for_the_picked_types(ws, client) -> None:
    report = install.install(ws.tab, [2, 3])

    assert report.ok, report
    assert report.tab_action == "created"
    assert _outcomes(report) == {2: TURNED_ON, 3: TURNED_ON}
    [halo_tab] = SandboxCustomTab.objects.all()
    assert (halo_tab.name, halo_tab.url, halo_tab.tableid) == ("MSP Process", ws.tab.url, 1)
    assert halo_tab.secret == ""  # Halo's API cannot set it: one paste is left
    assert report.halo_tab_id == halo_tab.id == ws.fresh_tab().halo_tab_id
    assert (_allowed(2), _allowed(3), _allowed(1), _allowed(4)) == ([halo_tab.id],) * 2 + ([],) * 2
    assert not SandboxTicketType.objects.filter(allowall_iframe_customtabs=True).exists()
    # A ticket of a picked type shows our tab, as Halo would; others still do not.
    [frame] = iframes(_ticket_page(client, _ticket_of_type(3), halo_tab.id))
    assert frame["src"].startswith(f"{ws.tab.url.split('?')[0]}?ticket_id={_ticket_of_type(3)}")
    assert iframes(_ticket_page(client, _ticket_of_type(1), halo_tab.id)) == []
    assert sandbox.request_counts() == {
        "POST auth/token": 1,
        "GET Tabs": 1,
        "GET TicketType": 1,
        "POST Tabs": 1,
        "POST TicketType": 1,
    }
    assert report.secret_needed
    assert "Configuration > Custom Tabs > MSP Process" in report.secret_step
    assert "Secret field" in report.secret_step
    assert report.done[0].startswith("Created the custom tab “MSP Process” in Halo")
    assert "2 ticket types (Service Request, Account Change)" in report.done[1]
    assert report.not_done == []
    details = list(AuditEvent.objects.filter(tenant=ws.tab.tenant).values_list("detail", flat=True))
    assert f"Tab created in Halo (id {halo_tab.id})" in details
    assert any(d.startswith("Tab turned on in Halo for 2 ticket types") for d in details)
    created = AuditEvent.objects.get(detail=f"Tab created in Halo (id {halo_tab.id})")
    assert created.action == AuditEvent.Action.TAB_INSTALLED
    assert created.summary.startswith("Halo custom tab id changed · ")
    turned_on = AuditEvent.objects.get(detail__startswith="Tab turned on in Halo")
    assert turned_on.get_action_display() == "Tab installed in Halo"


def test_it_is_idempotent(ws) -> None:
    first = install.install(ws.tab, [1, 2])
    sandbox.clear_log()
    events = AuditEvent.objects.count()

    again = install.install(ws.fresh_tab(), [1, 2])

    assert again.ok
    assert again.tab_action == "found"
    assert again.halo_tab_id == first.halo_tab_id
    assert _outcomes(again) == {1: ALREADY_ON, 2: ALREADY_ON}
    assert again.done == [
        "Found the custom tab “MSP Process” in Halo, already set up.",
        "Already on for 2 ticket types (Incident, Service Request).",
    ]
    assert SandboxCustomTab.objects.count() == 1
    assert _allowed(1) == _allowed(2) == [first.halo_tab_id]  # not listed twice
    # Two reads and nothing else: the token is still cached.
    assert sandbox.request_counts() == {"GET Tabs": 1, "GET TicketType": 1}
    assert AuditEvent.objects.count() == events  # nothing changed, nothing recorded


def test_it_reports_per_ticket_type(ws) -> None:
    other = sandbox.configure_custom_tab("https://other.example.com/", name="Other")
    sandbox.set_custom_tabs_allowed(True, tickettype_id=1)
    first = install.install(ws.tab, [2])
    SandboxAllowedTab.objects.create(tickettype_id=4, tab=other)

    report = install.install(ws.fresh_tab(), [1, 2, 3, 4, 999])

    assert [(t.id, t.name, t.outcome) for t in report.types] == [
        (1, "Incident", ALREADY_ON),
        (2, "Service Request", ALREADY_ON),
        (3, "Account Change", TURNED_ON),
        (4, "Project", TURNED_ON),
        (999, "Ticket type 999", FAILED),
    ]
    assert report.types[0].words == "already on: all custom tabs are allowed"
    assert report.types[4].words.startswith("not changed: Halo has no ticket type with this id")
    assert not report.ok
    assert report.not_done == [
        "Not turned on for Ticket type 999: Halo has no ticket type with this id "
        "(it may have been deleted)."
    ]
    assert _allowed(4) == [other.id, first.halo_tab_id]


def test_it_lists_ticket_types_with_whether_the_tab_shows(ws) -> None:
    sandbox.set_custom_tabs_allowed(True, tickettype_id=1)
    before = install.ticket_types(ws.conn)
    assert [(t.id, t.name, t.tab_shows, t.all_tabs_allowed) for t in before] == [
        (1, "Incident", True, True),
        (2, "Service Request", False, False),
        (3, "Account Change", False, False),
        (4, "Project", False, False),
    ]
    install.install(ws.tab, [3])
    after = install.ticket_types(ws.conn)
    assert [t.id for t in after if t.tab_shows] == [1, 3]


def test_it_refuses_without_an_administrator_agent(ws) -> None:
    sandbox.create_application(ws.client_id, ws.client_secret, agent_id=seed.VIEWING_AGENT_ID)
    ws.conn.agent_name = "Priya Shah"
    ws.conn.save()

    report = install.install(ws.fresh_tab(), [1, 2])

    assert not report.ok
    assert report.needs_admin
    assert report.error_kind == "NeedsAdministrator"
    assert "agent your API application logs in as (Priya Shah) is not one" in report.error
    assert "“Is a HaloPSA Administrator”" in report.error
    assert "remove the permission once the tab is installed" in report.error
    assert "manual steps" in report.error
    assert report.tab_action == ""
    assert report.not_done == ["The custom tab was not created: nothing was changed in Halo."]
    assert report.secret_step == ""
    assert ws.fresh_tab().halo_tab_id is None
    assert SandboxCustomTab.objects.count() == 0
    assert SandboxAllowedTab.objects.count() == 0
    assert not AuditEvent.objects.filter(detail__startswith="Tab ").exists()
    assert sandbox.request_counts() == {"POST auth/token": 1, "GET Tabs": 1}


def test_it_leaves_nothing_half_installed_when_halo_fails_to_create_the_tab(
    ws, monkeypatch
) -> None:
    _fail_next_post_to(monkeypatch, "/Tabs", 500)

    report = install.install(ws.tab, [1, 2])

    assert not report.ok
    assert report.tab_action == ""
    assert "server error (HTTP 500)" in report.error
    assert report.types == []
    # A 500 may still have made the tab in a real Halo: the report does not say it did not.
    assert report.tab_unclear
    assert report.not_done == [
        "Halo did not confirm that it created the custom tab, and no ticket type was "
        "changed. Install again: it finds the tab if Halo made it."
    ]
    assert ws.fresh_tab().halo_tab_id is None
    assert SandboxCustomTab.objects.count() == 0
    assert SandboxAllowedTab.objects.count() == 0
    assert sandbox.request_counts()["POST Tabs"] == 1  # a POST is never repeated
    assert "POST TicketType" not in sandbox.request_counts()


def test_it_finds_a_tab_halo_made_without_saying_so_instead_of_making_two(ws, monkeypatch) -> None:
    _fail_next_post_to(monkeypatch, "/Tabs", None, malformed=True)  # made, answer cut off

    report = install.install(ws.tab, [2])

    assert (report.ok, report.tab_unclear, report.error_kind) == (False, True, "BadResponse")
    assert ws.fresh_tab().halo_tab_id is None  # we do not know its id
    assert SandboxAllowedTab.objects.count() == 0
    monkeypatch.undo()
    again = install.install(ws.fresh_tab(), [2])
    [halo_tab] = SandboxCustomTab.objects.all()
    assert (again.ok, again.tab_action, again.halo_tab_id) == (True, "found", halo_tab.id)
    assert _allowed(2) == [halo_tab.id]


def test_it_says_what_was_done_when_a_ticket_type_update_fails(ws, monkeypatch) -> None:
    _fail_next_post_to(monkeypatch, "/TicketType", 500)

    report = install.install(ws.tab, [1, 2])

    [halo_tab] = SandboxCustomTab.objects.all()
    assert report.tab_action == "created"
    assert report.halo_tab_id == halo_tab.id == ws.fresh_tab().halo_tab_id  # what Halo has
    assert _outcomes(report) == {1: FAILED, 2: FAILED}
    assert not report.ok
    assert report.done == [
        "Created the custom tab “MSP Process” in Halo (Ticket, Iframe, our tab URL)."
    ]
    assert report.not_done == [
        "Not turned on for Incident: Halo answered with a server error (HTTP 500).",
        "Not turned on for Service Request: Halo answered with a server error (HTTP 500).",
    ]
    assert SandboxAllowedTab.objects.count() == 0

    monkeypatch.undo()
    again = install.install(ws.fresh_tab(), [1, 2])
    assert again.ok
    assert (again.tab_action, again.halo_tab_id) == ("found", halo_tab.id)
    assert _outcomes(again) == {1: TURNED_ON, 2: TURNED_ON}
    assert SandboxCustomTab.objects.count() == 1


def test_it_turns_on_200_ticket_types_in_two_posts(ws) -> None:
    SandboxTicketType.objects.bulk_create(
        SandboxTicketType(
            id=100 + n, name=f"Type {n}", sequence=10 + n, allowall_iframe_customtabs=False
        )
        for n in range(196)
    )
    every = list(SandboxTicketType.objects.values_list("id", flat=True))
    assert len(every) == 200

    report = install.install(ws.tab, every)

    assert report.ok
    assert set(_outcomes(report).values()) == {TURNED_ON}
    assert len(report.types) == 200
    assert sandbox.request_counts()["POST TicketType"] == 2
    assert sum(sandbox.request_counts().values()) == 6  # token, 2 reads, tab, 2 updates
    assert SandboxAllowedTab.objects.filter(tab_id=report.halo_tab_id).count() == 200
    assert "200 ticket types (Incident, Service Request" in report.done[1]
    assert report.done[1].endswith("and 190 more).")


def test_it_never_touches_another_tab_or_a_type_not_picked(ws) -> None:
    other = sandbox.configure_custom_tab("https://other.example.com/", "s", name="Other")
    entry = SandboxAllowedTab.objects.create(tickettype_id=2, tab=other)
    SandboxAllowedTab.objects.create(tickettype_id=4, tab=other)
    sandbox.set_custom_tabs_allowed(True, tickettype_id=1)

    report = install.install(ws.tab, [2, 3])

    assert report.ok
    ours = report.halo_tab_id
    assert _allowed(2) == [other.id, ours]
    assert SandboxAllowedTab.objects.get(tab=other, tickettype_id=2).id == entry.id
    assert (_allowed(3), _allowed(4), _allowed(1)) == ([ours], [other.id], [])
    allow_all = dict(SandboxTicketType.objects.values_list("id", "allowall_iframe_customtabs"))
    assert allow_all == {1: True, 2: False, 3: False, 4: False}
    other.refresh_from_db()
    assert (other.name, other.url, other.secret) == ("Other", "https://other.example.com/", "s")

    removed = install.remove(ws.fresh_tab())
    assert removed.ok
    assert (_allowed(2), _allowed(3), _allowed(4)) == ([other.id], [], [other.id])
    assert list(SandboxCustomTab.objects.all()) == [other]
    assert dict(SandboxTicketType.objects.values_list("id", "allowall_iframe_customtabs")) == (
        allow_all
    )


def test_it_sends_halo_only_fields_of_its_schemas(ws, monkeypatch) -> None:
    sent = []
    post = HaloClient.post

    def recording(self, where, body):
        sent.append((where, body))
        return post(self, where, body)

    monkeypatch.setattr(HaloClient, "post", recording)
    other = sandbox.configure_custom_tab("https://other.example.com/", name="Other")
    SandboxAllowedTab.objects.create(tickettype_id=2, tab=other)
    install.install(ws.tab, [2])

    [(tabs_path, tabs_body), (types_path, types_body)] = sent
    assert (tabs_path, types_path) == ("/Tabs", "/TicketType")
    assert_fields_in_schema("Tabname", tabs_body)
    assert_fields_in_schema("RequestType", types_body)
    assert tabs_body[0]["url"] == ws.tab.url  # Halo's variables left for Halo
    assert "$FAULTID" in tabs_body[0]["url"]


def test_it_keeps_a_name_the_msp_gave_and_repairs_a_url_that_drifted(ws) -> None:
    first = install.install(ws.tab, [2])
    SandboxCustomTab.objects.filter(pk=first.halo_tab_id).update(name="Verify caller")
    services.rotate_key(ws.fresh_tab())  # a new tab URL: the one in Halo is stale
    tab = ws.fresh_tab()

    report = install.install(tab, [2])

    assert report.ok
    assert (report.tab_action, report.tab_name) == ("updated", "Verify caller")
    assert report.done[0] == (
        "Set the URL of the custom tab “Verify caller” to this workspace's tab URL."
    )
    halo_tab = SandboxCustomTab.objects.get()
    assert (halo_tab.id, halo_tab.name, halo_tab.url) == (
        first.halo_tab_id,
        "Verify caller",
        tab.url,
    )
    assert _outcomes(report) == {2: ALREADY_ON}
    assert "Configuration > Custom Tabs > Verify caller" in report.secret_step


def test_it_finds_a_tab_added_by_hand_by_its_url_never_by_its_name(ws) -> None:
    # Another workspace's tab in the same Halo, with our tab's name.
    namesake = sandbox.configure_custom_tab(
        "https://msp.example.com/tab/other-key/", name="MSP Process"
    )
    by_hand = sandbox.configure_custom_tab(ws.tab.url, ws.tab.secret, name="Caller check")
    tab = ws.fresh_tab()
    tab.seen_at = timezone.now()  # Halo's signed load proved the secret is there
    tab.secret_rotated_at = tab.seen_at - timedelta(days=1)
    tab.save()

    report = install.install(tab, [3])

    assert (report.tab_action, report.halo_tab_id, report.tab_name) == (
        "found",
        by_hand.id,
        "Caller check",
    )
    assert ws.fresh_tab().halo_tab_id == by_hand.id
    assert (report.secret_needed, report.secret_step) == (False, "")
    assert _allowed(3) == [by_hand.id]
    assert SandboxCustomTab.objects.count() == 2
    namesake.refresh_from_db()
    assert namesake.url == "https://msp.example.com/tab/other-key/"
    assert "POST Tabs" not in sandbox.request_counts()


def test_it_removes_the_tab_even_renamed(ws) -> None:
    installed = install.install(ws.tab, [1, 2, 3])
    SandboxCustomTab.objects.filter(pk=installed.halo_tab_id).update(name="Renamed by the MSP")
    sandbox.clear_log()

    report = install.remove(ws.fresh_tab())

    assert report.ok
    assert report.tab_action == "deleted"
    assert report.halo_tab_id == installed.halo_tab_id
    assert _outcomes(report) == {1: TURNED_OFF, 2: TURNED_OFF, 3: TURNED_OFF}
    assert report.done == [
        "Took the tab off 3 ticket types (Incident, Service Request, Account Change).",
        "Deleted the custom tab from Halo.",
    ]
    assert SandboxCustomTab.objects.count() == 0
    assert SandboxAllowedTab.objects.count() == 0
    assert ws.fresh_tab().halo_tab_id is None
    assert sandbox.request_counts() == {
        "GET TicketType": 1,
        "POST TicketType": 1,
        "DELETE Tabs/{id}": 1,
    }
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.TAB_REMOVED,
        detail=f"Tab deleted from Halo (id {installed.halo_tab_id})",
        fields=["halo_tab_id"],
    ).exists()


def test_it_says_a_tab_deleted_in_halo_is_already_removed(ws) -> None:
    installed = install.install(ws.tab, [2])
    sandbox.remove_custom_tab()  # someone deleted it in Halo (its entries go with it)

    report = install.remove(ws.fresh_tab())

    assert report.ok
    assert report.tab_action == "already_removed"
    assert report.types == []
    assert report.done == ["The custom tab was already removed from Halo."]
    assert ws.fresh_tab().halo_tab_id is None
    assert AuditEvent.objects.filter(
        detail=f"Tab already gone from Halo (id {installed.halo_tab_id})"
    ).exists()
    # Installing again starts afresh.
    again = install.install(ws.fresh_tab(), [2])
    assert again.tab_action == "created"
    assert again.halo_tab_id != installed.halo_tab_id


def test_it_removes_a_tab_added_by_hand_and_nothing_when_there_is_none(ws) -> None:
    other = sandbox.configure_custom_tab("https://other.example.com/", name="MSP Process")
    nothing = install.remove(ws.tab)
    assert (nothing.ok, nothing.tab_action) == (True, "not_found")
    assert nothing.done == ["There is no custom tab of ours in Halo: nothing to remove."]
    assert list(SandboxCustomTab.objects.all()) == [other]

    by_hand = sandbox.configure_custom_tab(ws.tab.url, name="MSP Process (ours)")
    SandboxAllowedTab.objects.create(tickettype_id=3, tab=by_hand)
    report = install.remove(ws.fresh_tab())
    assert (report.ok, report.tab_action, report.halo_tab_id) == (True, "deleted", by_hand.id)
    assert list(SandboxCustomTab.objects.all()) == [other]


def test_it_keeps_the_tab_when_a_type_cannot_be_changed_on_removal(ws, monkeypatch) -> None:
    installed = install.install(ws.tab, [2, 3])
    _fail_next_post_to(monkeypatch, "/TicketType", 500)

    report = install.remove(ws.fresh_tab())

    assert not report.ok
    assert report.tab_action == ""
    assert _outcomes(report) == {2: FAILED, 3: FAILED}
    assert report.not_done[-1] == "The custom tab was not deleted from Halo."
    assert ws.fresh_tab().halo_tab_id == installed.halo_tab_id
    assert SandboxCustomTab.objects.filter(pk=installed.halo_tab_id).exists()
    assert "DELETE Tabs/{id}" not in sandbox.request_counts()


def test_it_refuses_removal_without_an_administrator_agent(ws) -> None:
    installed = install.install(ws.tab, [2])
    sandbox.create_application(ws.client_id, ws.client_secret, agent_id=seed.VIEWING_AGENT_ID)

    report = install.remove(ws.fresh_tab())

    assert report.needs_admin
    assert "Is a HaloPSA Administrator" in report.error
    assert ws.fresh_tab().halo_tab_id == installed.halo_tab_id
    assert _allowed(2) == [installed.halo_tab_id]


@pytest.mark.parametrize(
    ("fault", "kind", "words"),
    [
        ({"status": 429}, "HaloBusy", "Halo is busy"),
        ({"malformed": True}, "BadResponse", "not valid JSON"),
        ({"status": 401, "status_count": 2}, "BadCredentials", "refused our access token"),
    ],
)
def test_it_reports_other_halo_failures_in_the_clients_words(ws, fault, kind, words) -> None:
    sandbox.set_faults(**fault)

    report = install.install(ws.tab, [1])

    assert (report.ok, report.error_kind, report.needs_admin) == (False, kind, False)
    assert words in report.error
    assert report.busy == (kind == "HaloBusy")
    assert ws.fresh_tab().halo_tab_id is None
    assert SandboxCustomTab.objects.count() == 0


def test_it_needs_a_connection_first() -> None:
    tab = services.tab_for(TenantFactory())
    report = install.install(tab, [1])
    assert (report.ok, report.error_kind) == (False, "NotConnected")
    assert "Connect your Halo first" in report.error
    assert install.remove(tab).error_kind == "NotConnected"


def test_it_runs_one_install_at_a_time(ws) -> None:
    cache.add(f"tickettab:install:{ws.tab.pk}", True, 60)  # another run holds the lock
    report = install.install(ws.tab, [1])
    assert report.error_kind == "InProgress"
    assert sandbox.request_counts() == {}


def test_it_refuses_ids_that_are_not_positive_integers(ws) -> None:
    for bad in ([True], [0], ["1"], [-3]):
        with pytest.raises(ValueError, match="positive integers"):
            install.install(ws.tab, bad)
