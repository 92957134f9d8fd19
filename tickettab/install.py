"""Install the tab for me: our custom tab in the workspace's Halo, through Halo's API.

What the integration page's "Install the tab for me" and "Remove the tab" call. The
customer picks ticket types; we create our custom tab (Configuration > Custom Tabs:
Ticket, Iframe, "MSP Process", the tab URL) and make it show on those types, then
report per type what changed (see /work/shared/halo/README.md, "The ticket custom tab").

Rules, and why:

- **Ours by id or by URL, never by name.** The stored `Tab.halo_tab_id` says which
  Halo tab we made; without it (a tab added by hand, or an id Halo no longer has) a
  tab whose URL holds our tab path `/tab/<key>/` is ours: the key is unguessable and
  belongs to this workspace alone. A name proves nothing (every integration could
  call its tab "MSP Process", and an MSP may rename ours, which we then keep).
- **Never touch another tab or setting.** A type is turned on by adding our tab to
  its `allowed_iframe_customtabs`, keeping the entries already there, never by
  switching `allowall_iframe_customtabs` on: that would turn on every other custom
  tab too. A type that allows all custom tabs shows ours already and is left alone.
- **Few calls.** Halo's limit (~300 calls per 5 minutes) is shared with the MSP's
  other tools and every call goes through the workspace's Halo client, which spends
  from its budget. An install is GET /Tabs, GET /TicketType, at most one POST /Tabs
  and one POST /TicketType per 100 types that change (Halo updates from an array);
  running it again finds everything in place and costs the two reads.
- **Nothing half-installed.** Each step's outcome is reported as it happened, the
  stored id follows what Halo has (written the moment the tab exists), and running
  the install again checks what Halo has and finishes the job. A POST /Tabs that
  failed unclearly (a 500, a timeout) may still have created the tab: the next run
  finds it by its URL instead of creating a second one.
- **An administrator agent.** Halo lets only an application whose "Agent to log in
  as" is a Halo administrator read or write custom tabs, and answers a bare 403
  otherwise: `NeedsAdministrator` says exactly that, and that the permission may be
  removed after installation (a vendor that installs its tab this way says so).
- **The secret stays a paste.** Halo's `Tabname` has no secret field, so the API
  cannot set the tab's secret: the report says where the one remaining paste goes,
  unless a correctly signed load from Halo already proved the secret is there.

Unconfirmed Halo behaviour (easy to change here): the `tableid` of the Ticket entity
(`TICKET_TABLE_ID`); that GET /TicketType lists each type's
`allowed_iframe_customtabs`; that a TicketType POST replaces the list it is sent
(we always send the whole list, so a merge would do the same) and leaves fields it
is not sent as they are; what DELETE /Tabs/{id} answers (an empty 200 is accepted);
where Halo shows "Is a HaloPSA Administrator" (`ADMIN_SETTING`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from django.core.cache import cache
from django.db import transaction

from integrations.halo.client import HaloClient
from integrations.halo.errors import (
    BadResponse,
    HaloBusy,
    HaloError,
    MissingPermission,
    NotFound,
)
from integrations.models import HaloConnection
from mspprocess.cache import CacheUnavailable
from mspprocess.core import audit
from tickettab.models import Tab

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

TAB_NAME = "MSP Process"
# Halo's `Tabname.tableid` for the Ticket entity is unconfirmed: 1 is the guess the
# sandbox shares (SandboxCustomTab.TICKET_TABLE). Change it here once confirmed.
TICKET_TABLE_ID = 1
# Ticket types per POST /TicketType: Halo's lists hold at most 100 records, so its
# writes are kept to the same size.
TYPES_PER_POST = 100
ALLOW_ALL = "allowall_iframe_customtabs"
ALLOWED = "allowed_iframe_customtabs"
# Where an agent becomes a Halo administrator (menu path unconfirmed).
ADMIN_SETTING = "Is a HaloPSA Administrator"
AGENTS_MENU = "Configuration > Teams & Agents > Agents"
CUSTOM_TABS_MENU = "Configuration > Custom Tabs"
# One install or removal at a time per workspace: a double click must not create two
# tabs in Halo. Longer than a run can take (a handful of calls, each time-limited).
LOCK_SECONDS = 300

# The audit trail has no action of its own for the tab's installation yet (actions
# live in mspprocess/core/audit.py): "Workspace details changed" with the field
# and a detail says what happened. Point these at dedicated actions once they exist.
INSTALL_ACTION = audit.AuditEvent.Action.TENANT_CHANGED
REMOVE_ACTION = audit.AuditEvent.Action.TENANT_CHANGED


class NeedsAdministrator(MissingPermission):
    """Halo refused a custom-tab call (a bare 403): the application's agent is not a
    Halo administrator, the one thing such calls need beyond the usual permissions."""

    def __init__(self, agent_name: str = "", **kwargs: Any) -> None:
        agent = f" ({agent_name})" if agent_name else ""
        super().__init__(
            "Halo refused: only a Halo administrator may add or change custom tabs, and "
            f"the agent your API application logs in as{agent} is not one.",
            hint=f"In Halo, open {AGENTS_MENU} > {agent_name or '(that agent)'}, tick "
            f"“{ADMIN_SETTING}”, save, and install again. You can remove the permission "
            "once the tab is installed. Or add the tab yourself with the manual steps.",
            **kwargs,
        )


class Outcome(StrEnum):
    TURNED_ON = "turned_on"
    ALREADY_ON = "already_on"
    TURNED_OFF = "turned_off"  # removal: our tab taken off the type's list
    FAILED = "failed"


@dataclass(frozen=True)
class TicketTypeState:
    """A ticket type in the workspace's Halo, as the install page lists it."""

    id: int
    name: str
    tab_shows: bool  # our tab shows on this type's tickets now
    all_tabs_allowed: bool  # "allow all custom tabs": ours shows without being listed


