"""The load generator: a separate process that sends bounded HTTP requests and times them.

It runs apart from the orchestrator (bench.run) so that its threads never share a
GIL with the code that seeds data or reads the sandbox's log. It imports nothing
from Django: stdlib only, so it starts in a few milliseconds.

Input (stdin) is a JSON list of jobs; output (stdout) a JSON list of results, one
per job, in order. A job repeats a sequence of steps `count` times with
`concurrency` threads, and stops early at `deadline_s`:

    {"name": "partial", "base": "http://127.0.0.1:8100", "concurrency": 8,
     "count": 200, "deadline_s": 60, "keepalive": false,
     "steps": [{"method": "GET", "path": "/tab/k/ticket/?ticket_id=1001",
                "headers": {"X-Tab-Token": "…"}, "expect": "Alice"}],
     "cpu_pids": {"app": [1, 2, 3], "sandbox": [4, 5, 6]}}

Open-loop jobs (the burst) give `"iterations"`: one list of steps per iteration
(replacing `steps` and `count`), and `"schedule"`: each iteration's start, in
seconds after the job starts, so a slow server makes requests pile up as real
users would rather than slowing the arrivals down. A step with `"classify"`
([[label, marker], …]) records the first label whose marker the 200 reply holds
("other" when none does) instead of failing on a missing `expect`; the job's
`outcomes` count them. `"timeout_s"` bounds each request (a timeout is an error).

A step with `"extract_token": true` reads the tab token from the entry page
(`data-token="…"`), and later steps may use "{token}" in header values: that is a
whole tab open, as the browser does it. `keepalive` reuses one connection for the
steps of an iteration (as HaloClient's session does for its two calls).

Closed-loop jobs may give `"pause_s": [low, high]`: after each iteration a thread
waits a uniform time in that range before its next one (a technician reading the
answer before pressing "Try again"), and `"stop_file"`: no iteration starts once
that path exists, so a background job can run exactly as long as another one.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import resource
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

TOKEN_RE = re.compile(rb'data-token="([^"]+)"')
SOCKET_TIMEOUT = 30.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


class StepFailed(Exception):
    pass


def cpu_ms(pids: list[int]) -> float:
    """User + system CPU time of `pids` so far, in ms (a pid that vanished counts 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                # Fields after the command name (which may contain spaces).
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total * 1000 / CLK_TCK


def own_cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000


def request(
    conn: http.client.HTTPConnection, step: dict[str, Any], token: str
) -> tuple[int, bytes]:
    headers = {k: v.replace("{token}", token) for k, v in step.get("headers", {}).items()}
    body = step.get("body")
    data = body.encode() if isinstance(body, str) else None
    if data is not None:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    conn.request(step.get("method", "GET"), step["path"], body=data, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def connect(base: str, timeout: float = SOCKET_TIMEOUT) -> http.client.HTTPConnection:
    url = urlsplit(base)
    return http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=timeout)


def classify(step: dict[str, Any], status: int, body: bytes) -> str:
    """What kind of answer a reply is: the first matching label of the step's list."""
    if status != 200:
        return f"HTTP {status}"
    for label, marker in step.get("classify", []):
        if marker.encode() in body:
            return label
    return "other"


def one_iteration(
    job: dict[str, Any], steps: list[dict[str, Any]], outcomes: list[str] | None = None
) -> tuple[list[float], str | None]:
    """Run `steps` once: per-step seconds, and an error description or None.
    Classified steps append their label to `outcomes`."""
    token = ""
    timings: list[float] = []
    timeout = float(job.get("timeout_s", SOCKET_TIMEOUT))
    conn = connect(job["base"], timeout) if job.get("keepalive") else None
    try:
        for step in steps:
            own = conn is None
            c = conn or connect(job["base"], timeout)
            started = time.perf_counter()
            try:
                status, body = request(c, step, token)
            finally:
                if own:
                    c.close()
            timings.append(time.perf_counter() - started)
            if "classify" in step and outcomes is not None:
                outcomes.append(classify(step, status, body))
            if status != step.get("status", 200):
                return timings, f"HTTP {status}"
            expect = step.get("expect")
            if expect and expect.encode() not in body:
                return timings, f"reply without {expect!r}"
            if step.get("extract_token"):
                found = TOKEN_RE.search(body)
                if not found:
                    return timings, "no tab token in the entry page"
                token = found.group(1).decode()
    except (OSError, http.client.HTTPException) as e:
        if outcomes is not None and len(outcomes) < sum(1 for s in steps if "classify" in s):
            outcomes.append(type(e).__name__)  # a timeout or a dropped connection
        return timings, type(e).__name__
    finally:
        if conn is not None:
            conn.close()
    return timings, None


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    iterations: list[list[dict[str, Any]]] | None = job.get("iterations")
    schedule: list[float] | None = job.get("schedule")
    count = len(iterations) if iterations is not None else int(job["count"])
    deadline = time.monotonic() + float(job["deadline_s"])
    lock = threading.Lock()
    issued = 0
    totals: list[float] = []
    width = len(iterations[0]) if iterations else len(job["steps"])
    steps: list[list[float]] = [[] for _ in range(width)]
    errors: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    lateness: list[float] = []

    pause: list[float] | None = job.get("pause_s")
    stop_file: str | None = job.get("stop_file")

    def stopped() -> bool:
        return stop_file is not None and os.path.exists(stop_file)

    def take() -> int | None:
        nonlocal issued
        with lock:
            if issued >= count or time.monotonic() >= deadline or stopped():
                return None
            issued += 1
            return issued - 1

    def worker(seed: int) -> None:
        # Seeded per thread: every run pauses alike, and threads do not move in step.
        rng = random.Random(seed)  # noqa: S311 - a schedule, not a secret
        first = True
        while True:
            if pause is not None and not first:
                wake = time.monotonic() + rng.uniform(pause[0], pause[1])
                # In short sleeps, so that a stop is seen at once, not a pause later.
                while time.monotonic() < wake and not stopped():
                    time.sleep(min(0.1, max(0.0, wake - time.monotonic())))
            first = False
            if (i := take()) is None:
                break
            if schedule is not None:
                # Open loop: wait for this iteration's arrival, and note how late a
                # busy load generator started it (the figure is only as good as that).
                wait = started + schedule[i] - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                lateness.append(max(0.0, -wait))
            labels: list[str] = []
            its_steps = iterations[i] if iterations is not None else job["steps"]
            timings, error = one_iteration(job, its_steps, labels)
            with lock:
                for label in labels:
                    outcomes[label] = outcomes.get(label, 0) + 1
                if error is not None:
                    errors[error] = errors.get(error, 0) + 1
                    continue
                totals.append(sum(timings) * 1000)
                for k, t in enumerate(timings):
                    steps[k].append(t * 1000)

    pids = job.get("cpu_pids", {})
    cpu_before = {name: cpu_ms(p) for name, p in pids.items()}
    own_before = own_cpu_ms()
    threads = [
        threading.Thread(target=worker, args=(n,), daemon=True) for n in range(job["concurrency"])
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    cpu = {name: cpu_ms(p) - cpu_before[name] for name, p in pids.items()}
    cpu["loadgen"] = own_cpu_ms() - own_before
    return {
        "name": job.get("name", ""),
        "concurrency": job["concurrency"],
        "issued": issued,
        "ok": len(totals),
        "errors": errors,
        "wall_s": wall,
        "latencies_ms": [round(x, 3) for x in totals],
        "step_latencies_ms": [[round(x, 3) for x in s] for s in steps],
        "cpu_ms": cpu,
        "outcomes": outcomes,
        "start_late_ms_max": round(max(lateness, default=0.0) * 1000, 1),
    }


def main() -> int:
    jobs = json.load(sys.stdin)
    json.dump([run_job(job) for job in jobs], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
