"""Turning the figures into goals met or missed, a table on stdout and results.json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OVERHEAD_GOAL_MS = 15.0
THROUGHPUT_GOAL = 0.40
HALO_CALLS_GOAL = 2.0
CPU_RATIO_GOAL = 3.0
CALLS_PER_OPEN_GOAL = 1.0
SLOW_RATIO_GOAL = 1.2  # another tenant's tab open p50, with a slow neighbour ÷ without
HEALTHZ_P99_GOAL_MS = 100.0
MEMORY_TOLERANCE_KIB = 1024  # allocator noise; a leak of a few KiB a request is far more


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def goals(f: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(figure: str, value: Any, goal: str, met: bool | None) -> None:
        rows.append({"figure": figure, "measured": value, "goal": goal, "met": met})

    for lat in ("0ms", "150ms"):
        over = _get(f, f"tab_latency_{lat}", "c1", "overhead_ms")
        met = None if over is None else over <= OVERHEAD_GOAL_MS
        add(f"partial overhead over Halo, p50, c=1, Halo +{lat}", _ms(over), "≤ 15 ms", met)
        entry = _get(f, f"tab_latency_{lat}", "c1", "entry_over_healthz_ms")
        add(f"entry page over /healthz, p50, c=1, Halo +{lat}", _ms(entry), "reported", None)
    for c in ("c8", "c32"):
        ratio = _get(f, "tab_latency_0ms", c, "partial_vs_healthz_throughput")
        met = None if ratio is None else ratio >= THROUGHPUT_GOAL
        value = None if ratio is None else f"{ratio:.0%}"
        add(f"partial throughput / /healthz throughput, {c}", value, "≥ 40 %", met)
        ratio = _get(f, "tab_latency_0ms", c, "cached_partial_vs_healthz_throughput")
        met = None if ratio is None else ratio >= THROUGHPUT_GOAL
        value = None if ratio is None else f"{ratio:.0%}"
        add(f"reopen within 60 s (cached) / /healthz throughput, {c}", value, "≥ 40 %", met)
    ratio = _get(f, "tab_latency_0ms", "c8", "partial_vs_healthz_cpu_capacity")
    add(
        "same, from app CPU ms per request (c8)",
        None if ratio is None else f"{ratio:.0%}",
        "≥ 40 %",
        None if ratio is None else ratio >= THROUGHPUT_GOAL,
    )
    per_open = _get(f, "halo_calls", "calls_per_open")
    add(
        "Halo calls per warm tab open",
        per_open,
        "≤ 2",
        None if per_open is None else per_open <= HALO_CALLS_GOAL,
    )
    add(
        "Halo connections per warm tab open",
        _get(f, "halo_calls", "connections_per_open"),
        "reported",
        None,
    )
    for name in ("token_burst_sync", "token_burst_threaded"):
        n = _get(f, name, "token_requests")
        label = _get(f, name, "server") or name
        add(
            f"token requests, 100 cold opens, {label}",
            n,
            "exactly 1",
            None if n is None else n == 1,
        )
    _customer_goals(f, add)
    _slow_goals(f, add)
    for view, verdict in (_get(f, "queries", "verdict") or {}).items():
        counts = [_get(s, view, "queries") for s in (_get(f, "queries", "states") or {}).values()]
        value = " → ".join("✗" if c is None else str(c) for c in counts)
        add(
            f"queries: {view}",
            value,
            "constant",
            None if verdict == "failed" else verdict == "constant",
        )
    for lat in ("0ms", "150ms"):
        trip = _get(f, "round_trip", lat)
        value = None
        if trip:
            value = (
                f"send {_ms(trip['send_p50_ms'])} + verify {_ms(trip['verify_p50_ms'])} "
                f"({trip['ok']}/{trip['trips']} ok)"
            )
        add(f"verification round trip p50, Halo +{lat}", value, "reported", None)
    growth = _get(f, "memory", "growth_kib_5000_to_10000")
    if growth:
        samples = _get(f, "memory", "samples") or {}
        rss = (list(samples.values())[-1] if samples else {}).get("rss_kib") or {}
        value = ", ".join(
            f"{(rss.get(p) or 0) // 1024} MiB ({g:+d} KiB)" for p, g in growth.items()
        )
        met = all(g <= MEMORY_TOLERANCE_KIB for g in growth.values())
        add("worker RSS at 10,000 requests (growth since 5,000)", value, "no growth", met)
    else:
        add("worker RSS at 10,000 requests", None, "no growth", None)
    return rows


def _customer_goals(f: dict[str, Any], add: Callable[[str, Any, str, bool | None], None]) -> None:
    """The figures of issue 11, under the keys of the public contract (DESIGN.md)."""
    cpu = f.get("cpu_first_open_over_healthz")
    met = None if cpu is None else cpu <= CPU_RATIO_GOAL
    value = None if cpu is None else f"{cpu:.1f}x"
    add("app CPU per first open ÷ per /healthz", value, "≤ 3x", met)

    day = f.get("realistic_day") or {}
    share = day.get("share")
    per_open = day.get("calls_per_open")
    met = None if per_open is None else per_open <= CALLS_PER_OPEN_GOAL
    add("realistic day: Halo calls per tab open", per_open, "≤ 1.0", met)
    add("realistic day: Halo calls per verification", day.get("calls_per_verification"),
        "reported", None)  # fmt: skip
    most = day.get("max_calls_in_5_min")
    met = None if most is None or share is None else most <= share
    add("realistic day: most Halo calls in any 5 min", most, f"≤ share ({share})", met)
    n = day.get("halo_429s")
    add("realistic day: 429s from Halo", n, "0", None if n is None else n == 0)
    p50, p95 = day.get("open_p50_ms"), day.get("open_p95_ms")
    value = None if p50 is None else f"{_ms(p50)} / {_ms(p95)}"
    add("realistic day: tab open p50 / p95", value, "reported", None)

    b = f.get("burst") or {}
    planned = b.get("opens_planned", "?")
    calls, share = b.get("halo_calls"), b.get("share")
    met = None if calls is None or share is None else calls <= share
    add(f"burst ({planned} opens): Halo calls", calls, f"≤ share ({share})", met)
    n = b.get("halo_429s")
    add("burst: 429s from Halo", n, "0", None if n is None else n == 0)
    ratio = b.get("answered_ratio")
    value = None if ratio is None else f"{ratio:.1%}"
    add("burst: opens answered (context, cached or busy)", value, "100 %",
        None if ratio is None else ratio >= 1.0)  # fmt: skip
    add("burst: tab open p95", _ms(b.get("open_p95_ms")), "reported", None)


def _slow_goals(f: dict[str, Any], add: Callable[[str, Any, str, bool | None], None]) -> None:
    """Issue 12: one tenant's Halo 20 s slow, another tenant's tab and /healthz unmoved."""
    s = f.get("slow_neighbour") or {}
    ratio = s.get("other_tenant_p50_ratio")
    base, slow = _get(s, "baseline", "open_p50_ms"), _get(s, "with_slow", "open_p50_ms")
    value = None if ratio is None else f"{ratio:.3f} ({_ms(base)} → {_ms(slow)})"
    add("slow neighbour: other tenant's tab open p50 ÷ without", value, "≤ 1.2",
        None if ratio is None else ratio <= SLOW_RATIO_GOAL)  # fmt: skip
    p99 = s.get("healthz_p99_ms")
    without = _get(s, "baseline", "healthz_p99_ms")
    value = None if p99 is None else f"{_ms(p99)} (without: {_ms(without)})"
    add("slow neighbour: /healthz p99", value, "< 100 ms",
        None if p99 is None else p99 < HEALTHZ_P99_GOAL_MS)  # fmt: skip
    t = s.get("slow_tenant") or {}
    value = None
    if t:
        value = (
            f"{t['halo_is_slow']}/{t['opens']} 'Halo is slow', p95 {_ms(t['p95_ms'])}, "
            f"{t['mean_in_flight']} in flight"
        )
    add("slow neighbour: the slow tenant's opens", value, "reported", None)


def _ms(x: float | None) -> str | None:
    return None if x is None else f"{x:.1f} ms"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    cells = [[("—" if v is None else str(v)) for v in row] for row in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def text(results: dict[str, Any]) -> str:
    f = results["figures"]
    out = []
    mark = {True: "yes", False: "NO", None: ""}
    rows = [[g["figure"], g["measured"], g["goal"], mark[g["met"]]] for g in results["goals"]]
    out.append(_table(["figure", "measured", "goal", "met"], rows))

    rows = []
    for lat in ("0ms", "150ms"):
        for c, row in (f.get(f"tab_latency_{lat}") or {}).items():
            if not isinstance(row, dict) or "failed" in row:
                continue
            for target in ("healthz", "entry", "partial", "partial_cached", "halo_pair"):
                s = row[target]
                cpu = s["cpu_ms_per_request"]
                rows.append(
                    [lat, c, target, s["p50_ms"], s["p95_ms"], s["p99_ms"],
                     s["throughput_rps"], cpu.get("app"), cpu.get("sandbox"),
                     sum(s["errors"].values())]
                )  # fmt: skip
    for lat, comparison in (f.get("worker_models") or {}).items():
        for model in ("sync", "gthread"):
            s = comparison.get(model) if isinstance(comparison, dict) else None
            if s:
                cpu = s["cpu_ms_per_request"]
                rows.append(
                    [lat, "c32", f"partial ({model})", s["p50_ms"], s["p95_ms"], s["p99_ms"],
                     s["throughput_rps"], cpu.get("app"), cpu.get("sandbox"),
                     sum(s["errors"].values())]
                )  # fmt: skip
    header = ["Halo +", "conc", "target", "p50 ms", "p95 ms", "p99 ms", "req/s"]
    header += ["app CPU ms/req", "sandbox CPU ms/req", "errors"]
    out.append(_table(header, rows))

    states = _get(f, "queries", "states") or {}
    if states:
        header = ["queries (wall ms)", *states.keys()]
        rows = []
        for view in next(iter(states.values())):
            if view in ("tenants", "events"):
                continue
            cells = []
            for s in states.values():
                m = s[view]
                cells.append("failed" if "failed" in m else f"{m['queries']} ({m['wall_ms']:.0f})")
            rows.append([view, *cells])
        out.append(_table(header, rows))
    failures = [
        f"{name}: {v['failed']}" for name, v in f.items() if isinstance(v, dict) and "failed" in v
    ]
    if failures:
        out.append("Failed figures:\n  " + "\n  ".join(failures))
    return "\n\n".join(out)
