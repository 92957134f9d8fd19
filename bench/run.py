"""`make bench`: set up, start gunicorn (app and sandbox), measure, report.

    .venv/bin/python -m bench.run

Writes bench/results.json and prints a table. Server logs go to bench/results/.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
import signal
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench import servers
from bench.mode import QUICK, scaled

RESULTS = servers.ROOT / "bench" / "results.json"
SANDBOX_WORKERS, SANDBOX_THREADS = 2, 16  # ≤ 32 DB connections: PostgreSQL allows 100
APP_THREADS = 8  # docs/operations.md: --workers <cores> --threads 8
ROUND_TRIPS = {0: 5, 150: 4}  # nine contacts with a mobile number besides ticket 1001's
# The realistic day's real-time slice: longer than one 5-minute window, so the most
# calls in any window is measured over rolling windows, not one.
DAY_SECONDS = scaled(360, 60)
BURST_OPENS, BURST_SECONDS = scaled(500, 100), scaled(60, 15)
CPU_FIRST_OPENS = scaled(150, 60)


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # so that `finally` stops the servers


class Steps:
    """Runs each figure, timing it; a figure that fails is recorded, the rest go on.

    What the app's code prints or logs in this process (the query counts run it
    in-process, and the sandbox's SMS backend prints each message) goes to
    bench/results/orchestrator.log, so stdout carries only the table.
    """

    def __init__(self, started: float) -> None:
        self.started = started
        servers.LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log = open(servers.LOG_DIR / "orchestrator.log", "w")  # noqa: SIM115 - closed in close()
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(self.log)
        self.figures: dict[str, Any] = {}
        self.durations: dict[str, float] = {}

    def close(self) -> None:
        self.log.close()

    def __call__(self, name: str, measure: Callable[[], Any]) -> Any:
        t0 = time.monotonic()
        print(f"[{t0 - self.started:5.0f} s] {name} …", file=sys.stderr, flush=True)
        try:
            with contextlib.redirect_stdout(self.log):
                value = measure()
        except Exception as e:
            traceback.print_exc()
            value = {"failed": f"{type(e).__name__}: {e}"[:300]}
        self.figures[name] = value
        self.durations[name] = round(time.monotonic() - t0, 1)
        return value


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    started = time.monotonic()
    cores = len(os.sched_getaffinity(0))
    app_port, sandbox_port, sync_port = (servers.free_port() for _ in range(3))
    env = servers.bench_env(app_port)
    os.environ.update(env)

    print("Setting up: fresh `bench` database, Redis db 2, migrate, collectstatic", file=sys.stderr)
    servers.reset_stores()
    servers.manage(env, "migrate", "--noinput")
    servers.manage(env, "collectstatic", "--noinput")

    import django

    django.setup()
    from bench import customers, dayseed, figures, halo, limits, queries, report, seed, slow
    from bench.jobs import Target
    from integrations.sandbox import services as sandbox

    app = servers.app_server(env, app_port, cores, APP_THREADS)
    sandbox_server = servers.sandbox_server(env, sandbox_port, SANDBOX_WORKERS, SANDBOX_THREADS)
    sync = servers.sync_app_server(env, sync_port, cores)
    outbox = servers.OutboxWorker(env)
    steps = Steps(started)
    load_before = os.getloadavg()
    try:
        sandbox_server.start()
        app.start()
        bench = seed.seed(f"{sandbox_server.base}/sandbox/halo")
        day_data = dayseed.seed_day()
        # The app's own cost first: no rate limit, no share (see bench/limits.py).
        limits.unlimited(bench.conn_id)
        t = Target(bench, app, sandbox_server, bench.token(), sandbox.issue_token(seed.CLIENT_ID))
        tally = figures.Tally()
        threaded_label = f"{cores} gthread workers x {APP_THREADS} threads"

        steps("tab_latency_0ms", lambda: figures.tab_latency(t, tally, 0))
        steps("tab_latency_150ms", lambda: figures.tab_latency(t, tally, 150))
        steps("halo_calls", lambda: halo.halo_calls_per_open(t, tally))
        steps("round_trip", lambda: halo.round_trips(t, tally, ROUND_TRIPS))
        steps("token_burst_threaded", lambda: halo.token_burst(t, app, threaded_label))
        tally.app_requests += 2 * halo.BURST
        sync.start()
        steps("worker_models", lambda: figures.worker_models(t, sync, tally))
        steps("token_burst_sync", lambda: halo.token_burst(t, sync, f"{cores} sync workers"))
        sync.stop()
        cpu = steps(
            "cpu_first_open",
            lambda: figures.cpu_first_open(t, tally, day_data.cpu_tickets[:CPU_FIRST_OPENS]),
        )
        steps.figures["cpu_first_open_over_healthz"] = cpu.get("ratio")
        steps("memory", lambda: figures.memory(t, tally))
        # Before the customers' phases: no share limit here, so only the slow Halo
        # can make the slow tenant's tab say "Halo is slow".
        steps("slow_neighbour", lambda: slow.slow_neighbour(t, tally, env))
        # What customers feel: Halo's real limit, our default share, the outbox worker.
        outbox.start()
        steps(
            "realistic_day",
            lambda: customers.realistic_day(t, tally, day_data, DAY_SECONDS),
        )
        steps(
            "burst",
            lambda: customers.burst(t, tally, day_data, BURST_OPENS, BURST_SECONDS),
        )
        outbox.stop()
        limits.unlimited(bench.conn_id)
        app.stop()  # the query counts run in this process; leave it the CPU
        steps("queries", lambda: queries.query_counts(bench))
    finally:
        outbox.stop()
        for server in (sync, app, sandbox_server):
            server.stop()
        steps.close()

    results: dict[str, Any] = {
        "meta": {
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "duration_s": round(time.monotonic() - started, 1),
            "step_durations_s": steps.durations,
            "cores": cores,
            "python": platform.python_version(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "quick": QUICK,
            "app": (
                f"gunicorn, {cores} gthread workers x {APP_THREADS} threads, DEBUG off, "
                "PostgreSQL + Redis"
            ),
            "comparison_app": f"gunicorn, {cores} sync workers (worker model, token burst)",
            "outbox_worker": "manage.py deliver_outbox during the realistic day and burst",
            "sandbox": f"gunicorn, {SANDBOX_WORKERS} gthread workers x {SANDBOX_THREADS} threads",
            "app_requests_served": tally.app_requests,
        },
        "figures": steps.figures,
    }
    results["goals"] = report.goals(steps.figures)
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(report.text(results))
    print(f"\nWrote {RESULTS.relative_to(servers.ROOT)} in {results['meta']['duration_s']:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
