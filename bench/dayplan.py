"""The realistic day's schedule: who opens which ticket when (pure: no I/O).

A slice of a busy morning, in real time. The issue's busy morning is 30 technicians
viewing 150 tickets in 5 minutes, one view a minute each; here 20 technicians each
start about FIRST_OPENS_PER_MIN new opens a minute (Poisson arrivals), tickets drawn
from a Zipf law over 2,000 tickets. 30 % of opens are followed by a reopen of the same
ticket by the same technician within 10 minutes (uniform delay); with them the rate
is about one open a minute each. 10 % of opens (first or reopen) go on to a
verification. Reopens that would fall after the slice ends are not run (counted).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.dayseed import DayData, zipf_weights

FIRST_OPENS_PER_MIN = 0.8  # times 1.3 with reopens ≈ 1 open a minute per technician
REOPEN_SHARE = 0.30
REOPEN_WITHIN_S = 600.0
VERIFY_SHARE = 0.10


@dataclass(frozen=True)
class Open:
    at: float  # seconds after the slice starts
    agent: int
    ticket: int
    reopen: bool
    verify: bool


@dataclass(frozen=True)
class Plan:
    opens: list[Open]
    reopens_after_slice: int  # drawn, but their time falls after the slice


def plan_day(data: DayData, seconds: float, rng_seed: int = 20) -> Plan:
    rng = random.Random(rng_seed)  # noqa: S311 - a reproducible workload, not secrets
    cum: list[float] = []
    total = 0.0
    for w in zipf_weights(len(data.tickets_by_rank)):
        total += w
        cum.append(total)
    opens: list[Open] = []
    dropped = 0
    rate = FIRST_OPENS_PER_MIN / 60
    for agent in data.agents:
        at = rng.expovariate(rate)
        while at < seconds:
            [ticket] = rng.choices(data.tickets_by_rank, cum_weights=cum)
            opens.append(Open(at, agent, ticket, False, rng.random() < VERIFY_SHARE))
            if rng.random() < REOPEN_SHARE:
                again = at + rng.uniform(0, REOPEN_WITHIN_S)
                if again < seconds:
                    opens.append(Open(again, agent, ticket, True, rng.random() < VERIFY_SHARE))
                else:
                    dropped += 1
            at += rng.expovariate(rate)
    opens.sort(key=lambda o: o.at)
    return Plan(opens, dropped)


def burst_plan(
    data: DayData, count: int, seconds: float, rng_seed: int = 60
) -> list[tuple[float, int, int]]:
    """(start, agent, ticket) for `count` opens spread evenly over `seconds`, tickets
    from the same Zipf law but another order of popularity than the day's, so the
    burst's hot tickets are mostly not in the tab's cache from the day."""
    rng = random.Random(rng_seed)  # noqa: S311 - a reproducible workload, not secrets
    ranked = data.tickets_by_rank[:]
    rng.shuffle(ranked)
    tickets = rng.choices(ranked, weights=zipf_weights(len(ranked)), k=count)
    step = seconds / count
    return [(i * step, rng.choice(data.agents), tk) for i, tk in enumerate(tickets)]
