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

# The package, one thing a module: service.py the flows (install, remove, the page's
# list of types), the lock and the audited write; steps.py the Halo calls and what
# their answers mean; records.py reading Halo's records; reports.py what the page
# is told. Callers use only what is re-exported here.
from tickettab.install.reports import (
    TAB_NAME,
    InstallReport,
    NeedsAdministrator,
    Outcome,
    RemoveReport,
    TicketTypeState,
    TypeResult,
)
from tickettab.install.service import install, remove, ticket_types
from tickettab.install.steps import TICKET_TABLE_ID

__all__ = [
    "TAB_NAME",
    "TICKET_TABLE_ID",
    "InstallReport",
    "NeedsAdministrator",
    "Outcome",
    "RemoveReport",
    "TicketTypeState",
    "TypeResult",
    "install",
    "remove",
    "ticket_types",
]
