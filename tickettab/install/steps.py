"""The Halo calls of an install and a removal, and what their answers mean.

Each step calls Halo through the workspace's client and raises HaloError when Halo
refuses or fails; the flows in service.py decide what a failure stops. Custom-tab
calls go through `tab_call`, which turns Halo's bare 403 into NeedsAdministrator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from integrations.halo.client import HaloClient
from integrations.halo.errors import BadResponse, HaloBusy, HaloError, MissingPermission, NotFound
from integrations.models import HaloConnection
from tickettab.install import records
from tickettab.install.records import ALLOW_ALL, ALLOWED
from tickettab.install.reports import (
    TAB_NAME,
    InstallReport,
    NeedsAdministrator,
    Outcome,
    RemoveReport,
    Report,
    TypeResult,
)
from tickettab.models import Tab

# Halo's `Tabname.tableid` for the Ticket entity is unconfirmed: 1 is the guess the
# sandbox shares (SandboxCustomTab.TICKET_TABLE). Change it here once confirmed.
TICKET_TABLE_ID = 1
# Ticket types per POST /TicketType: Halo's lists hold at most 100 records, so its
# writes are kept to the same size.
TYPES_PER_POST = 100

# The types to change: each one's result so far, and the whole allowed list to send.
Changes = list[tuple[TypeResult, list[Any]]]


# -- our custom tab ------------------------------------------------------------------


def read_tabs(client: HaloClient, conn: HaloConnection) -> list[dict[str, Any]]:
    try:
        reply = tab_call(conn, lambda: client.get("/Tabs"))
    except NotFound as e:
        # A Halo without custom tabs in its API (they arrived in Halo 2.125.5).
        raise NotFound(
            "Your Halo does not offer custom tabs through its API.",
            hint="Add the tab yourself with the manual steps (custom tabs need Halo "
            "2.125.5 or later).",
            status=e.status,
        ) from e
    if not isinstance(reply, list):
        raise BadResponse("Halo's list of custom tabs was not in the form we expected.")
    return [t for t in reply if isinstance(t, dict) and records.type_id(t) is not None]


def find_ours(tab: Tab, tabs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Our tab among Halo's: by the id we stored, else by our tab path in its URL."""
    by_id = {t["id"]: t for t in tabs}
    if tab.halo_tab_id in by_id:
        return by_id[tab.halo_tab_id]
    return next((t for t in tabs if _points_at(tab, records.text(t.get("url")))), None)


def _points_at(tab: Tab, url: str) -> bool:
    # The path, not the whole URL: the workspace's base URL may have changed since
    # (then the URL is repaired), but the key is the workspace's alone.
    if not tab.key or not url:
        return False
    return f"/tab/{quote(tab.key, safe='')}/" in urlsplit(url).path


def create_or_repair(
    client: HaloClient,
    conn: HaloConnection,
    tab: Tab,
    ours: dict[str, Any] | None,
    tabs: list[dict[str, Any]],
    report: InstallReport,
) -> dict[str, Any]:
    """Our tab in Halo as it is after this step: created, its URL repaired, or found."""
    if ours is None:
        # After the tabs already there: ours never pushes the MSP's own tabs along.
        sequences = [n for t in tabs if (n := records.as_int(t.get("sequence"))) is not None]
        item = {
            "name": TAB_NAME,
            "tableid": TICKET_TABLE_ID,
            "url": tab.url,
            "sequence": max(sequences, default=0) + 1,
        }
        try:
            created = records.one_record(tab_call(conn, lambda: client.post("/Tabs", [item])))
        except HaloError as e:
            # A refusal (4xx, or our budget's before any request) made nothing; after
            # anything else (5xx, a timeout, an unreadable 200) Halo may have.
            refused = isinstance(e, HaloBusy) or (e.status is not None and 400 <= e.status < 500)
            report.tab_unclear = not refused
            raise
        report.tab_action = "created"
        return {**item, **created}
    if records.text(ours.get("url")) != tab.url:
        # Its URL drifted (a new tab key, another base URL): repair it and keep the
        # name, which the MSP may have changed. The name is sent as it is in case
        # Halo clears fields an update leaves out.
        name = records.text(ours.get("name")) or TAB_NAME
        item = {"id": ours["id"], "name": name, "url": tab.url}
        updated = records.one_record(tab_call(conn, lambda: client.post("/Tabs", [item])))
        report.tab_action = "updated"
        return {**ours, **item, **updated}
    report.tab_action = "found"
    return ours


def delete_tab(client: HaloClient, conn: HaloConnection, halo_tab_id: int) -> None:
    # What Halo's DELETE answers is unconfirmed: the client takes a 2xx without a
    # JSON body (an empty 200) as done, and NotFound means it is gone already.
    tab_call(conn, lambda: client.delete(f"/Tabs/{halo_tab_id}"))


