"""The realistic day: 20 technicians at work for a real-time slice of a busy morning.

Driven from the orchestrator (not the stdlib load generator) because a verification
reads the code from the sandbox's inbox with the ORM, as a caller reads it from
their phone. The traffic is light (about one request a second), so the GIL this
shares with the orchestrator does not shape the latencies. A scheduler thread
starts each planned open when it is due on a pool of threads (open loop: a slow
app does not slow the technicians down); an open that goes on to a verification
schedules its send 5-15 s later, and the send its verify 10-25 s after that.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

from django.db import connection

from bench import jobs, load
from bench.daylog import Span
from bench.dayplan import Open, Plan
from bench.dayseed import DayData
from bench.jobs import ANSWERS, Target
from bench.servers import PROXY_HEADERS
from integrations.sandbox import services as sandbox

TIMEOUT_S = 30.0  # a technician gives up on a tab that shows nothing for this long
POOL = 48
VID_RE = re.compile(rb'name="verification_id" value="(\d+)"')
PENDING_MARK = b'name="verification_id"'
DRAIN_S = 90.0  # verifications started near the end may finish after the slice


class Day:
    def __init__(self, t: Target, data: DayData, plan: Plan) -> None:
        self.t = t
        self.data = data
        self.plan = plan
        self.rng = random.Random(7)  # noqa: S311 - a reproducible workload, not secrets
        self.spans: list[Span] = []
        self.late_ms: list[float] = []
        self.abandoned = 0
        self.cond = threading.Condition()
        self.heap: list[tuple[float, int, Callable[[], None]]] = []
        self.seq = itertools.count()
        self.in_flight = 0

    # -- scheduling ------------------------------------------------------------------

    def at(self, due: float, action: Callable[[], None]) -> None:
        with self.cond:
            heapq.heappush(self.heap, (due, next(self.seq), action))
            self.cond.notify()

    def run(self, seconds: float) -> float:
        """Run the plan; returns the epoch time the slice started."""
        started_epoch = time.time()
        t0 = time.monotonic()
        for o in self.plan.opens:
            self.at(t0 + o.at, lambda o=o: self.open(o))
        hard_stop = t0 + seconds + DRAIN_S
        with ThreadPoolExecutor(POOL, thread_name_prefix="technician") as pool:
            while (action := self._next(hard_stop)) is not None:
                pool.submit(self._run, action)
        return started_epoch

    def _next(self, hard_stop: float) -> Callable[[], None] | None:
        with self.cond:
            while True:
                now = time.monotonic()
                if (not self.heap and self.in_flight == 0) or now > hard_stop:
                    self.abandoned += len(self.heap)
                    return None
                if self.heap and self.heap[0][0] <= now:
                    due, _, action = heapq.heappop(self.heap)
                    self.late_ms.append((now - due) * 1000)
                    self.in_flight += 1
                    return action
                wait = self.heap[0][0] - now if self.heap else 0.5
                self.cond.wait(min(wait, 0.5))

    def _run(self, action: Callable[[], None]) -> None:
        try:
            action()
        finally:
            connection.close()  # this thread's database connection (the inbox read)
            with self.cond:
                self.in_flight -= 1
                self.cond.notify()

    def _record(self, span: Span) -> None:
        with self.cond:
            self.spans.append(span)

    # -- HTTP ------------------------------------------------------------------------

    def _request(self, method: str, path: str, token: str, body: str | None = None) -> Any:
        headers = dict(PROXY_HEADERS)
        if token:
            headers |= {"X-Tab-Token": token, "HX-Request": "true"}
        else:
            headers |= {"Sec-Fetch-Dest": "iframe"}
        step = {"method": method, "path": path, "headers": headers, "body": body}
        conn = load.connect(self.t.app.base, TIMEOUT_S)
        try:
            return load.request(conn, step, token)
        finally:
            conn.close()

    # -- what technicians do ---------------------------------------------------------

    def open(self, o: Open) -> None:
        start, began = time.time(), time.perf_counter()
        token = ""
        try:
            status, body = self._request("GET", self.t.bench.entry_path(o.ticket, o.agent), "")
            found = load.TOKEN_RE.search(body) if status == 200 else None
            if found is None:
                outcome = f"entry HTTP {status}"
            else:
                token = found.group(1).decode()
                path = self.t.bench.partial_path(o.ticket, fresh=False)
                status, body = self._request("GET", path, token)
                outcome = load.classify({"classify": ANSWERS}, status, body)
        except (OSError, http.client.HTTPException) as e:
            outcome = type(e).__name__
        ms = (time.perf_counter() - began) * 1000
        self._record(Span("open", start, time.time(), outcome, ms, o.reopen))
        if o.verify and outcome in ("context", "stale"):
            self.at(time.monotonic() + self.rng.uniform(5, 15), lambda: self.send(o, token))

    def send(self, o: Open, token: str) -> None:
        start, began = time.time(), time.perf_counter()
        vid = None
        form = urlencode({"ticket_id": o.ticket, "method": "sms"})
        try:
            status, body = self._request("POST", f"{self.t.bench.key_path}/send/", token, form)
            found = VID_RE.search(body) if status == 200 else None
            vid = int(found.group(1)) if found else None
            outcome = "sent" if vid else load.classify({"classify": ANSWERS}, status, body)
            if outcome in ("context", "other"):  # the panel, with a reason instead
                outcome = "not sent"
        except (OSError, http.client.HTTPException) as e:
            outcome = type(e).__name__
        ms = (time.perf_counter() - began) * 1000
        self._record(Span("send", start, time.time(), outcome, ms))
        if vid is not None:
            delay = self.rng.uniform(10, 25)
            self.at(time.monotonic() + delay, lambda: self.verify(o, token, vid))

    def verify(self, o: Open, token: str, vid: int) -> None:
        code = sandbox.latest_code(self.data.mobile_of[self.data.contact_of[o.ticket]])
        start, began = time.time(), time.perf_counter()
        form = urlencode({"verification_id": vid, "code": code or ""})
        try:
            status, body = self._request("POST", f"{self.t.bench.key_path}/verify/", token, form)
            verified = status == 200 and PENDING_MARK not in body
            outcome = "verified" if verified else f"not verified (HTTP {status})"
        except (OSError, http.client.HTTPException) as e:
            outcome = type(e).__name__
        ms = (time.perf_counter() - began) * 1000
        self._record(Span("verify", start, time.time(), outcome, ms))

    # -- what it came to -------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        opens = [s for s in self.spans if s.kind == "open"]
        latencies = [s.ms for s in opens]
        return {
            "opens": len(opens),
            "first_opens": sum(1 for s in opens if not s.reopen),
            "reopens": sum(1 for s in opens if s.reopen),
            "reopens_after_slice": self.plan.reopens_after_slice,
            "answers": dict(Counter(s.outcome for s in opens)),
            "sends": dict(Counter(s.outcome for s in self.spans if s.kind == "send")),
            "verifies": dict(Counter(s.outcome for s in self.spans if s.kind == "verify")),
            "open_p50_ms": _r(jobs.percentile(latencies, 50)),
            "open_p95_ms": _r(jobs.percentile(latencies, 95)),
            "open_p99_ms": _r(jobs.percentile(latencies, 99)),
            "start_late_ms_p95": _r(jobs.percentile(self.late_ms, 95)),
            "actions_abandoned": self.abandoned,
        }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 1)
