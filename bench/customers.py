"""What customers feel: the realistic day and the burst, at Halo's real rate limit.

Both run with the sandbox at Halo's real limit (300 calls per rolling 5 minutes,
counted in the cache by integrations/sandbox/ratelimit.py), every API reply 150 ms
late, our default share, and the outbox worker running next to the app, as in
production. Halo calls are read from the sandbox's request log.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from bench import daylog, jobs, limits
from bench.day import Day
from bench.dayplan import burst_plan, plan_day
from bench.dayseed import DayData
from bench.figures import Tally, run_counted
from bench.jobs import ANSWERED, Target
from integrations.sandbox import services as sandbox
from tickettab.models import Note

HALO_LATENCY_MS = 150
WINDOW_S = 300  # Halo's rolling window, and our budget's
NOTE_SETTLE_S = 5  # a note posted by the background thread just after a verify
BURST_TIMEOUT_S = 20.0  # an open unanswered this long counts as unanswered
BURST_THREADS = 100  # enough that arrivals stay on schedule while replies wait


def _at_production_limits(t: Target) -> dict[str, Any]:
    info = limits.like_production(t.bench.conn_id)
    sandbox.set_faults(latency_ms=HALO_LATENCY_MS)
    sandbox.clear_log()
    return info | {"halo_latency_ms": HALO_LATENCY_MS}


def _notes_since(started: float) -> dict[str, int]:
    since = datetime.fromtimestamp(started, UTC)
    notes = Note.objects.filter(created__gte=since).values_list("status", flat=True)
    counts: dict[str, int] = {}
    for status in notes:
        counts[status] = counts.get(status, 0) + 1
    return counts


def realistic_day(t: Target, tally: Tally, data: DayData, seconds: float) -> dict[str, Any]:
    setup = _at_production_limits(t)
    plan = plan_day(data, seconds)
    day = Day(t, data, plan)
    started = day.run(seconds)
    time.sleep(NOTE_SETTLE_S)
    calls = daylog.calls_since(started)
    who = daylog.attribute(calls, day.spans)
    summary = day.summary()
    tally.app_requests += 2 * summary["opens"] + sum(s.kind != "open" for s in day.spans)
    sends = sum(1 for s in day.spans if s.kind == "send")
    opens = summary["opens"]
    sandbox.clear_faults()
    return {
        "calls_per_open": round(who["opens"] / opens, 2) if opens else None,
        "calls_per_verification": round(who["verifications"] / sends, 2) if sends else None,
        "max_calls_in_5_min": daylog.max_in_window([c.at for c in calls], WINDOW_S),
        "share": setup["share"],
        "halo_429s": daylog.count_429s(calls),
        "open_p50_ms": summary.pop("open_p50_ms"),
        "open_p95_ms": summary.pop("open_p95_ms"),
        "all_calls_per_open": round(len(calls) / opens, 2) if opens else None,
        "halo_calls_total": len(calls),
        "halo_calls": daylog.by_endpoint(calls),
        "attribution": who,
        "slice_s": seconds,
        "slice_spans_a_5_min_window": seconds > WINDOW_S,
        "technicians": len(data.agents),
        "notes": _notes_since(started),
        "setup": setup,
        **summary,
    }


def burst(t: Target, tally: Tally, data: DayData, count: int, seconds: float) -> dict[str, Any]:
    """`count` tab opens of one tenant spread over `seconds`, open loop. Starts as after
    a quiet 5 minutes: both windows (the sandbox's and our budget's) emptied."""
    setup = _at_production_limits(t)
    schedule = burst_plan(data, count, seconds)
    job = jobs.job(
        "burst",
        t.app.base,
        [],
        BURST_THREADS,
        count,
        t,
        deadline_s=seconds + 60,
        timeout_s=BURST_TIMEOUT_S,
        schedule=[at for at, _, _ in schedule],
        iterations=[jobs.open_steps(t, ticket, agent) for _, agent, ticket in schedule],
    )
    started = time.time()
    [result] = run_counted(tally, [job])
    time.sleep(NOTE_SETTLE_S)
    calls = daylog.calls_since(started)
    sandbox.clear_faults()
    outcomes = result["outcomes"]
    answered = sum(outcomes.get(label, 0) for label in ANSWERED)
    s = jobs.summary(result)
    return {
        "halo_calls": len(calls),
        "share": setup["share"],
        "halo_429s": daylog.count_429s(calls),
        "answered_ratio": round(answered / count, 4),
        "open_p95_ms": s["p95_ms"],
        "open_p50_ms": s["p50_ms"],
        "opens_planned": count,
        "seconds": seconds,
        "answers": outcomes,
        "errors": result["errors"],
        "halo_calls_by_endpoint": daylog.by_endpoint(calls),
        "max_calls_in_5_min": daylog.max_in_window([c.at for c in calls], WINDOW_S),
        "start_late_ms_max": result["start_late_ms_max"],
        "wall_s": round(result["wall_s"], 1),
        "setup": setup,
    }
