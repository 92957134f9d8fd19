"""Figures read from the sandbox's side: Halo calls per tab open, token requests in a
cold burst, and the verification round trip (send a code, read it, verify it)."""

from __future__ import annotations

import http.client
import time
from typing import Any
from urllib.parse import urlencode

import redis
from django.conf import settings

from bench import jobs, seed
from bench.figures import Tally, run_counted, set_latency
from bench.jobs import Target
from bench.mode import scaled
from bench.sandbox_wsgi import CONNECTIONS_KEY
from bench.servers import PROXY_HEADERS, Server
from integrations.sandbox import services as sandbox
from tickettab.models import Note, Verification

WARM_OPENS = scaled(200, 50)
BURST = 100
TOKEN_LATENCY_MS = 200  # a Halo sign-in takes a while; a slow one widens the race
SIGN_IN = "POST auth/token"  # the token endpoint in the request log


def _connections() -> int:
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    return int(client.get(CONNECTIONS_KEY) or 0)


def halo_calls_per_open(t: Target, tally: Tally) -> dict[str, Any]:
    """Warm tab opens (token and agent name cached): what each costs in Halo calls."""
    run_counted(tally, [jobs.tab_open(t, 2, 4)])
    sandbox.clear_log()
    before = _connections()
    [result] = run_counted(tally, [jobs.tab_open(t, 4, WARM_OPENS)])
    counts = sandbox.request_counts()
    opens = result["ok"]
    calls = sum(counts.values())
    return {
        "opens": opens,
        "errors": result["errors"],
        "halo_calls": counts,
        "calls_per_open": round(calls / opens, 2) if opens else None,
        "connections_per_open": round((_connections() - before) / opens, 2) if opens else None,
    }


def token_burst(t: Target, app: Server, label: str) -> dict[str, Any]:
    """BURST simultaneous first opens of a tenant whose token is not cached."""
    sandbox.clear_faults()
    sandbox.add_fault("latency", TOKEN_LATENCY_MS, scope="token")
    seed.forget_token(t.bench)
    sandbox.clear_log()
    target = Target(t.bench, app, t.sandbox, t.token, t.bearer)
    [result] = jobs.run([jobs.tab_open(target, BURST, BURST, deadline_s=120)])
    counts = sandbox.request_counts()
    sandbox.clear_faults()
    return {
        "server": label,
        "opens": result["ok"],
        "errors": result["errors"],
        "token_requests": counts.get(SIGN_IN, 0),
        "halo_calls": counts,
        "p50_ms": jobs.summary(result)["p50_ms"],
        "p99_ms": jobs.summary(result)["p99_ms"],
    }


def _post(t: Target, path: str, data: dict[str, Any]) -> tuple[int, bytes, float]:
    conn = http.client.HTTPConnection("127.0.0.1", t.app.port, timeout=30)
    headers = PROXY_HEADERS | {
        "X-Tab-Token": t.token,
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    started = time.perf_counter()
    try:
        conn.request("POST", path, body=urlencode(data), headers=headers)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return response.status, body, (time.perf_counter() - started) * 1000


def _round_trip(t: Target, ticket_id: int, user_id: int, mobile: str) -> dict[str, Any]:
    key = t.bench.key_path
    # The technician has the ticket open: the partial remembered its end user.
    jobs.run([jobs.job("open", t.app.base, [jobs.partial_step(t, t.token, ticket_id)], 1, 1, t)])
    sandbox.clear_log()
    status, _, send_ms = _post(t, f"{key}/send/", {"ticket_id": ticket_id, "method": "sms"})
    send_calls = sandbox.request_counts()
    code = sandbox.latest_code(mobile)
    v = (
        Verification.objects.filter(tenant_id=t.bench.tenant_id, halo_user_id=user_id)
        .order_by("-created")
        .first()
    )
    if status != 200 or code is None or v is None or v.status != Verification.Status.PENDING:
        return {"ok": False, "problem": f"send: HTTP {status}, code {code is not None}"}
    sandbox.clear_log()
    status, _, verify_ms = _post(t, f"{key}/verify/", {"verification_id": v.pk, "code": code})
    verify_calls = sandbox.request_counts()
    v.refresh_from_db()
    note = Note.objects.filter(verification=v).first()
    return {
        "ok": status == 200 and v.status == Verification.Status.VERIFIED,
        "send_ms": round(send_ms, 1),
        "verify_ms": round(verify_ms, 1),
        "total_ms": round(send_ms + verify_ms, 1),
        "send_halo_calls": send_calls,
        "verify_halo_calls": verify_calls,
        "note_sent_before_reply": note is not None and note.status == Note.Status.SENT,
    }


def round_trips(t: Target, tally: Tally, plan: dict[int, int]) -> dict[str, Any]:
    """`plan` maps a sandbox latency to a number of round trips. Each trip uses its own
    contact, so the resend cooldown and hourly caps never interfere; ticket 1001's
    contact is kept for the query counts."""
    contacts = [c for c in seed.contacts_with_mobile(20) if c[0] != seed.TICKET_ID]
    out: dict[str, Any] = {}
    for latency_ms, count in plan.items():
        set_latency(latency_ms)
        trips = [_round_trip(t, *contacts.pop(0)) for _ in range(min(count, len(contacts)))]
        tally.app_requests += 3 * len(trips)
        good = [trip for trip in trips if trip.get("ok")]
        out[f"{latency_ms}ms"] = {
            "trips": len(trips),
            "ok": len(good),
            "send_p50_ms": jobs.percentile([x["send_ms"] for x in good], 50),
            "verify_p50_ms": jobs.percentile([x["verify_ms"] for x in good], 50),
            "total_p50_ms": jobs.percentile([x["total_ms"] for x in good], 50),
            "detail": trips,
        }
    set_latency(0)
    return out
