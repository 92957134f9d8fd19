"""Database queries per request, counted in-process with Django's test Client.

Runs in the orchestrator against the bench database; the tab's Halo calls still
go over HTTP to the sandbox's gunicorn. Each view is requested once to warm
per-process caches, then once more inside CaptureQueriesContext. The data grows
between measurements: 10, 100 and 10,000 tenants, then a contact history of
10,000 events. A query count that changes with the data is an N+1 (or worse).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import seed
from bench.jobs import PARTIAL_MARK
from bench.mode import QUICK
from bench.seed import Bench
from bench.servers import PROXY_HEADERS
from integrations.sandbox import services as sandbox
from integrations.sandbox.models import SandboxUser
from tickettab.models import Verification

USER_ID = 201  # ticket 1001's end user
STATES = (
    ("10 tenants, 10 events", 10, 10),
    ("100 tenants, 10 events", 100, 10),
    ("10,000 tenants, 10 events", 10_000, 10),
    ("10,000 tenants, 10,000 events", 10_000, 10_000),
)
if QUICK:
    STATES = STATES[:2]
VIEWS = ("tab entry", "context partial", "send code", "verify code", "integration page")
VIEWS += ("admin tenant list",)


def _client(user: User | None = None) -> Client:
    # SERVER_NAME: ALLOWED_HOSTS has no "testserver"; the proxy header: no https redirect.
    client = Client(SERVER_NAME="127.0.0.1", headers=PROXY_HEADERS)
    if user is not None:
        client.force_login(user)
        if user.is_staff:
            _second_factor(client, user)
    return client


def _second_factor(client: Client, user: User) -> None:
    """Staff need a TOTP check before the admin opens (STAFF_REQUIRE_2FA): mark the
    session verified the way django-otp's login() does."""
    try:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:  # no 2FA in this version of the app
        return
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _measure(
    call: Callable[[], Any], check: Callable[[Any], bool], *, sql: bool = False
) -> dict[str, Any]:
    try:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = call()
            wall_ms = (time.perf_counter() - started) * 1000
    except Exception as e:  # a view under rewrite may fail: report it, measure the rest
        return {"failed": f"{type(e).__name__}: {e}"[:300]}
    times = [float(q["time"]) * 1000 for q in captured.captured_queries]
    slowest = max(range(len(times)), key=times.__getitem__, default=None)
    result: dict[str, Any] = {
        "status": response.status_code,
        "ok": check(response),
        "queries": len(times),
        "db_ms": round(sum(times), 1),
        "wall_ms": round(wall_ms, 1),
    }
    if slowest is not None:
        result["slowest_query_ms"] = round(times[slowest], 2)
        result["slowest_query"] = captured.captured_queries[slowest]["sql"][:240]
    if sql:  # the statements themselves, to read what a count is made of
        result["sql"] = [q["sql"][:160] for q in captured.captured_queries]
    if not result["ok"]:
        result["failed"] = f"HTTP {response.status_code}: unexpected reply"
    return result


class Views:
    """The six measured requests, each callable twice (warm-up, then measured)."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.sql = True  # list the statements of the first state only
        self.tab = _client()
        self.admin = _client(User.objects.get(pk=bench.admin_user_id))
        self.superuser = _client(User.objects.get(pk=bench.superuser_id))
        self.headers = {"X-Tab-Token": bench.token(), "HX-Request": "true"}
        self.mobile = SandboxUser.objects.get(pk=USER_ID).mobilenumber

    def entry(self) -> dict[str, Any]:
        def call() -> Any:
            return self.tab.get(self.bench.entry_path(), headers={"Sec-Fetch-Dest": "iframe"})

        return self._twice(call, lambda r: b"data-token=" in r.content)

    def partial(self) -> dict[str, Any]:
        def call() -> Any:
            return self.tab.get(self.bench.partial_path(), headers=self.headers)

        return self._twice(call, lambda r: PARTIAL_MARK.encode() in r.content)

    def _send(self) -> Any:
        path = f"{self.bench.key_path}/send/"
        data = {"ticket_id": seed.TICKET_ID, "method": "sms"}
        return self.tab.post(path, data, headers=self.headers)

    def _pending(self) -> dict[str, Any]:
        """What the technician types: the pending verification and the code it sent
        (looked up before the measured request, so not counted in it)."""
        v = (
            Verification.objects.filter(
                tenant_id=self.bench.tenant_id,
                halo_user_id=USER_ID,
                status=Verification.Status.PENDING,
            )
            .order_by("-created")
            .first()
        )
        return {"verification_id": v.pk if v else 0, "code": sandbox.latest_code(self.mobile)}

    def send_and_verify(self) -> tuple[dict[str, Any], dict[str, Any]]:
        sent = b'name="verification_id"'
        path = f"{self.bench.key_path}/verify/"
        for _ in range(2):  # the first pair warms up
            seed.age_sends(self.bench)  # out of the resend cooldown: every send goes out
            send = _measure(self._send, lambda r: sent in r.content, sql=self.sql)
            data = self._pending()
            verify = _measure(
                lambda data=data: self.tab.post(path, data, headers=self.headers),
                lambda r: r.status_code == 200 and sent not in r.content,
                sql=self.sql,
            )
        return send, verify

    def integration(self) -> dict[str, Any]:
        path = f"/t/{self.bench.slug}/integration/"
        return self._twice(lambda: self.admin.get(path), lambda r: r.status_code == 200)

    def admin_list(self) -> dict[str, Any]:
        path = "/admin/mspprocess/tenant/"
        return self._twice(lambda: self.superuser.get(path), lambda r: r.status_code == 200)

    def _twice(self, call: Callable[[], Any], check: Callable[[Any], bool]) -> dict[str, Any]:
        with contextlib.suppress(Exception):  # the measured call reports the failure
            call()
        return _measure(call, check, sql=self.sql)


def measure_state(views: Views) -> dict[str, Any]:
    send, verify = views.send_and_verify()
    return {
        "tab entry": views.entry(),
        "context partial": views.partial(),
        "send code": send,
        "verify code": verify,
        "integration page": views.integration(),
        "admin tenant list": views.admin_list(),
    }


def query_counts(bench: Bench) -> dict[str, Any]:
    views = Views(bench)
    states: dict[str, Any] = {}
    for label, tenants, events in STATES:
        have_tenants = seed.add_filler_tenants(tenants)
        have_events = seed.grow_history(bench, USER_ID, events)
        states[label] = {"tenants": have_tenants, "events": have_events, **measure_state(views)}
        views.sql = False
    verdict = {}
    for view in VIEWS:
        counts = [s[view].get("queries") for s in states.values()]
        if any("failed" in s[view] for s in states.values()):
            verdict[view] = "failed"
        else:
            verdict[view] = "constant" if len(set(counts)) == 1 else "grows"
    return {"states": states, "verdict": verdict}
