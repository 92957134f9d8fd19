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

A step with `"extract_token": true` reads the tab token from the entry page
(`data-token="…"`), and later steps may use "{token}" in header values: that is a
whole tab open, as the browser does it. `keepalive` reuses one connection for the
steps of an iteration (as HaloClient's session does for its two calls).
"""

from __future__ import annotations

import http.client
import json
import os
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


def connect(base: str) -> http.client.HTTPConnection:
    url = urlsplit(base)
    return http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=SOCKET_TIMEOUT)


def one_iteration(job: dict[str, Any]) -> tuple[list[float], str | None]:
    """Run the job's steps once: per-step seconds, and an error description or None."""
    token = ""
    timings: list[float] = []
    conn = connect(job["base"]) if job.get("keepalive") else None
    try:
        for step in job["steps"]:
            own = conn is None
            c = conn or connect(job["base"])
            started = time.perf_counter()
            try:
                status, body = request(c, step, token)
            finally:
                if own:
                    c.close()
            timings.append(time.perf_counter() - started)
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
        return timings, type(e).__name__
    finally:
        if conn is not None:
            conn.close()
    return timings, None


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    count = int(job["count"])
    deadline = time.monotonic() + float(job["deadline_s"])
    lock = threading.Lock()
    issued = 0
    totals: list[float] = []
    steps: list[list[float]] = [[] for _ in job["steps"]]
    errors: dict[str, int] = {}

    def take() -> bool:
        nonlocal issued
        with lock:
            if issued >= count or time.monotonic() >= deadline:
                return False
            issued += 1
            return True

    def worker() -> None:
        while take():
            timings, error = one_iteration(job)
            with lock:
                if error is not None:
                    errors[error] = errors.get(error, 0) + 1
                    continue
                totals.append(sum(timings) * 1000)
                for i, t in enumerate(timings):
                    steps[i].append(t * 1000)

    pids = job.get("cpu_pids", {})
    cpu_before = {name: cpu_ms(p) for name, p in pids.items()}
    own_before = own_cpu_ms()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(job["concurrency"])]
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
    }


def main() -> int:
    jobs = json.load(sys.stdin)
    json.dump([run_job(job) for job in jobs], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
