"""What an alert says, in one place: the email, Slack, Teams and the page all read it.

Written for the MSP's security person, who did not see the call: who the caller
claimed to be, on which ticket of which client, which technician took it, what went
wrong, what it may mean, and what to do now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.urls import reverse

from alerts.models import Alert
from tickettab.models import Verification
from tickettab.verification import MAX_WRONG_CODES

M = Verification.Method
WHAT_TO_DO = (
    "Do not act on the caller's request (a password reset, an MFA change, new access) "
    "until the contact is verified another way, for example by calling them back on the "
    "number in your own records. Check what else was asked on the ticket, then "
    "acknowledge the alert with what you did."
)


@dataclass(frozen=True)
class Description:
    title: str  # one line: what happened
    meaning: str  # what it may mean, as a sentence
    facts: list[tuple[str, str]]  # (label, value), as the email and the cards list them


def title(alert: Alert) -> str:
    who = alert.contact_name or f"Halo user {alert.halo_user_id}"
    if alert.kind == Alert.Kind.DENIAL:
        if alert.method == M.LINK:
            return f"{who} answered “No, this wasn't me” to the secure link"
        if alert.method == M.PUSH:
            app = alert.destination or "their authenticator"
            return f"{who} denied the push to {app}"
        return f"{who} denied asking for help"
    if alert.kind == Alert.Kind.LOCKOUT:
        return f"Wrong code {MAX_WRONG_CODES} times for {who}: the attempt is locked"
    return f"{alert.failures} failed verifications of {who} within an hour"


def meaning(alert: Alert) -> str:
    who = alert.contact_name or "the contact"
    ticket = f"ticket #{alert.ticket_id}"
    if alert.kind == Alert.Kind.DENIAL:
        text = (
            f"{who} says they did not ask for help: the caller on {ticket} may be someone "
            f"pretending to be {who}."
        )
    elif alert.kind == Alert.Kind.LOCKOUT:
        text = (
            f"The caller on {ticket} could not read back the code sent to {who}'s details "
            f"in Halo: they may not be {who}."
        )
    else:
        text = (
            f"Codes, links or pushes for {who} were denied, locked or went unanswered "
            f"{alert.failures} times in the last hour, the last on {ticket}: someone may be "
            f"trying to pass as {who}."
        )
    if alert.kind != Alert.Kind.REPEATED_FAILURES and alert.failures >= 2:
        text += f" It is failed verification number {alert.failures} for {who} within an hour."
    return text


def when(alert: Alert) -> str:
    return f"{alert.happened_at.astimezone(UTC):%d %b %Y, %H:%M} UTC"


def describe(alert: Alert) -> Description:
    contact = alert.contact_name or "(no name in Halo)"
    facts = [
        ("Contact", f"{contact} (Halo user {alert.halo_user_id})"),
        ("Client", alert.client_name or "—"),
        ("Ticket", f"#{alert.ticket_id}"),
        ("Technician", alert.technician or "—"),
        ("Method", Verification.Method(alert.method).label if alert.method else "—"),
        ("When", when(alert)),
    ]
    return Description(title(alert), meaning(alert), facts)


def absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def alerts_url(alert: Alert) -> str:
    """The alerts page, for the person reading the email or the chat message."""
    return absolute(reverse("alerts", args=[alert.tenant.slug])) + f"#alert-{alert.pk}"


def subject(alert: Alert) -> str:
    return f"Security alert at {alert.tenant.name}: {title(alert)} (ticket #{alert.ticket_id})"