@dataclass
class TypeResult:
    """What an install or removal did to one ticket type."""

    id: int
    name: str
    outcome: Outcome
    detail: str = ""  # why it failed, or how it is on ("all custom tabs are allowed")

    @property
    def words(self) -> str:
        words = {
            Outcome.TURNED_ON: "turned on",
            Outcome.ALREADY_ON: "already on",
            Outcome.TURNED_OFF: "taken off",
            Outcome.FAILED: "not changed",
        }[self.outcome]
        return f"{words}: {self.detail}" if self.detail else words


@dataclass
class _Outcome:
    """What an install and a removal both report: types, and what stopped them."""

    types: list[TypeResult] = field(default_factory=list)
    error: str = ""  # customer-readable: what went wrong and what to do
    error_kind: str = ""  # the HaloError class name, e.g. "NeedsAdministrator"
    needs_admin: bool = False  # Halo refused: the application's agent is no administrator
    busy: bool = False  # Halo is busy (our share or its 429): try again later

    def failed(self, error: HaloError) -> None:
        self.error, self.error_kind = str(error), error.kind
        self.needs_admin = isinstance(error, NeedsAdministrator)
        self.busy = isinstance(error, HaloBusy)

    @property
    def ok(self) -> bool:
        return not self.error and all(t.outcome != Outcome.FAILED for t in self.types)

    def with_outcome(self, outcome: Outcome) -> list[TypeResult]:
        return [t for t in self.types if t.outcome == outcome]


