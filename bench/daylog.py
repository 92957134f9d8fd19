"""Reading the sandbox's request log for the day and the burst: whose call was it,
and the most calls in any rolling window.

The log says which endpoint was called and when (the sandbox writes the row as it
answers, so inside the app request that made the call), not on whose behalf. The
driver records when each open, send and verify was in flight; a call is the opens'
when only opens were in flight, the verifications' when only sends or verifies
were, half each when both were. A note (the Actions endpoints) is always the
verification's, as the outbox may post it after the reply (a background thread) or
later (the outbox worker). Anything else is "unattributed" and only in the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from integrations.sandbox.models import SandboxRequest

NOTE_ENDPOINTS = frozenset({"POST Actions", "GET Actions", "GET Actions/{id}"})
RATE_LIMITED = 429


@dataclass(frozen=True)
class Call:
    at: float  # epoch seconds
    key: str  # "METHOD endpoint", as in services.request_counts()
    status: int


@dataclass(frozen=True)
class Span:
    kind: str  # "open", "send" or "verify"
    start: float  # epoch seconds
    end: float
    outcome: str
    ms: float
    reopen: bool = False


def calls_since(start: float) -> list[Call]:
    since = datetime.fromtimestamp(start, UTC)
    rows = (
        SandboxRequest.objects.filter(created__gte=since)
        .order_by("created", "id")
        .values_list("created", "method", "endpoint", "status")
    )
    return [Call(c.timestamp(), f"{m} {e}", s) for c, m, e, s in rows]


def max_in_window(times: list[float], window_s: float) -> int:
    """The most calls in any `window_s` seconds (two pointers over sorted times)."""
    ordered = sorted(times)
    best, first = 0, 0
    for last, t in enumerate(ordered):
        while t - ordered[first] >= window_s:
            first += 1
        best = max(best, last - first + 1)
    return best


def by_endpoint(calls: list[Call]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for c in calls:
        counts[c.key] = counts.get(c.key, 0) + 1
    return dict(sorted(counts.items()))


def attribute(calls: list[Call], spans: list[Span]) -> dict[str, float]:
    out = {"opens": 0.0, "verifications": 0.0, "shared": 0, "unattributed": 0}
    for call in calls:
        if call.key in NOTE_ENDPOINTS:
            out["verifications"] += 1
            continue
        live = {s.kind for s in spans if s.start <= call.at <= s.end}
        opening = "open" in live
        verifying = bool(live & {"send", "verify"})
        if opening and verifying:
            out["opens"] += 0.5
            out["verifications"] += 0.5
            out["shared"] += 1
        elif opening:
            out["opens"] += 1
        elif verifying:
            out["verifications"] += 1
        else:
            out["unattributed"] += 1
    return out


def count_429s(calls: list[Call]) -> int:
    return sum(1 for c in calls if c.status == RATE_LIMITED)
