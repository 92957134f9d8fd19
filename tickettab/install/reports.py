"""What an install or a removal reports: per ticket type, and in the customer's words.

The page shows these sentences as they are, so they name Halo's own menus and say
what to do next; nothing here calls Halo or writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from integrations.halo.errors import HaloBusy, HaloError, MissingPermission

TAB_NAME = "MSP Process"
# Where an agent becomes a Halo administrator (menu path unconfirmed).
ADMIN_SETTING = "Is a HaloPSA Administrator"
AGENTS_MENU = "Configuration > Teams & Agents > Agents"
CUSTOM_TABS_MENU = "Configuration > Custom Tabs"
# More names than this in one sentence would bury it: the rest are counted.
NAMES_SHOWN = 10


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
class Report:
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
class InstallReport(Report):
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
            lines.append(f"Turned “{name}” on for {types_in_words(turned)}.")
        if already := self.with_outcome(Outcome.ALREADY_ON):
            lines.append(f"Already on for {types_in_words(already)}.")
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
class RemoveReport(Report):
    # "deleted", "already_removed" (Halo had no such tab any more), "not_found" (we
    # know of no tab of ours in Halo), or "" when the removal stopped before.
    tab_action: str = ""
    halo_tab_id: int | None = None

    @property
    def done(self) -> list[str]:
        lines = []
        if off := self.with_outcome(Outcome.TURNED_OFF):
            lines.append(f"Took the tab off {types_in_words(off)}.")
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


def types_in_words(results: list[TypeResult]) -> str:
    """The types counted and named, e.g. "2 ticket types (Incident, Problem)"; for
    the report's sentences and the audit trail's detail alike."""
    names = [r.name for r in results]
    shown = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += f" and {len(names) - NAMES_SHOWN} more"
    noun = "ticket type" if len(names) == 1 else "ticket types"
    return f"{len(names)} {noun} ({shown})"


def _on(result: TypeResult) -> bool:
    return result.outcome in (Outcome.TURNED_ON, Outcome.ALREADY_ON)
