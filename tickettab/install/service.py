"""Installing and removing our custom tab in Halo: the flows, the lock, and what they write.

The rules they follow are in this package's docstring; the Halo calls themselves,
and what Halo's answers mean, are in steps.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction

from integrations.halo.client import HaloClient
from integrations.halo.errors import HaloError, NotFound
from integrations.models import HaloConnection
from mspprocess.cache import CacheUnavailable
from mspprocess.core import audit
from tickettab.install import records, steps
from tickettab.install.reports import (
    TAB_NAME,
    InstallReport,
    Outcome,
    RemoveReport,
    Report,
    TicketTypeState,
    types_in_words,
)
from tickettab.models import Tab

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

# One install or removal at a time per workspace: a double click must not create two
# tabs in Halo. Longer than a run can take (a handful of calls, each time-limited).
LOCK_SECONDS = 300

INSTALL_ACTION = audit.AuditEvent.Action.TAB_INSTALLED
REMOVE_ACTION = audit.AuditEvent.Action.TAB_REMOVED


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
    return [records.state(t, halo_tab_id) for t in types if records.type_id(t) is not None]


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
    report = InstallReport(secret_needed=not tab.secret_confirmed)
    _run(
        tab,
        report,
        lambda client, conn: _install(client, conn, tab, picked, report, actor, request),
    )
    return report


def remove(tab: Tab, *, actor: Any = None, request: HttpRequest | None = None) -> RemoveReport:
    """Take our tab off every ticket type that lists it, then delete it from Halo.

    A tab renamed in Halo is still ours (by its id); one Halo no longer has is
    "already removed". Never raises HaloError: the report says what happened.
    """
    report = RemoveReport(halo_tab_id=tab.halo_tab_id)
    _run(tab, report, lambda client, conn: _remove(client, conn, tab, report, actor, request))
    return report


def _run(tab: Tab, report: Report, flow: Callable[[HaloClient, HaloConnection], None]) -> None:
    """`flow` with the workspace's Halo client, once connected and alone: the one
    install or removal of this workspace running (a double click waits its turn)."""
    conn = _ready_connection(tab, report)
    if conn is None:
        return
    with _one_at_a_time(tab, report) as mine:
        if mine:
            with HaloClient(conn.credentials()) as client:
                flow(client, conn)


# -- the flows -----------------------------------------------------------------------


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
        tabs = steps.read_tabs(client, conn)
        types = client.ticket_types()
    except HaloError as e:
        report.failed(e)
        return
    ours = steps.find_ours(tab, tabs)
    try:
        halo_tab = steps.create_or_repair(client, conn, tab, ours, tabs, report)
    except HaloError as e:
        report.failed(e)
        return
    halo_tab_id = halo_tab["id"]
    report.halo_tab_id = halo_tab_id
    report.tab_name = records.text(halo_tab.get("name")) or TAB_NAME
    if report.tab_action == "created":
        report.secret_needed = True  # a tab made through the API has no secret
    if tab.halo_tab_id != halo_tab_id:
        # The truth first: from here on Halo has this tab, whatever happens next.
        what = "created in" if report.tab_action == "created" else "found in"
        _save_halo_tab_id(tab, halo_tab_id, f"Tab {what} Halo (id {halo_tab_id})", actor, request)

    changes = steps.plan_turn_on(types, picked, halo_tab_id, report)
    steps.post_types(client, conn, changes, halo_tab_id, Outcome.TURNED_ON, report)
    if turned := report.with_outcome(Outcome.TURNED_ON):
        detail = f"Tab turned on in Halo for {types_in_words(turned)}"
        _audit(tab, INSTALL_ACTION, detail, actor, request)


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
            ours = steps.find_ours(tab, steps.read_tabs(client, conn))
            if ours is None:
                report.tab_action = "not_found"
                return
            halo_tab_id = report.halo_tab_id = ours["id"]
        types = client.ticket_types()
    except HaloError as e:
        report.failed(e)
        return

    changes = steps.plan_turn_off(types, halo_tab_id, report)
    steps.post_types(client, conn, changes, halo_tab_id, Outcome.TURNED_OFF, report)
    if report.error:
        # Deleting the tab now would leave types listing a tab that is gone: stop,
        # keep the id, and let the next removal finish from where this one stopped.
        return

    try:
        steps.delete_tab(client, conn, halo_tab_id)
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


# -- before, around and after the calls ----------------------------------------------


def _ready_connection(tab: Tab, report: Report) -> HaloConnection | None:
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
def _one_at_a_time(tab: Tab, report: Report) -> Iterator[bool]:
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
    """The one write of this package: which Halo tab is ours, audited with it."""
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


def _positive_ids(ids: Iterable[int]) -> list[int]:
    picked = list(dict.fromkeys(ids))  # once each, in the given order
    if any(isinstance(i, bool) or not isinstance(i, int) or i <= 0 for i in picked):
        raise ValueError("ticket type ids are positive integers")
    return picked
