"""What the tab shows about a ticket, read from Halo.

Contact details always come from Halo's user record (`/Users/{id}`), never from
fields on the ticket: a caller can type anything into a ticket.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache

from integrations.halo.client import HaloClient
from integrations.halo.errors import HaloBusy, NotFound, Unavailable
from integrations.models import HaloConnection
from mspprocess.cache import set_each
from mspprocess.errors import ReadableError
from tickettab import phones
from tickettab.masking import mask_email
from tickettab.models import VerificationSettings

# Halo-hosted instances allow about 300 calls per 5 minutes for all of an MSP's
# integrations, and our share is a third of that (integrations/halo/budget.py): a tab
# open should cost at most one call. So what the tab *shows* is kept a while; sends
# never use it: they read the contact from Halo again at the click.
#
# The ticket's end user rarely changes; remembering it saves a Halo call per send.
TICKET_USER_TTL = 300
# A ticket's context (summary, status, masked contact), shown again on reopens.
CONTEXT_TTL = 300
# A contact's masked record, shared by every ticket of that contact.
CONTACT_TTL = 300
# How long an older context may still be shown when Halo is busy or down, marked
# with when Halo said it.
STALE_TTL = 3600

# Which country a number without a country code belongs to. Halo does know the
# country of a site (`Site.country_code`), but only from `GET /Site/{id}`: neither the
# ticket (`Faults`: its `oppcountry` is a CRM opportunity's) nor the user (`Users`, whose
# addresses have no country) carries it, and Halo's rate limit rules out an extra call
# per ticket. So the workspace setting decides (VerificationSettings.country).


class ContextProblem(ReadableError):
    """The ticket cannot be worked on in the tab; the message says why."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        # False when trying again cannot help (the ticket does not exist in Halo).
        self.retry = retry


def _positive_int(value: Any) -> int:
    """Halo's id, or 0 when the field is missing, empty or not a positive number."""
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        return 0
    return number if number > 0 else 0


@dataclass(frozen=True)
class Contact:
    halo_user_id: int
    name: str
    first_name: str
    email: str
    mobile: str
    client_name: str = ""
    site_name: str = ""
    phone: str = ""
    region: str = phones.DEFAULT_REGION
    client_id: int = 0
    # Halo's whole user record, for a field the admin names as the sign-in name at an
    # identity provider (identity.matching). Never cached: Contact is read at the click.
    record: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def masked_email(self) -> str:
        return mask_email(self.email) if self.email else ""

    def sms_number(self) -> phones.SmsNumber:
        """Where an SMS goes (E.164), or PhoneProblem saying what to fix in Halo."""
        return phones.sms_number(self.mobile, self.phone, self.region)

    @property
    def sms_problem(self) -> str:
        try:
            self.sms_number()
        except phones.PhoneProblem as e:
            return e.message
        return ""

    @property
    def masked_mobile(self) -> str:
        """Masked from the parsed number; a number we cannot use is still shown masked."""
        try:
            return self.sms_number().masked
        except phones.PhoneProblem as e:
            return e.masked

    @classmethod
    def from_halo(cls, user: dict[str, Any], region: str = phones.DEFAULT_REGION) -> Contact:
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
            phone=text("phonenumber"),
            region=region,
            client_id=_positive_int(user.get("client_id")),
            record=user,
        )


@dataclass(frozen=True)
class ShownContact:
    """What the tab shows of a contact: masked, so that it may sit in the cache."""

    halo_user_id: int
    name: str
    masked_email: str
    masked_mobile: str
    # Why SMS cannot be used (what to fix in Halo), shown before anyone clicks send.
    sms_problem: str = ""
    client_name: str = ""
    site_name: str = ""
    # Which identity provider (if any) serves the contact: by their Halo client.
    client_id: int = 0

    @property
    def has_email(self) -> bool:
        return bool(self.masked_email)

    @classmethod
    def of(cls, contact: Contact) -> ShownContact:
        # One parse of the number for both the mask and the problem: parsing is a
        # measurable share of a first tab open's CPU.
        try:
            masked_mobile, sms_problem = contact.sms_number().masked, ""
        except phones.PhoneProblem as e:
            masked_mobile, sms_problem = e.masked, e.message
        return cls(
            contact.halo_user_id,
            contact.name,
            contact.masked_email,
            masked_mobile,
            sms_problem,
            contact.client_name,
            contact.site_name,
            contact.client_id,
        )


@dataclass(frozen=True)
class TicketContext:
    ticket_id: int
    summary: str
    client_name: str
    site_name: str
    status_name: str
    contact: ShownContact
    region: str = phones.DEFAULT_REGION
    fetched_at: float = 0.0  # when Halo said this (epoch seconds)
    # Set when this is an older copy shown because Halo could not be asked now.
    stale_reason: str = ""

    @property
    def fetched(self) -> datetime:
        return datetime.fromtimestamp(self.fetched_at, tz=UTC)

    @property
    def age(self) -> float:
        return time.time() - self.fetched_at