@dataclass
class InstallReport(_Outcome):
    # "created", "updated" (its URL), "found" (already right), or "" when the install
    # stopped before the tab (then nothing was changed in Halo).
    tab_action: str = ""
    halo_tab_id: int | None = None  # our tab in Halo, as this run found or made it
    tab_name: str = TAB_NAME  # as Halo names it: the MSP may have renamed it
    # Halo's API cannot set the tab's secret: one paste is left unless a correctly
    # signed load already proved Halo has it.
    secret_needed: bool = True
    # Creating the tab failed without a clear "no" (a 5xx, a timeout, an unreadable
    # answer): Halo may have made it all the same.
    tab_unclear: bool = False

    @property
    def done(self) -> list[str]:
        """What was changed or found in Halo, one sentence each."""
        lines = []
        name = self.tab_name
        if self.tab_action == "created":
            lines.append(f"Created the custom tab “{name}” in Halo (Ticket, Iframe, our tab URL).")
        elif self.tab_action == "updated":
            lines.append(f"Set the URL of the custom tab “{name}” to this workspace's tab URL.")
        elif self.tab_action == "found":
            lines.append(f"Found the custom tab “{name}” in Halo, already set up.")
        if turned := self.with_outcome(Outcome.TURNED_ON):
            lines.append(f"Turned “{name}” on for {_types(turned)}.")
        if already := self.with_outcome(Outcome.ALREADY_ON):
            lines.append(f"Already on for {_types(already)}.")
        return lines

    @property
    def not_done(self) -> list[str]:
        """What is not done, one sentence each (empty when everything is)."""
        lines = []
        if self.tab_unclear:
            lines.append(
                "Halo did not confirm that it created the custom tab, and no ticket type "
                "was changed. Install again: it finds the tab if Halo made it."
            )
        elif not self.tab_action:
            lines.append("The custom tab was not created: nothing was changed in Halo.")
        lines += [f"Not turned on for {t.name}: {t.detail}" for t in self.types if not _on(t)]
        return lines

    @property
    def secret_step(self) -> str:
        """The one paste left in Halo, in its words; "" when none is."""
        if not self.secret_needed or not self.tab_action:
            return ""
        return (
            f"One step is left: in Halo, open {CUSTOM_TABS_MENU} > {self.tab_name}, paste "
            "the tab secret shown on this page into its Secret field, and save. (Halo's "
            "API cannot set a tab's secret.)"
        )


@dataclass
class RemoveReport(_Outcome):
    # "deleted", "already_removed" (Halo had no such tab any more), "not_found" (we
    # know of no tab of ours in Halo), or "" when the removal stopped before.
    tab_action: str = ""
    halo_tab_id: int | None = None

    @property
    def done(self) -> list[str]:
        lines = []
        if off := self.with_outcome(Outcome.TURNED_OFF):
            lines.append(f"Took the tab off {_types(off)}.")
        if self.tab_action == "deleted":
            lines.append("Deleted the custom tab from Halo.")
        elif self.tab_action == "already_removed":
            lines.append("The custom tab was already removed from Halo.")
        elif self.tab_action == "not_found":
            lines.append("There is no custom tab of ours in Halo: nothing to remove.")
        return lines

    @property
    def not_done(self) -> list[str]:
        lines = [f"Still on {t.name}: {t.detail}" for t in self.with_outcome(Outcome.FAILED)]
        if not self.tab_action:
            lines.append("The custom tab was not deleted from Halo.")
        return lines


# -- the page's calls ----------------------------------------------------------------


def ticket_types(conn: HaloConnection) -> list[TicketTypeState]:
    """The workspace's Halo ticket types, each with whether our tab shows there now.

    One GET /TicketType. Without a stored tab id, only "allow all custom tabs" tells
    (the list names tabs by id). Raises HaloError: its str() is the message and fix.
    """
    tab = Tab.objects.filter(tenant_id=conn.tenant_id).first()
    halo_tab_id = tab.halo_tab_id if tab else None
    with HaloClient(conn.credentials()) as client:
        types = client.ticket_types()
    return [_state(t, halo_tab_id) for t in types if _type_id(t) is not None]


