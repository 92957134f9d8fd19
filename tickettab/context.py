"""What the tab shows about a ticket, read from Halo.

Contact details always come from Halo's user record (`/Users/{id}`), never from
fields on the ticket: a caller can type anything into a ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from integrations.halo.client import HaloClient
from integrations.models import HaloConnection
from tickettab.masking import mask_email, mask_phone

# The ticket's end user rarely changes; remembering it saves a Halo call per send.
TICKET_USER_TTL = 300
# What the tab shows about a ticket, kept briefly: technicians reopen and switch
# tabs on the same ticket, and Halo-hosted instances allow 300 calls per 5 minutes.
# Sends never use it: they read the contact from Halo again.
CONTEXT_TTL = 60


class ContextProblem(Exception):
    """The ticket cannot be worked on in the tab; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Contact:
    halo_user_id: int
    name: str
    first_name: str
    email: str
    mobile: str
    client_name: str = ""
    site_name: str = ""

    @property
    def masked_email(self) -> str:
        return mask_email(self.email) if self.email else ""

    @property
    def masked_mobile(self) -> str:
        return mask_phone(self.mobile) if self.mobile else ""

    @classmethod
    def from_halo(cls, user: dict[str, Any]) -> Contact:
        def text(key: str) -> str:
            value = user.get(key)
            return str(value).strip() if value not in (None, "") else ""

        name = text("name") or " ".join(filter(None, [text("firstname"), text("surname")]))
        return cls(
            halo_user_id=int(user["id"]),
            name=name or f"User {user['id']}",
            first_name=text("firstname"),
            email=text("emailaddress"),
            mobile=text("mobilenumber"),
            client_name=text("client_name"),
            site_name=text("site_name"),
        )


@dataclass(frozen=True)
class ShownContact:
    """What the tab shows of a contact: masked, so that it may sit in the cache."""

    halo_user_id: int
    name: str
    masked_email: str
    masked_mobile: str

    @property
    def has_email(self) -> bool:
        return bool(self.masked_email)

    @property
    def has_mobile(self) -> bool:
        return bool(self.masked_mobile)

    @classmethod
    def of(cls, contact: Contact) -> ShownContact:
        return cls(contact.halo_user_id, contact.name, contact.masked_email, contact.masked_mobile)


@dataclass(frozen=True)
class TicketContext:
    ticket_id: int
    summary: str
    client_name: str
    site_name: str
    status_name: str
    contact: ShownContact


def parse_ticket_id(raw: str | None) -> int:
    value = (raw or "").strip()
    if not value.isdigit() or int(value) <= 0 or len(value) > 10:
        if value.startswith("$"):
            raise ContextProblem(
                "Halo did not put the ticket number into the tab's URL. In Halo, check that the "
                "custom tab's URL ends with ?ticket_id=$FAULTID (as on our integration page)."
            )
        raise ContextProblem("This tab was opened without a valid ticket number.")
    return int(value)


def _user_id_of(ticket: dict[str, Any]) -> int:
    try:
        user_id = int(ticket.get("user_id") or 0)
    except (TypeError, ValueError):
        user_id = 0
    if user_id <= 0:
        raise ContextProblem(
            "This ticket has no end user in Halo. Set the ticket's user in Halo, then retry."
        )
    return user_id


def _ticket_user_key(conn: HaloConnection, ticket_id: int) -> str:
    return f"tab:ticket-user:{conn.pk}:{conn.credentials_version}:{ticket_id}"


def _context_key(conn: HaloConnection, ticket_id: int) -> str:
    return f"tab:context:{conn.pk}:{conn.credentials_version}:{ticket_id}"


def load_context(conn: HaloConnection, ticket_id: int, *, fresh: bool = False) -> TicketContext:
    """The ticket and its end user: two Halo calls, or none within CONTEXT_TTL of the
    last (unless `fresh`). Raises HaloError or ContextProblem."""
    key = _context_key(conn, ticket_id)
    if not fresh and (cached := cache.get(key)) is not None:
        return cached
    context = _fetch_context(conn, ticket_id)
    cache.set(key, context, CONTEXT_TTL)
    return context


def _fetch_context(conn: HaloConnection, ticket_id: int) -> TicketContext:
    with HaloClient(conn.credentials()) as client:
        ticket = client.ticket(ticket_id)
        user_id = _user_id_of(ticket)
        cache.set(_ticket_user_key(conn, ticket_id), user_id, TICKET_USER_TTL)
        contact = Contact.from_halo(client.user(user_id))

    def text(key: str) -> str:
        value = ticket.get(key)
        return str(value) if value not in (None, "") else ""

    return TicketContext(
        ticket_id=ticket_id,
        summary=text("summary"),
        client_name=text("client_name") or contact.client_name,
        site_name=text("site_name") or contact.site_name,
        status_name=text("status_name"),
        contact=ShownContact.of(contact),
    )


def load_contact(conn: HaloConnection, ticket_id: int) -> Contact:
    """The ticket's end user, fresh from Halo (one call when the ticket is known)."""
    with HaloClient(conn.credentials()) as client:
        user_id = cache.get(_ticket_user_key(conn, ticket_id))
        if user_id is None:
            user_id = _user_id_of(client.ticket(ticket_id))
            cache.set(_ticket_user_key(conn, ticket_id), user_id, TICKET_USER_TTL)
        return Contact.from_halo(client.user(user_id))