def _user_id_of(ticket: dict[str, Any]) -> int:
    user_id = _positive_int(ticket.get("user_id"))
    if not user_id:
        raise ContextProblem(
            "This ticket has no end user in Halo. Set the ticket's user in Halo, then retry."
        )
    return user_id


def _ticket_user_key(conn: HaloConnection, ticket_id: int) -> str:
    return f"tab:ticket-user:{conn.pk}:{conn.credentials_version}:{ticket_id}"


def _context_key(conn: HaloConnection, ticket_id: int) -> str:
    return f"tab:context:{conn.pk}:{conn.credentials_version}:{ticket_id}"


def _region(conn: HaloConnection) -> str:
    return VerificationSettings.for_tenant(conn.tenant).country or phones.DEFAULT_REGION


def _contact_key(conn: HaloConnection, user_id: int, region: str) -> str:
    return f"tab:contact:{conn.pk}:{conn.credentials_version}:{user_id}:{region}"


def load_context(conn: HaloConnection, ticket_id: int, *, fresh: bool = False) -> TicketContext:
    """The ticket and its end user, for display.

    At most one Halo call when the contact was shown in the last CONTACT_TTL, none
    when the ticket was in the last CONTEXT_TTL (unless `fresh`). When Halo is busy
    (our share of its limit is spent) or down, an older copy is shown, marked so.
    Raises HaloError or ContextProblem.
    """
    region = _region(conn)
    key = _context_key(conn, ticket_id)
    cached = cache.get(key)
    # Read with another country setting: the numbers may read differently now.
    if cached is not None and cached.region != region:
        cached = None
    if cached is not None and not fresh and cached.age < CONTEXT_TTL:
        return cached
    # What this open learnt (the ticket's end user, the contact, the context) is
    # written in one round trip at the end, not one per thing learnt.
    learnt: dict[str, tuple[Any, int]] = {}
    try:
        context = _fetch_context(conn, ticket_id, region, learnt, fresh=fresh)
    except (HaloBusy, Unavailable) as e:
        if cached is None:
            raise
        return replace(cached, stale_reason=str(e))
    else:
        learnt[key] = (context, STALE_TTL)
    finally:
        set_each(cache, learnt)
    return context


def _read_ticket(
    conn: HaloConnection, client: HaloClient, ticket_id: int, learnt: dict[str, tuple[Any, int]]
) -> dict[str, Any]:
    """The ticket from Halo; its end user's id goes into `learnt`, to be remembered
    for the next send."""
    try:
        ticket = client.ticket(ticket_id)
    except NotFound:
        raise ContextProblem(
            f"Ticket {ticket_id} does not exist in Halo. Check the ticket number.",
            retry=False,
        ) from None
    learnt[_ticket_user_key(conn, ticket_id)] = (_user_id_of(ticket), TICKET_USER_TTL)
    return ticket


def _fetch_context(
    conn: HaloConnection,
    ticket_id: int,
    region: str,
    learnt: dict[str, tuple[Any, int]],
    *,
    fresh: bool,
) -> TicketContext:
    with HaloClient(conn.credentials()) as client:
        ticket = _read_ticket(conn, client, ticket_id, learnt)
        user_id = _user_id_of(ticket)
        contact_key = _contact_key(conn, user_id, region)
        shown = None if fresh else cache.get(contact_key)
        if shown is None:
            full = Contact.from_halo(client.user(user_id), region)
            shown = ShownContact.of(full)
            learnt[contact_key] = (shown, CONTACT_TTL)
        client_name, site_name = shown.client_name, shown.site_name

    def text(key: str) -> str:
        value = ticket.get(key)
        return str(value) if value not in (None, "") else ""

    return TicketContext(
        ticket_id=ticket_id,
        summary=text("summary"),
        client_name=text("client_name") or client_name,
        site_name=text("site_name") or site_name,
        status_name=text("status_name"),
        contact=shown,
        region=region,
        fetched_at=time.time(),
    )


def load_contact(conn: HaloConnection, ticket_id: int) -> Contact:
    """The ticket's end user, fresh from Halo (one call when the ticket is known)."""
    region = _region(conn)
    with HaloClient(conn.credentials()) as client:
        user_id = cache.get(_ticket_user_key(conn, ticket_id))
        if user_id is None:
            learnt: dict[str, tuple[Any, int]] = {}
            user_id = _user_id_of(_read_ticket(conn, client, ticket_id, learnt))
            set_each(cache, learnt)
        return Contact.from_halo(client.user(user_id), region)
