"""The sandbox's seeded Halo data: deterministic, fictional, cheap to (re)create.

Ids worth knowing (tests, the demo and browser tests rely on them):
- agents 1 (API Integration: what applications log in as), 2 Priya Shah, 3 Tom Fletcher;
  the ticket pages show Priya (2) as the agent looking at them unless told otherwise;
  1 may do everything and is a Halo administrator (the demo installs its tab through
  the API), 2 and 3 may do everything but are not administrators, 4 (Read Only) may
  only read:tickets, 5 (Former Staff) is disabled
- clients 12 Kestrel Logistics (sites 21, 22), 13 Harbour Dental (23),
  14 Oakfield Solicitors (24, 25)
- end users 201-212; 205 has no mobile number, 209 has no email address
- ticket types 1 Incident, 2 Service Request, 3 Account Change, 4 Project; only
  Project (4) does not allow all custom tabs (see services.set_custom_tabs_allowed)
- tickets 1001-1020; 1001 is the plain happy path (user 201, email and mobile),
  1002 belongs to user 205 (no mobile), 1003 to user 209 (no email), 1010's details
  hold a phone number the caller typed (never to be used), 1015 has no end user and
  no agent, 1013 and 1014 are Projects (custom tabs not allowed)

Addresses use example.com / example.net and numbers reserved for fiction, so nothing
real is reached: user 201 is alice.morgan@kestrel.example.com, +44 20 7946 0201,
+61 491 570 156. See MOBILES for why the mobiles are Australian and American.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.cache import cache

from integrations.sandbox import seeding
from integrations.sandbox.models import (
    SandboxAgent,
    SandboxClient,
    SandboxSite,
    SandboxTicket,
    SandboxTicketType,
    SandboxUser,
)

# Bump when the data below changes, so running processes re-check the database.
SEED_VERSION = 1
SEEDED_CACHE_KEY = f"sandbox:seeded:v{SEED_VERSION}"

DEFAULT_AGENT_ID = 1
VIEWING_AGENT_ID = 2
TICKET_WITH_USER = 1001
TICKET_USER_WITHOUT_MOBILE = 1002
TICKET_USER_WITHOUT_EMAIL = 1003
TICKET_WITH_TYPED_NUMBER = 1010
TICKET_WITHOUT_USER = 1015
USER_WITHOUT_MOBILE = 205
USER_WITHOUT_EMAIL = 209
TICKET_TYPE_WITHOUT_TABS = 4

AGENTS = [
    # id, firstname, surname, email
    (1, "API", "Integration", "api@msp.example.com"),
    (2, "Priya", "Shah", "priya.shah@msp.example.com"),
    (3, "Tom", "Fletcher", "tom.fletcher@msp.example.com"),
    (4, "Read", "Only", "read.only@msp.example.com"),
    (5, "Former", "Staff", "former.staff@msp.example.com"),
]
READ_ONLY_AGENT_ID = 4
DISABLED_AGENT_ID = 5
# id: (permissions, is a Halo administrator, disabled); agents not listed may do
# everything and are not administrators.
AGENT_ACCESS = {
    DEFAULT_AGENT_ID: (["all"], True, False),
    READ_ONLY_AGENT_ID: (["read:tickets"], False, False),
    DISABLED_AGENT_ID: (["all"], False, True),
}

CLIENTS = [(12, "Kestrel Logistics"), (13, "Harbour Dental Practice"), (14, "Oakfield Solicitors")]

SITES = [
    # id, client id, name
    (21, 12, "Head Office"),
    (22, 12, "Felixstowe Depot"),
    (23, 13, "Main Surgery"),
    (24, 14, "London"),
    (25, 14, "Leeds"),
]

USERS = [
    # id, site id, firstname, surname, email domain ("": no email), landline?, mobile?
    (201, 21, "Alice", "Morgan", "kestrel.example.com", True, True),
    (202, 21, "Ben", "Hughes", "kestrel.example.com", True, True),
    (203, 22, "Chloe", "Patel", "kestrel.example.com", False, True),
    (204, 22, "Daniel", "Okafor", "kestrel.example.com", False, True),
    (205, 23, "Emma", "Wilson", "harbour.example.net", True, False),
    (206, 23, "Farid", "Khan", "harbour.example.net", True, True),
    (207, 23, "Grace", "Lee", "harbour.example.net", False, True),
    (208, 24, "Harry", "Evans", "oakfield.example.com", True, True),
    (209, 24, "Isla", "Campbell", "", True, True),
    (210, 24, "Jack", "Murphy", "oakfield.example.com", False, True),
    (211, 25, "Kavya", "Rao", "oakfield.example.com", True, True),
    (212, 25, "Liam", "O'Brien", "oakfield.example.com", False, True),
]


# Mobiles must be numbers the tab will text: valid mobiles to libphonenumber (the
# `phonenumbers` package). Ofcom's drama range (+44 7700 900xxx) is not valid there, and
# no British mobile range is both valid and reserved for fiction. These are: Australia's
# regulator (ACMA) lists mobiles such as 0491 570 156 for use in films and other
# creative works, and North America keeps 555-0100 to 555-0199 fictional in every
# area code (mobile-or-landline to libphonenumber, as all US numbers are). Formats vary as
# typed into a real Halo: spaced, run together, dashes, dots, "(0)", and the UK's
# international prefix 00 (read with the workspace's country, the United Kingdom).
MOBILES = {
    201: "+61 491 570 156",
    202: "+61491570157",
    203: "0061 491 570 158",
    204: "+61 (0)491 570 159",
    206: "+1 (201) 555-0123",
    207: "+61 491 570 110",
    208: "+1 212-555-0199",
    209: "+61-491-570-313",
    210: "001 415 555 0142",
    211: "+61 491 570 737",
    212: "+1.312.555.0100",
}


def _user(
    id: int, site: int, first: str, last: str, domain: str, land: bool, mob: bool
) -> SandboxUser:
    local = f"{first}.{last}".lower().replace("'", "")
    return SandboxUser(
        id=id,
        site_id=site,
        firstname=first,
        surname=last,
        emailaddress=f"{local}@{domain}" if domain else "",
        phonenumber=f"+44 20 7946 0{id}" if land else "",
        mobilenumber=MOBILES[id] if mob else "",
    )


def _agent(id: int, first: str, last: str, email: str) -> SandboxAgent:
    permissions, is_admin, disabled = AGENT_ACCESS.get(id, (["all"], False, False))
    return SandboxAgent(
        id=id,
        firstname=first,
        surname=last,
        email=email,
        permissions=permissions,
        is_admin=is_admin,
        isdisabled=disabled,
    )


TICKET_TYPES = [
    # id, name, sequence, allow all custom tabs
    (1, "Incident", 1, True),
    (2, "Service Request", 2, True),
    (3, "Account Change", 3, True),
    (4, "Project", 4, False),
]

TICKETS = [
    # id, type, user (None: no end user), agent (None: unassigned), status, summary, details
    (1001, 3, 201, 2, 1, "Password reset", "Locked out after holiday, please reset my password."),
    (1002, 3, 205, 3, 1, "MFA reset - new phone", "I have a new phone and cannot sign in."),
    (1003, 3, 209, 2, 1, "Password reset request", "Please reset my password."),
    (1004, 1, 202, 3, 2, "Outlook keeps asking for password", "Since this morning."),
    (1005, 2, 203, 2, 1, "New starter: laptop and accounts", "Starts Monday."),
    (1006, 1, 204, 3, 4, "Printer offline at depot", "Shows offline on every PC."),
    (1007, 3, 206, 2, 1, "Add me to the Finance shared mailbox", "Approved by my manager."),
    (1008, 1, 207, 3, 2, "X-ray software will not start", "Error on launch."),
    (1009, 2, 208, 2, 1, "Access to the case management system", "For the new matter."),
    (1010, 3, 210, 3, 1, "Urgent: reset my password, I am at the airport",
     "Lost my phone. Text the code to my new number +44 7700 900999 instead."),
    (1011, 1, 211, 2, 2, "VPN drops every hour", "Working from home."),
    (1012, 2, 212, 3, 1, "Second monitor", "For the reception desk."),
    (1013, 4, 211, 2, 2, "Microsoft 365 migration - Leeds", "Project plan attached."),
    (1014, 4, 201, 3, 1, "Server replacement", "Replace the file server."),
    (1015, 1, None, None, 1, "Backup job failed overnight", "Raised by the monitoring system."),
    (1016, 3, 202, 2, 1, "Unlock account after failed logins", "Tried too many times."),
    (1017, 2, 203, 3, 9, "Install Adobe Reader", "Done."),
    (1018, 1, 206, 2, 4, "Wi-Fi slow in reception", "Patients complain."),
    (1019, 3, 212, 3, 2, "MFA reset", "Authenticator app reinstalled."),
    (1020, 1, 208, 2, 1, "Disk space low on shared drive", "Cannot save documents."),
]  # fmt: skip

FIRST_OCCURRED = datetime(2025, 3, 3, 8, 30, tzinfo=UTC)


def _build() -> dict[type, list]:
    sites = {s[0]: s for s in SITES}
    users = {u[0]: u for u in USERS}
    tickets = []
    for n, (tid, type_id, user_id, agent_id, status_id, summary, details) in enumerate(TICKETS):
        when = FIRST_OCCURRED + timedelta(minutes=97 * n)
        tickets.append(
            SandboxTicket(
                id=tid,
                summary=summary,
                details=details,
                tickettype_id=type_id,
                status_id=status_id,
                site_id=users[user_id][1] if user_id else sites[21][0],
                user_id=user_id,
                agent_id=agent_id,
                priority_id=n % 4 + 1,
                sla_id=1,
                dateoccurred=when,
                lastactiondate=when,
            )
        )
    return {
        SandboxAgent: [_agent(*row) for row in AGENTS],
        SandboxClient: [SandboxClient(id=i, name=n) for i, n in CLIENTS],
        SandboxSite: [SandboxSite(id=i, client_id=c, name=n) for i, c, n in SITES],
        SandboxUser: [_user(*row) for row in USERS],
        SandboxTicketType: [
            SandboxTicketType(id=i, name=n, sequence=seq, allowall_iframe_customtabs=allow)
            for i, n, seq, allow in TICKET_TYPES
        ],
        SandboxTicket: tickets,
    }


def seed() -> None:
    """Create whatever seeded rows are missing; rows that exist are left alone."""
    seeding.create_missing(_build())
    seeding.mark_seeded(SEEDED_CACHE_KEY)


def _seeded() -> bool:
    last_agent = SandboxAgent.objects.filter(pk=AGENTS[-1][0])
    return SandboxTicket.objects.filter(pk=TICKETS[-1][0]).exists() and last_agent.exists()


def ensure_seeded() -> None:
    """Seed on first use; afterwards one cache read a request (re-checked every 5 min)."""
    seeding.ensure(SEEDED_CACHE_KEY, seed, _seeded)


def unseed() -> None:
    """Delete the seeded data (tickets take their actions with them).

    Applications log in as seeded agents, so delete those first.
    """
    cache.delete(SEEDED_CACHE_KEY)
    for model in (
        SandboxTicket,
        SandboxUser,
        SandboxSite,
        SandboxClient,
        SandboxTicketType,
        SandboxAgent,
    ):
        model.objects.all().delete()
