"""What the load generator is asked to do, and the arithmetic on what it reports."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from bench.seed import TICKET_ID, Bench
from bench.servers import PROXY_HEADERS, ROOT, Server

SANDBOX_API = "/sandbox/halo/api"
TICKET_USER_ID = 201  # the end user of ticket 1001
# What only a successful reply contains (a Halo problem is a 200 with a message).
ENTRY_MARK = "data-token="
PARTIAL_MARK = 'class="contact-name"'
# How a tab open was answered (the first marker the partial holds wins): an older
# copy marked as such, the ticket's context, or the tab's "Halo is busy" message.
STALE_MARK = 'id="tab-stale"'
BUSY_MARK = "Halo is busy"
ANSWERS = [["stale", STALE_MARK], ["context", PARTIAL_MARK], ["busy", BUSY_MARK]]
ANSWERED = ("stale", "context", "busy")


@dataclass
class Target:
    """Everything a job needs to reach the app and the sandbox."""

    bench: Bench
    app: Server
    sandbox: Server
    token: str  # the tab token of agent 2
    bearer: str  # a sandbox access token, for calling "Halo" directly

    def cpu_pids(self) -> dict[str, list[int]]:
        return {"app": self.app.all_pids(), "sandbox": self.sandbox.all_pids()}


def job(name: str, base: str, steps: list[dict], c: int, n: int, t: Target, **kw: Any) -> dict:
    deadline = kw.pop("deadline_s", 90)
    return {
        "name": name,
        "base": base,
        "steps": steps,
        "concurrency": c,
        "count": n,
        "deadline_s": deadline,
        "cpu_pids": t.cpu_pids(),
        **kw,
    }


def healthz(t: Target, c: int, n: int, **kw: Any) -> dict:
    step = {"path": "/healthz", "headers": dict(PROXY_HEADERS), "expect": '"ok"'}
    return job("healthz", t.app.base, [step], c, n, t, **kw)


def entry_step(t: Target, *, extract: bool = False, ticket_id: int = TICKET_ID) -> dict:
    headers = PROXY_HEADERS | {"Sec-Fetch-Dest": "iframe"}
    path = t.bench.entry_path(ticket_id)
    return {"path": path, "headers": headers, "expect": ENTRY_MARK, "extract_token": extract}


def partial_step(t: Target, token: str, ticket_id: int = TICKET_ID, *, fresh: bool = True) -> dict:
    headers = PROXY_HEADERS | {"X-Tab-Token": token, "HX-Request": "true"}
    path = t.bench.partial_path(ticket_id, fresh=fresh)
    return {"path": path, "headers": headers, "expect": PARTIAL_MARK}


def open_steps(t: Target, ticket_id: int, agent_id: int) -> list[dict]:
    """A technician's tab open of a ticket, as Halo's iframe does it: the signed entry
    page, then the partial (no `fresh`: reopens may be served from the tab's cache),
    its answer classified rather than required to hold the context."""
    entry = {
        "path": t.bench.entry_path(ticket_id, agent_id),
        "headers": PROXY_HEADERS | {"Sec-Fetch-Dest": "iframe"},
        "expect": ENTRY_MARK,
        "extract_token": True,
    }
    partial = {
        "path": t.bench.partial_path(ticket_id, fresh=False),
        "headers": PROXY_HEADERS | {"X-Tab-Token": "{token}", "HX-Request": "true"},
        "classify": ANSWERS,
    }
    return [entry, partial]


def entry(t: Target, c: int, n: int, **kw: Any) -> dict:
    return job("entry", t.app.base, [entry_step(t)], c, n, t, **kw)


def partial(t: Target, c: int, n: int, **kw: Any) -> dict:
    return job("partial", t.app.base, [partial_step(t, t.token)], c, n, t, **kw)


def partial_cached(t: Target, c: int, n: int, **kw: Any) -> dict:
    steps = [partial_step(t, t.token, fresh=False)]
    return job("partial_cached", t.app.base, steps, c, n, t, **kw)


def tab_open(t: Target, c: int, n: int, *, base: str | None = None, **kw: Any) -> dict:
    """The whole open as the browser does it: the entry page, then the partial with
    the token the entry page handed out."""
    steps = [entry_step(t, extract=True), partial_step(t, "{token}")]
    return job("open", base or t.app.base, steps, c, n, t, **kw)


def halo_pair(t: Target, c: int, n: int, **kw: Any) -> dict:
    """The sandbox's own latency for what the partial asks of it: the ticket, then its
    end user, on one kept-alive connection (as HaloClient's session does)."""
    headers = {"Authorization": f"Bearer {t.bearer}", "Accept": "application/json"}
    steps = [
        {"path": f"{SANDBOX_API}/Tickets/{TICKET_ID}", "headers": headers, "expect": '"id"'},
        {"path": f"{SANDBOX_API}/Users/{TICKET_USER_ID}", "headers": headers, "expect": '"id"'},
    ]
    return job("halo_pair", t.sandbox.base, steps, c, n, t, keepalive=True, **kw)


def run(jobs: list[dict]) -> list[dict]:
    """Run the jobs one after another in a fresh load-generator process."""
    budget = sum(float(j["deadline_s"]) for j in jobs) + 60
    done = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=budget,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def merge(results: list[dict]) -> dict:
    """Several rounds of one job, as if they were one run."""
    merged: dict[str, Any] = {
        "issued": 0,
        "ok": 0,
        "errors": {},
        "wall_s": 0.0,
        "latencies_ms": [],
        "cpu_ms": {},
    }
    steps: list[list[float]] = []
    for r in results:
        merged["issued"] += r["issued"]
        merged["ok"] += r["ok"]
        merged["wall_s"] += r["wall_s"]
        merged["latencies_ms"] += r["latencies_ms"]
        for k, v in r["errors"].items():
            merged["errors"][k] = merged["errors"].get(k, 0) + v
        for k, v in r["cpu_ms"].items():
            merged["cpu_ms"][k] = merged["cpu_ms"].get(k, 0.0) + v
        for i, s in enumerate(r["step_latencies_ms"]):
            if len(steps) <= i:
                steps.append([])
            steps[i] += s
    merged["step_latencies_ms"] = steps
    return merged


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile: a value that was really observed."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(result: dict) -> dict:
    lat = result["latencies_ms"]
    ok = result["ok"]
    wall = result["wall_s"]
    cpu = {k: round(v / ok, 2) if ok else None for k, v in result["cpu_ms"].items()}
    return {
        "requests": ok,
        "errors": result["errors"],
        "p50_ms": _r(percentile(lat, 50)),
        "p95_ms": _r(percentile(lat, 95)),
        "p99_ms": _r(percentile(lat, 99)),
        "throughput_rps": round(ok / wall, 1) if wall else None,
        "cpu_ms_per_request": cpu,
    }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 1)
