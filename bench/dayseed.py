"""The realistic day's Halo data, written into the sandbox's own tables with the ORM.

20 technicians (sandbox agents 101-120: the seeded agents are 1-5), 600 contacts
(end users 10001-10600) and 2,000 tickets (100001-102000), ids clear of the seeded
ones so the other figures (ticket 1001, user 201) are untouched. Popularity is a
Zipf law: which tickets get opened, and which contacts raise tickets. The CPU
figure gets tickets of its own (300001-…), each with its own contact, so a "first
open" there is cold for the ticket and the contact alike.

Everything is drawn from a seeded random generator: every run opens the same tickets.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from integrations.sandbox.models import SandboxAgent, SandboxTicket, SandboxUser

AGENT_IDS = list(range(101, 121))
CONTACTS = 600
TICKETS = 2000
USER_BASE = 10_000
TICKET_BASE = 100_000
CPU_USER_BASE = 30_000
CPU_TICKET_BASE = 300_000
ZIPF_S = 1.0  # the classic Zipf exponent: rank r is opened in proportion to 1/r
SITES = (21, 22, 23, 24, 25)  # the seeded sites (three client companies)
TICKET_TYPES = (1, 2, 3)  # the seeded types that allow custom tabs
# North America keeps 555-0100 to 555-0199 fictional in every area code, and
# libphonenumber reads them as possible mobiles: 100 distinct numbers per area code.
# Area codes the seeded users do not use, so no code lands in their inboxes.
DAY_AREAS = ("303", "206", "713", "617", "404", "503")
CPU_AREAS = ("305", "702")
FIRST_NAMES = ("Ava", "Noah", "Mia", "Leo", "Zara", "Omar", "Ines", "Theo", "Ruth", "Kofi")
SURNAMES = ("Price", "Dunn", "Sato", "Berg", "Moss", "Nair", "Quinn", "Roth", "Vale", "Webb")


@dataclass(frozen=True)
class DayData:
    agents: list[int]
    tickets_by_rank: list[int]  # the most opened ticket first
    contact_of: dict[int, int]  # ticket id -> end user id
    mobile_of: dict[int, str]  # end user id -> mobile, as Halo holds it
    cpu_tickets: list[int]  # one per contact, never opened before the CPU figure


def zipf_weights(n: int, s: float = ZIPF_S) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def _numbers(areas: tuple[str, ...]) -> list[str]:
    return [f"+1 {a} 555-01{n:02d}" for a in areas for n in range(100)]


def _users(base: int, count: int, areas: tuple[str, ...]) -> list[SandboxUser]:
    names = itertools.cycle(itertools.product(FIRST_NAMES, SURNAMES))
    users = []
    for i, mobile in zip(range(1, count + 1), _numbers(areas), strict=False):
        first, last = next(names)
        users.append(
            SandboxUser(
                id=base + i,
                site_id=SITES[i % len(SITES)],
                firstname=first,
                surname=f"{last}-{i}",
                emailaddress=f"{first}.{last}{i}@bench.example.com".lower(),
                mobilenumber=mobile,
            )
        )
    return users


def _ticket(id: int, user: SandboxUser, agent_id: int, n: int) -> SandboxTicket:
    now = timezone.now()
    return SandboxTicket(
        id=id,
        summary=f"Bench ticket {n}: password reset",
        details="Caller asks for a password reset.",
        tickettype_id=TICKET_TYPES[n % len(TICKET_TYPES)],
        site_id=user.site_id,
        user=user,
        agent_id=agent_id,
        dateoccurred=now,
        lastactiondate=now,
    )


def seed_day(rng_seed: int = 11) -> DayData:
    """Create the day's agents, contacts and tickets (bulk_create), and their ranks."""
    rng = random.Random(rng_seed)  # noqa: S311 - a reproducible workload, not secrets
    agents = [
        SandboxAgent(id=a, firstname="Tech", surname=f"{a}", email=f"tech{a}@msp.example.com")
        for a in AGENT_IDS
    ]
    users = _users(USER_BASE, CONTACTS, DAY_AREAS)
    cpu_users = _users(CPU_USER_BASE, 150, CPU_AREAS)
    # Which contacts raise tickets: Zipf over contacts in a random order of ids.
    by_contact_rank = users[:]
    rng.shuffle(by_contact_rank)
    owners = rng.choices(by_contact_rank, weights=zipf_weights(CONTACTS), k=TICKETS)
    tickets = [
        _ticket(TICKET_BASE + n, owners[n - 1], rng.choice(AGENT_IDS), n)
        for n in range(1, TICKETS + 1)
    ]
    cpu_tickets = [
        _ticket(CPU_TICKET_BASE + n, u, AGENT_IDS[0], n) for n, u in enumerate(cpu_users, 1)
    ]
    with transaction.atomic():
        SandboxAgent.objects.bulk_create(agents)
        SandboxUser.objects.bulk_create(users + cpu_users)
        SandboxTicket.objects.bulk_create(tickets + cpu_tickets, batch_size=1000)
    ranked = [t.id for t in tickets]
    rng.shuffle(ranked)  # popularity has nothing to do with the ticket's number
    return DayData(
        agents=AGENT_IDS,
        tickets_by_rank=ranked,
        contact_of={t.id: t.user.id for t in tickets + cpu_tickets},
        mobile_of={u.id: u.mobilenumber for u in users + cpu_users},
        cpu_tickets=[t.id for t in cpu_tickets],
    )
