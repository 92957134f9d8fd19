"""The Halo set-up guide as a checklist whose steps tick themselves from live state."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.models import HaloConnection


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    detail: str
    failed: bool = False


def onboarding_steps(conn: HaloConnection) -> list[Step]:
    tested = conn.last_checked is not None
    connected = conn.status == HaloConnection.Status.CONNECTED
    tabs_allowed = conn.custom_tabs_allowed
    return [
        Step(
            "credentials",
            "Enter the Resource Server, Client ID and Client Secret",
            conn.has_credentials,
            "From your API application in Halo: Configuration > Integrations > Halo API.",
        ),
        Step(
            "connection",
            "Connection verified",
            connected,
            f"Signed in to Halo as {conn.agent_name}."
            if connected and conn.agent_name
            else (conn.last_error or "Save the form to test the connection."),
            failed=tested and not connected,
        ),
        Step(
            "permissions",
            "Permissions complete",
            conn.permissions_complete,
            "The application may read tickets, write notes and read customers."
            if conn.permissions_complete
            else "Tick the missing permissions listed below, then test again.",
            failed=connected and not conn.permissions_complete,
        ),
        Step(
            "tabs_allowed",
            "Custom tabs allowed on ticket types",
            bool(tabs_allowed),
            "Every ticket type shows custom tabs."
            if tabs_allowed
            else "In Halo: Configuration > Tickets > Ticket Types > each type > "
            "tick “Allow all custom tabs”, then test again.",
            failed=tabs_allowed is False,
        ),
        _tab_step(conn),
    ]


def _tab_step(conn: HaloConnection) -> Step:
    problem = conn.current_tab_problem
    if problem is not None:
        # A problem outranks an earlier good load: the tab is broken now.
        return Step(
            "tab_seen",
            "Custom tab seen",
            False,
            f"Halo opened the tab at {conn.tab_problem_seen_at:%Y-%m-%d %H:%M} UTC, but: "
            f"{problem.summary} {problem.fix}",
            failed=True,
        )
    return Step(
        "tab_seen",
        "Custom tab seen",
        conn.tab_seen_at is not None,
        f"Our tab was last opened from Halo at {conn.tab_seen_at:%Y-%m-%d %H:%M} UTC."
        if conn.tab_seen_at
        else "Create the custom tab in Halo with the URL below and open any ticket.",
    )


def stage(conn: HaloConnection | None) -> int:
    """How many steps are done, in order (0 to 5): the onboarding progress."""
    if conn is None:
        return 0
    count = 0
    for step in onboarding_steps(conn):
        if not step.done:
            break
        count += 1
    return count