def tab_call(conn: HaloConnection, call: Callable[[], Any]) -> Any:
    """A custom-tab call: Halo's bare 403 there means "not an administrator"."""
    try:
        return call()
    except MissingPermission as e:
        raise NeedsAdministrator(conn.agent_name, status=e.status) from e


# -- the ticket types ----------------------------------------------------------------


def plan_turn_on(
    types: list[dict[str, Any]], picked: list[int], halo_tab_id: int, report: InstallReport
) -> Changes:
    """Each picked type's result so far, and the new allowed lists to send."""
    by_id = {i: t for t in types if (i := records.type_id(t)) is not None}
    wanted = set(picked)
    changes = []
    # In Halo's order, as the page lists them; ids Halo does not have at the end.
    for type_id in [i for i in by_id if i in wanted] + [i for i in picked if i not in by_id]:
        halo_type = by_id.get(type_id)
        if halo_type is None:
            report.types.append(
                TypeResult(
                    type_id,
                    f"Ticket type {type_id}",
                    Outcome.FAILED,
                    "Halo has no ticket type with this id (it may have been deleted).",
                )
            )
            continue
        result = TypeResult(type_id, records.type_name(halo_type), Outcome.TURNED_ON)
        report.types.append(result)
        entries = records.entries(halo_type)
        if halo_type.get(ALLOW_ALL) is True:
            result.outcome, result.detail = Outcome.ALREADY_ON, "all custom tabs are allowed"
        elif entries is None:
            result.outcome = Outcome.FAILED
            result.detail = "Halo's answer about this ticket type was unreadable, so we left it."
        elif records.lists(entries, halo_tab_id):
            result.outcome = Outcome.ALREADY_ON
        else:
            # Every entry already there is sent back as Halo gave it: the list we
            # send is the type's whole list, and other tabs' entries must stay.
            ours = {"iframetab_id": halo_tab_id, "tickettype_id": type_id}
            changes.append((result, [*entries, ours]))
    return changes


def plan_turn_off(types: list[dict[str, Any]], halo_tab_id: int, report: RemoveReport) -> Changes:
    """Every type that lists our tab, with its list less our entry (and only ours)."""
    changes = []
    for halo_type in types:
        entries = records.entries(halo_type)
        type_id = records.type_id(halo_type)
        if type_id is None or not entries:
            continue
        kept = [e for e in entries if e.get("iframetab_id") != halo_tab_id]
        if len(kept) < len(entries):
            result = TypeResult(type_id, records.type_name(halo_type), Outcome.TURNED_OFF)
            report.types.append(result)
            changes.append((result, kept))
    return changes


def post_types(
    client: HaloClient,
    conn: HaloConnection,
    changes: Changes,
    halo_tab_id: int,
    outcome: Outcome,
    report: Report,
) -> None:
    """Send each type's new allowed list, up to 100 types per POST, and check the
    reply. The first failure stops the rest (Halo is refusing or unwell): those types
    are reported as not tried, and running again starts from what Halo has then."""
    for start in range(0, len(changes), TYPES_PER_POST):
        chunk = changes[start : start + TYPES_PER_POST]
        body = [{"id": result.id, ALLOWED: entries} for result, entries in chunk]
        try:
            reply = tab_call(conn, lambda body=body: client.post("/TicketType", body))
        except HaloError as e:
            report.failed(e)
            for result, _ in chunk:
                result.outcome, result.detail = Outcome.FAILED, e.message
            for result, _ in changes[start + TYPES_PER_POST :]:
                result.outcome = Outcome.FAILED
                result.detail = "Not tried: Halo failed on the ticket types before it."
            return
        _check_reply(reply, chunk, halo_tab_id, outcome)


def _check_reply(reply: Any, chunk: Changes, halo_tab_id: int, outcome: Outcome) -> None:
    """Trust a 200, except where the updated record Halo answered says otherwise."""
    answered = reply if isinstance(reply, list) else [reply]
    by_id = {
        i: r for r in answered if isinstance(r, dict) and (i := records.type_id(r)) is not None
    }
    for result, _ in chunk:
        record = by_id.get(result.id)
        if record is None or ALLOWED not in record:
            result.outcome = outcome  # Halo may leave fields out of its answers
            continue
        listed = records.lists(records.entries(record) or [], halo_tab_id)
        if listed == (outcome == Outcome.TURNED_ON):
            result.outcome = outcome
        else:
            result.outcome = Outcome.FAILED
            result.detail = "Halo accepted the change but did not keep it."
