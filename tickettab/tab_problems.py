"""What can be wrong with a custom tab as Halo loads it, in words for both ends.

On a real Halo neither the customer nor we can see the iframe's address, so a
misconfigured tab must explain itself: the technician gets one short sentence, the
admin gets the fix in Halo's own menu words, and the tab records the problem
(see `Tab.record_problem`) for the integration page and the console.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

CUSTOM_TABS = "In Halo, open Configuration > Custom Tabs and edit the MSP Process tab"
PASTE_URL = f"{CUSTOM_TABS}: replace its URL with the tab URL from your integration page."
PASTE_SECRET = f"{CUSTOM_TABS}: set its Secret to the tab secret from your integration page."


@dataclass(frozen=True)
class TabProblem:
    code: str
    # One short sentence for the technician looking at the broken tab.
    summary: str
    # What the MSP's Halo administrator does about it, in Halo's menu words.
    fix: str
    # Whether the fix is pasting our current tab URL (the page then shows it).
    needs_url: bool = False


def _problems() -> dict[str, TabProblem]:
    ticket_var = settings.HALO_TAB_TICKET_VARIABLE
    agent_var = settings.HALO_TAB_AGENT_VARIABLE
    return {
        p.code: p
        for p in (
            TabProblem(
                "old_url",
                "The tab's URL in Halo is out of date: it does not ask Halo who is viewing.",
                PASTE_URL,
                needs_url=True,
            ),
            TabProblem(
                "mistyped_variable",
                "The tab's URL in Halo has {detail}, which is not a Halo variable.",
                PASTE_URL,
                needs_url=True,
            ),
            TabProblem(
                "ticket_variable",
                f"Halo did not fill in the ticket ({ticket_var}): the tab is not a ticket tab.",
                f"{CUSTOM_TABS}: set its Entity to Ticket and its URL to the tab URL from "
                "your integration page.",
                needs_url=True,
            ),
            TabProblem(
                "agent_variable",
                f"Halo did not fill in who is viewing ({agent_var}).",
                PASTE_URL,
                needs_url=True,
            ),
            TabProblem(
                "unsigned",
                "Halo did not sign who is viewing: the tab has no Secret in Halo.",
                PASTE_SECRET,
            ),
            TabProblem(
                "wrong_secret",
                "Halo signed who is viewing with a different secret than this workspace's.",
                PASTE_SECRET
                + " If the secret was generated again recently, the old one stopped working.",
            ),
            TabProblem(
                "bad_ticket",
                "The ticket number Halo sent is not a number.",
                PASTE_URL,
                needs_url=True,
            ),
            TabProblem(
                "bad_agent",
                "The agent number Halo sent is not a number.",
                PASTE_URL,
                needs_url=True,
            ),
        )
    }


def describe(code: str, detail: str = "") -> TabProblem | None:
    """The problem for a recorded code (None for an unknown or empty one)."""
    problem = _problems().get(code)
    if problem is None:
        return None
    if "{detail}" in problem.summary:
        problem = TabProblem(
            problem.code,
            problem.summary.format(detail=detail or "a variable"),
            problem.fix,
            problem.needs_url,
        )
    return problem