def install(
    tab: Tab,
    ticket_type_ids: Iterable[int],
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> InstallReport:
    """Create (or find, or repair) our custom tab in Halo and turn it on for the
    picked ticket types. Never raises HaloError: the report says what happened."""
    picked = _positive_ids(ticket_type_ids)
    report = InstallReport(secret_needed=not _tab_verified(tab))
    conn = _ready_connection(tab, report)
    if conn is None:
        return report
    with _one_at_a_time(tab, report) as mine:
        if mine:
            with HaloClient(conn.credentials()) as client:
                _install(client, conn, tab, picked, report, actor, request)
    return report


def remove(tab: Tab, *, actor: Any = None, request: HttpRequest | None = None) -> RemoveReport:
    """Take our tab off every ticket type that lists it, then delete it from Halo.

    A tab renamed in Halo is still ours (by its id); one Halo no longer has is
    "already removed". Never raises HaloError: the report says what happened.
    """
    report = RemoveReport(halo_tab_id=tab.halo_tab_id)
    conn = _ready_connection(tab, report)
    if conn is None:
        return report
    with _one_at_a_time(tab, report) as mine:
        if mine:
            with HaloClient(conn.credentials()) as client:
                _remove(client, conn, tab, report, actor, request)
    return report


# -- installing ----------------------------------------------------------------------


def _install(
    client: HaloClient,
    conn: HaloConnection,
    tab: Tab,
    picked: list[int],
    report: InstallReport,
    actor: Any,
    request: HttpRequest | None,
) -> None:
    try:
        # Tabs first: the call that needs an administrator fails before any other.
        tabs = _read_tabs(client, conn)
        types = client.ticket_types()
    except HaloError as e:
        report.failed(e)
        return
    ours = _find_ours(tab, tabs)
    try:
        halo_tab = _create_or_repair(client, conn, tab, ours, tabs, report)
    except HaloError as e:
        report.failed(e)
        return
    halo_tab_id = halo_tab["id"]
    report.halo_tab_id = halo_tab_id
    report.tab_name = _text(halo_tab.get("name")) or TAB_NAME
    if report.tab_action == "created":
        report.secret_needed = True  # a tab made through the API has no secret
    if tab.halo_tab_id != halo_tab_id:
        # The truth first: from here on Halo has this tab, whatever happens next.
        what = "created in" if report.tab_action == "created" else "found in"
        _save_halo_tab_id(tab, halo_tab_id, f"Tab {what} Halo (id {halo_tab_id})", actor, request)

    changes = _plan_turn_on(types, picked, halo_tab_id, report)
    _post_types(client, conn, changes, halo_tab_id, Outcome.TURNED_ON, report)
    if turned := report.with_outcome(Outcome.TURNED_ON):
        _audit(tab, INSTALL_ACTION, f"Tab turned on in Halo for {_types(turned)}", actor, request)


def _read_tabs(client: HaloClient, conn: HaloConnection) -> list[dict[str, Any]]:
    try:
        reply = _tab_call(conn, lambda: client.get("/Tabs"))
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
    return [t for t in reply if isinstance(t, dict) and _type_id(t) is not None]


def _find_ours(tab: Tab, tabs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Our tab among Halo's: by the id we stored, else by our tab path in its URL."""
    by_id = {t["id"]: t for t in tabs}
    if tab.halo_tab_id in by_id:
        return by_id[tab.halo_tab_id]
    return next((t for t in tabs if _points_at(tab, _text(t.get("url")))), None)


def _points_at(tab: Tab, url: str) -> bool:
    # The path, not the whole URL: the workspace's base URL may have changed since
    # (then the URL is repaired), but the key is the workspace's alone.
    if not tab.key or not url:
        return False
    return f"/tab/{quote(tab.key, safe='')}/" in urlsplit(url).path


def _create_or_repair(
    client: HaloClient,
    conn: HaloConnection,
    tab: Tab,
    ours: dict[str, Any] | None,
    tabs: list[dict[str, Any]],
    report: InstallReport,
) -> dict[str, Any]:
    if ours is None:
        # After the tabs already there: ours never pushes the MSP's own tabs along.
        sequences = [n for t in tabs if (n := _int(t.get("sequence"))) is not None]
        item = {
            "name": TAB_NAME,
            "tableid": TICKET_TABLE_ID,
            "url": tab.url,
            "sequence": max(sequences, default=0) + 1,
        }
        try:
            created = _one_record(_tab_call(conn, lambda: client.post("/Tabs", [item])))
        except HaloError as e:
            # A refusal (4xx, or our budget's before any request) made nothing; after
            # anything else (5xx, a timeout, an unreadable 200) Halo may have.
            refused = isinstance(e, HaloBusy) or (e.status is not None and 400 <= e.status < 500)
            report.tab_unclear = not refused
            raise
        report.tab_action = "created"
        return {**item, **created}
    if _text(ours.get("url")) != tab.url:
        # Its URL drifted (a new tab key, another base URL): repair it and keep the
        # name, which the MSP may have changed. The name is sent as it is in case
        # Halo clears fields an update leaves out.
        item = {"id": ours["id"], "name": _text(ours.get("name")) or TAB_NAME, "url": tab.url}
        updated = _one_record(_tab_call(conn, lambda: client.post("/Tabs", [item])))
        report.tab_action = "updated"
        return {**ours, **item, **updated}
    report.tab_action = "found"
    return ours


def _plan_turn_on(
    types: list[dict[str, Any]], picked: list[int], halo_tab_id: int, report: InstallReport
) -> list[tuple[TypeResult, list[Any]]]:
    """Each picked type's result so far, and the new allowed lists to send."""
    by_id = {i: t for t in types if (i := _type_id(t)) is not None}
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
        result = TypeResult(type_id, _type_name(halo_type), Outcome.TURNED_ON)
        report.types.append(result)
        entries = _entries(halo_type)
        if halo_type.get(ALLOW_ALL) is True:
            result.outcome, result.detail = Outcome.ALREADY_ON, "all custom tabs are allowed"
        elif entries is None:
            result.outcome = Outcome.FAILED
            result.detail = "Halo's answer about this ticket type was unreadable, so we left it."
        elif any(e.get("iframetab_id") == halo_tab_id for e in entries):
            result.outcome = Outcome.ALREADY_ON
        else:
            # Every entry already there is sent back as Halo gave it: the list we
            # send is the type's whole list, and other tabs' entries must stay.
            ours = {"iframetab_id": halo_tab_id, "tickettype_id": type_id}
            changes.append((result, [*entries, ours]))
    return changes


# -- removing ------------------------------------------------------------------------


def _remove(
    client: HaloClient,
    conn: HaloConnection,
    tab: Tab,
    report: RemoveReport,
    actor: Any,
    request: HttpRequest | None,
) -> None:
    halo_tab_id = tab.halo_tab_id
    try:
        if halo_tab_id is None:
            # Installed by hand, or by a run whose id was lost: ours by its URL.
            ours = _find_ours(tab, _read_tabs(client, conn))
            if ours is None:
                report.tab_action = "not_found"
                return
            halo_tab_id = report.halo_tab_id = ours["id"]
        types = client.ticket_types()
    except HaloError as e:
        report.failed(e)
        return

    changes = []
    for halo_type in types:
        entries = _entries(halo_type)
        type_id = _type_id(halo_type)
        if type_id is None or not entries:
            continue
        kept = [e for e in entries if e.get("iframetab_id") != halo_tab_id]
        if len(kept) < len(entries):
            result = TypeResult(type_id, _type_name(halo_type), Outcome.TURNED_OFF)
            report.types.append(result)
            changes.append((result, kept))
    _post_types(client, conn, changes, halo_tab_id, Outcome.TURNED_OFF, report)
    if report.error:
        # Deleting the tab now would leave types listing a tab that is gone: stop,
        # keep the id, and let the next removal finish from where this one stopped.
        return

    try:
        _delete(client, conn, f"/Tabs/{halo_tab_id}")
        report.tab_action = "deleted"
    except NotFound:
        report.tab_action = "already_removed"  # someone deleted it in Halo already
    except HaloError as e:
        report.failed(e)
        return
    if tab.halo_tab_id is not None:
        words = "deleted from" if report.tab_action == "deleted" else "already gone from"
        _save_halo_tab_id(tab, None, f"Tab {words} Halo (id {halo_tab_id})", actor, request)
    else:
        _audit(tab, REMOVE_ACTION, f"Tab deleted from Halo (id {halo_tab_id})", actor, request)


def _delete(client: HaloClient, conn: HaloConnection, path: str) -> None:
    # HaloClient has get and post only; DELETE goes through its one request path,
    # so it is metered and its errors translated like every call.
    try:
        _tab_call(conn, lambda: client._call("DELETE", path))
    except BadResponse as e:
        # What Halo's DELETE answers is unconfirmed: an empty 200 is a deletion.
        if e.status is None or not 200 <= e.status < 300:
            raise


# -- shared steps --------------------------------------------------------------------


def _post_types(
    client: HaloClient,
    conn: HaloConnection,
    changes: list[tuple[TypeResult, list[Any]]],
    halo_tab_id: int,
    outcome: Outcome,
    report: _Outcome,
) -> None:
    """Send each type's new allowed list, up to 100 types per POST, and check the
    reply. The first failure stops the rest (Halo is refusing or unwell): those types
    are reported as not tried, and running again starts from what Halo has then."""
    for start in range(0, len(changes), TYPES_PER_POST):
        chunk = changes[start : start + TYPES_PER_POST]
        body = [{"id": result.id, ALLOWED: entries} for result, entries in chunk]
        try:
            reply = _tab_call(conn, lambda body=body: client.post("/TicketType", body))
        except HaloError as e:
            report.failed(e)
            for result, _ in chunk:
                result.outcome, result.detail = Outcome.FAILED, e.message
            for result, _ in changes[start + TYPES_PER_POST :]:
                result.outcome = Outcome.FAILED
                result.detail = "Not tried: Halo failed on the ticket types before it."
            return
        _check_reply(reply, chunk, halo_tab_id, outcome)


def _check_reply(
    reply: Any, chunk: list[tuple[TypeResult, list[Any]]], halo_tab_id: int, outcome: Outcome
) -> None:
    """Trust a 200, except where the updated record Halo answered says otherwise."""
    records = reply if isinstance(reply, list) else [reply]
    by_id = {i: r for r in records if isinstance(r, dict) and (i := _type_id(r)) is not None}
    for result, _ in chunk:
        record = by_id.get(result.id)
        if record is None or ALLOWED not in record:
            result.outcome = outcome  # Halo may leave fields out of its answers
            continue
        entries = _entries(record) or []
        listed = any(e.get("iframetab_id") == halo_tab_id for e in entries)
        if listed == (outcome == Outcome.TURNED_ON):
            result.outcome = outcome
        else:
            result.outcome = Outcome.FAILED
            result.detail = "Halo accepted the change but did not keep it."


def _tab_call(conn: HaloConnection, call: Callable[[], Any]) -> Any:
    """A custom-tab call: Halo's bare 403 there means "not an administrator"."""
    try:
        return call()
    except MissingPermission as e:
        raise NeedsAdministrator(conn.agent_name, status=e.status) from e


def _ready_connection(tab: Tab, report: _Outcome) -> HaloConnection | None:
    conn = tab.connection
    if conn is None or not conn.has_credentials or not tab.key:
        report.error = (
            "Connect your Halo first: enter the Resource Server, Client ID and Client "
            "Secret on this page and test the connection."
        )
        report.error_kind = "NotConnected"
        return None
    return conn


@contextmanager
def _one_at_a_time(tab: Tab, report: _Outcome) -> Iterator[bool]:
    key = f"tickettab:install:{tab.pk}"
    try:
        mine = bool(cache.add(key, True, LOCK_SECONDS))
    except CacheUnavailable:
        # Without the cache the rare double click is not caught; the next run still
        # finds a second tab's twin by its URL, so going ahead is the lesser harm.
        logger.warning("install: no cache for the lock of tab %s; going ahead", tab.pk)
        yield True
        return
    if not mine:
        report.error = "The tab is being installed or removed already: try again in a minute."
        report.error_kind = "InProgress"
        yield False
        return
    try:
        yield True
    finally:
        cache.delete(key)  # the fail-soft cache's delete never raises; the lock expires


def _save_halo_tab_id(
    tab: Tab, halo_tab_id: int | None, detail: str, actor: Any, request: HttpRequest | None
) -> None:
    """The one write of this module: which Halo tab is ours, audited with it."""
    with transaction.atomic():
        # update(), not save(): tab loads write seen_at and problems concurrently.
        Tab.objects.filter(pk=tab.pk).update(halo_tab_id=halo_tab_id)
        audit.record(
            tab.tenant,
            actor,
            INSTALL_ACTION if halo_tab_id else REMOVE_ACTION,
            fields=["halo_tab_id"],
            detail=detail,
            request=request,
        )
    tab.halo_tab_id = halo_tab_id


def _audit(tab: Tab, action: str, detail: str, actor: Any, request: HttpRequest | None) -> None:
    # Changes made in Halo only (ticket types, a tab we never stored): nothing of
    # ours is written, but who changed the MSP's Halo from here belongs in the trail.
    audit.record(tab.tenant, actor, action, detail=detail, request=request)


# -- reading Halo's records (every field may be missing) -----------------------------


def _state(halo_type: dict[str, Any], halo_tab_id: int | None) -> TicketTypeState:
    allow_all = halo_type.get(ALLOW_ALL) is True
    entries = _entries(halo_type) or []
    listed = halo_tab_id is not None and any(e.get("iframetab_id") == halo_tab_id for e in entries)
    return TicketTypeState(
        id=_type_id(halo_type) or 0,
        name=_type_name(halo_type),
        tab_shows=allow_all or listed,
        all_tabs_allowed=allow_all,
    )


def _entries(halo_type: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A type's allowed list (missing means empty); None when it cannot be read."""
    entries = halo_type.get(ALLOWED)
    if entries is None:
        return []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return None
    return entries


def _int(value: Any) -> int | None:
    # JSON's true is a Python bool, and bool is an int: not a number here.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _type_id(record: dict[str, Any]) -> int | None:
    """A record's id when it is a positive integer (a type's, a tab's)."""
    ident = _int(record.get("id"))
    return ident if ident is not None and ident > 0 else None


def _type_name(halo_type: dict[str, Any]) -> str:
    return _text(halo_type.get("name")) or f"Ticket type {halo_type.get('id')}"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _one_record(reply: Any) -> dict[str, Any]:
    # One item in, one object out; some Halos answer a list of one.
    if isinstance(reply, list) and len(reply) == 1:
        reply = reply[0]
    if not isinstance(reply, dict) or _type_id(reply) is None:
        raise BadResponse(
            "Halo's answer did not say which custom tab it saved.",
            hint="Install again: we find the tab by its URL rather than create another.",
        )
    return reply


def _positive_ids(ids: Iterable[int]) -> list[int]:
    picked = list(dict.fromkeys(ids))  # once each, in the given order
    if any(isinstance(i, bool) or not isinstance(i, int) or i <= 0 for i in picked):
        raise ValueError("ticket type ids are positive integers")
    return picked


def _tab_verified(tab: Tab) -> bool:
    """A correctly signed load from Halo since the secret last changed: Halo has it."""
    if tab.seen_at is None or tab.problem:
        return False
    return tab.secret_rotated_at is None or tab.seen_at >= tab.secret_rotated_at


def _on(result: TypeResult) -> bool:
    return result.outcome in (Outcome.TURNED_ON, Outcome.ALREADY_ON)


def _types(results: list[TypeResult]) -> str:
    names = [r.name for r in results]
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    noun = "ticket type" if len(names) == 1 else "ticket types"
    return f"{len(names)} {noun} ({shown})"
