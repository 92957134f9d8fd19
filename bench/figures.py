"""Load figures: tab latency and throughput against their baselines, and worker memory.

Every figure here interleaves its target with its baselines in short rounds
(healthz, entry, partial, the sandbox's own pair of calls, then again), so that
a burst of noise from the shared machine lands on all of them alike.
"""

from __future__ import annotations

from typing import Any

from bench import jobs
from bench.jobs import Target
from bench.mode import QUICK
from bench.servers import Server, rss_kib
from integrations.sandbox import services as sandbox

CONCURRENCY = (1, 8, 32)
ROUNDS = 3
# Iterations per target and concurrency (split over ROUNDS); fewer at 150 ms, where
# two sync workers finish about six tab partials a second.
COUNTS = {0: {1: 150, 8: 240, 32: 240}, 150: {1: 45, 8: 60, 32: 96}}
if QUICK:
    COUNTS = {lat: {c: n // 5 for c, n in row.items()} for lat, row in COUNTS.items()}
TARGETS = ("healthz", "entry", "partial", "partial_cached", "halo_pair")
# The goal compares the first and the last.
MEMORY_MARKS = (2_000, 3_000, 4_000) if QUICK else (5_000, 7_500, 10_000)


class Tally:
    """Requests the app's gunicorn has served in this run (the memory figure's clock)."""

    def __init__(self) -> None:
        self.app_requests = 0

    def add(self, results: list[dict]) -> list[dict]:
        for r in results:
            if r["name"] != "halo_pair":  # the sandbox's, not the app's
                self.app_requests += r["issued"] * r.get("steps", 1)
        return results


def run_counted(tally: Tally, job_list: list[dict]) -> list[dict]:
    results = jobs.run(job_list)
    for job, result in zip(job_list, results, strict=True):
        iterations = job.get("iterations")
        result["steps"] = len(iterations[0]) if iterations else len(job["steps"])
    return tally.add(results)


def set_latency(ms: int) -> None:
    if ms:
        sandbox.set_faults(latency_ms=ms)  # a latency fault has no count: every reply
    else:
        sandbox.clear_faults()


def warm_up(t: Target, tally: Tally) -> None:
    """Fill the caches a working tab has (token, agent name) and wake every worker."""
    run_counted(
        tally,
        [jobs.tab_open(t, 2, 4), jobs.healthz(t, 4, 20), jobs.halo_pair(t, 4, 8)],
    )


def tab_latency(t: Target, tally: Tally, latency_ms: int) -> dict[str, Any]:
    set_latency(latency_ms)
    warm_up(t, tally)
    out: dict[str, Any] = {}
    for c in CONCURRENCY:
        n = max(1, COUNTS[latency_ms][c] // ROUNDS)
        rounds: dict[str, list[dict]] = {name: [] for name in TARGETS}
        for _ in range(ROUNDS):
            batch = [getattr(jobs, name)(t, c, n) for name in TARGETS]
            for result in run_counted(tally, batch):
                rounds[result["name"]].append(result)
        row = {name: jobs.summary(jobs.merge(rs)) for name, rs in rounds.items()}
        row["overhead_ms"] = _diff(row["partial"]["p50_ms"], row["halo_pair"]["p50_ms"])
        row["entry_over_healthz_ms"] = _diff(row["entry"]["p50_ms"], row["healthz"]["p50_ms"])
        row["partial_vs_healthz_throughput"] = _ratio(
            row["partial"]["throughput_rps"], row["healthz"]["throughput_rps"]
        )
        row["cached_partial_vs_healthz_throughput"] = _ratio(
            row["partial_cached"]["throughput_rps"], row["healthz"]["throughput_rps"]
        )
        # The same ratio from the app's CPU time per request: what it would be if the
        # workers never waited, and far less sensitive to the machine's other load.
        row["partial_vs_healthz_cpu_capacity"] = _ratio(
            row["healthz"]["cpu_ms_per_request"]["app"],
            row["partial"]["cpu_ms_per_request"]["app"],
        )
        out[f"c{c}"] = row
    set_latency(0)
    return out


def worker_models(t: Target, sync: Server, tally: Tally) -> dict[str, Any]:
    """The partial at concurrency 32 on the main app's threaded workers (gthread), next
    to the same app on sync workers, at both sandbox latencies: how much of the wait
    is the worker model."""
    other = Target(t.bench, sync, t.sandbox, t.token, t.bearer)
    jobs.run([jobs.tab_open(other, 2, 4)])  # its own warm-up; not the main app's clock
    out: dict[str, Any] = {}
    for latency_ms in (0, 150):
        set_latency(latency_ms)
        sync_rounds, threaded_rounds = [], []
        for _ in range(2):
            threaded_rounds += run_counted(tally, [jobs.partial(t, 32, 48)])
            sync_rounds += jobs.run([jobs.partial(other, 32, 48)])
        out[f"{latency_ms}ms"] = {
            "concurrency": 32,
            "sync": jobs.summary(jobs.merge(sync_rounds)),
            "gthread": jobs.summary(jobs.merge(threaded_rounds)),
        }
    set_latency(0)
    return out


def cpu_first_open(t: Target, tally: Tally, tickets: list[int]) -> dict[str, Any]:
    """App CPU per first open of the context partial ÷ app CPU per /healthz.

    "First open": the ticket was never opened (its context and contact are not
    cached; each ticket has its own contact), while the token and the agent's name
    are warm, as for a technician already at work. No `fresh=1`: the tab's own path.
    Interleaved rounds; the sandbox answers at once so the rounds stay short.
    """
    set_latency(0)
    warm_up(t, tally)
    sandbox.clear_log()
    per_round = len(tickets) // ROUNDS
    firsts, healthzs = [], []
    for r in range(ROUNDS):
        chunk = tickets[r * per_round : (r + 1) * per_round]
        first = jobs.job(
            "first_open",
            t.app.base,
            [],
            4,
            len(chunk),
            t,
            iterations=[[jobs.partial_step(t, t.token, ticket, fresh=False)] for ticket in chunk],
        )
        hz, fo = run_counted(tally, [jobs.healthz(t, 4, 3 * per_round), first])
        healthzs.append(hz)
        firsts.append(fo)
    calls = sum(sandbox.request_counts().values())
    first_s = jobs.summary(jobs.merge(firsts))
    healthz_s = jobs.summary(jobs.merge(healthzs))
    ratio = _ratio(first_s["cpu_ms_per_request"]["app"], healthz_s["cpu_ms_per_request"]["app"])
    return {
        "ratio": ratio,
        "first_open": first_s,
        "healthz": healthz_s,
        "halo_calls_per_first_open": round(calls / first_s["requests"], 2)
        if first_s["requests"]
        else None,
    }


def memory(t: Target, tally: Tally) -> dict[str, Any]:
    """RSS of each app worker when the app has served 5,000 and 10,000 requests,
    the traffic being whole tab opens (entry + partial) at concurrency 8."""
    pids = t.app.worker_pids()
    samples: dict[str, Any] = {"start": _rss(pids, tally)}
    for mark in MEMORY_MARKS:
        missing = mark - tally.app_requests
        if missing > 0:
            opens = (missing + 1) // 2
            run_counted(tally, [jobs.tab_open(t, 8, opens, deadline_s=300)])
        samples[str(mark)] = _rss(pids, tally)
    first, last = samples[str(MEMORY_MARKS[0])], samples[str(MEMORY_MARKS[-1])]
    growth = {
        pid: kib - first["rss_kib"][pid]
        for pid, kib in last["rss_kib"].items()
        if kib is not None and first["rss_kib"].get(pid) is not None
    }
    same_workers = t.app.worker_pids() == pids
    return {
        "samples": samples,
        "growth_kib_5000_to_10000": growth,
        "served_5000_to_10000": last["app_requests"] - first["app_requests"],
        "workers_unchanged": same_workers,
    }


def _rss(pids: list[int], tally: Tally) -> dict[str, Any]:
    rss = {}
    for pid in pids:
        try:
            rss[str(pid)] = rss_kib(pid)
        except OSError:
            rss[str(pid)] = None
    return {"app_requests": tally.app_requests, "rss_kib": rss}


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 1)


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if not a or not b else round(a / b, 3)
