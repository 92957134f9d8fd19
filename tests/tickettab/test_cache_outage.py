"""Redis stopped under the tab: a slower tab, not a broken one.

Each test starts its own redis-server on a spare port and stops it; the suite's own
Redis (if any) is never touched.
"""

from __future__ import annotations

import logging
import re
import shutil
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis
from django.core.cache import cache, caches

from integrations.halo import meter
from integrations.sandbox import ratelimit, seed
from integrations.sandbox import services as sandbox
from mspprocess.cache import CacheUnavailable, reset_outages, set_each
from tests.factories import PASSWORD, ConnectionFactory, MembershipFactory
from tests.tickettab.test_tab_entry import signed_url
from tests.tickettab.test_tab_partials import sandbox_user
from tickettab.models import Tab, Verification

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class OwnRedis:
    port: int
    process: subprocess.Popen | None = None

    def start(self) -> None:
        exe = shutil.which("redis-server")
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen([exe, *args], stdout=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis(settings, monkeypatch) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis(spare_port())
    assert server.port != 6379  # never the suite's own Redis
    server.start()
    reset_outages()
    # As settings.py configures it for a redis:// CACHE_URL. Setting CACHES makes
    # Django drop its cache connections (django.test.signals), so `cache` uses it.
    settings.CACHES = {
        "default": {
            "BACKEND": "mspprocess.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        },
        "sandbox": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    # The sandbox stands in for Halo, another service: its state is not in our Redis.
    monkeypatch.setattr(ratelimit, "cache", caches["sandbox"])
    monkeypatch.setattr(seed, "cache", caches["sandbox"])
    meter._cache_failing.clear()
    yield server
    server.stop()
    reset_outages()


def outage_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "mspprocess.cache"]


def test_it_serves_the_tab_with_redis_stopped(own_redis, tab, client, caplog) -> None:
    user = sandbox_user(1001)
    assert tab.get("ticket/?ticket_id=1001").status_code == 200
    assert cache.get(f"tab:context:{tab.conn.pk}:{tab.conn.credentials_version}:1001")

    own_redis.stop()
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        entry = client.get(signed_url(tab.conn))
        assert entry.status_code == 200
        assert 'data-token="' in entry.content.decode()

        ticket = tab.get("ticket/?ticket_id=1001")  # asks Halo again: nothing cached
        assert ticket.status_code == 200
        assert user.name in ticket.content.decode()

        sent = tab.post("send/", {"method": "sms", "ticket_id": "1001"})
        assert sent.status_code == 200
        assert "Waiting for the caller" in sent.content.decode()
        code = sandbox.latest_code(user.mobilenumber)
        v = Verification.objects.get()
        checked = tab.post("verify/", {"verification_id": v.pk, "code": code})
        assert checked.status_code == 200
        assert 'data-state="green"' in checked.content.decode()
        elapsed = time.monotonic() - started

        health = client.get("/healthz")
    assert health.status_code == 503
    assert "cache" in health.json()["failed"]
    assert elapsed < 10  # a slower tab, not a stalled one
    warnings = outage_warnings(caplog)
    assert len(warnings) == 1 and "not answering" in warnings[0]  # once per outage


def test_it_signs_in_to_the_tab_with_redis_stopped(own_redis, client) -> None:
    conn = ConnectionFactory()
    Tab.objects.filter(tenant_id=conn.tenant_id).update(secret="")
    member = MembershipFactory(tenant=conn.tenant).user
    own_redis.stop()

    url = f"/tab/{conn.tenant.tab.key}/signin/"
    wrong = client.post(url, {"username": member.username, "password": "x"})
    assert wrong.status_code == 401  # counted by axes in the database, not a 500
    right = client.post(url, {"username": member.username, "password": PASSWORD})
    assert right.status_code == 200
    assert right.json()["token"]


def test_it_still_locks_tab_sign_in_without_redis(own_redis, client) -> None:
    # The tab's own count lapses with the cache; axes' database lockout does not.
    conn = ConnectionFactory()
    Tab.objects.filter(tenant_id=conn.tenant_id).update(secret="")
    member = MembershipFactory(tenant=conn.tenant).user
    own_redis.stop()
    url = f"/tab/{conn.tenant.tab.key}/signin/"
    for _ in range(5):
        client.post(url, {"username": member.username, "password": "x"})
    response = client.post(url, {"username": member.username, "password": PASSWORD})
    assert response.status_code == 429


def test_it_misses_and_drops_but_refuses_locks_without_redis(own_redis) -> None:
    cache.set("k", "v", 60)
    own_redis.stop()
    assert cache.get("k") is None
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["k", "j"]) == {}
    assert cache.has_key("k") is False
    cache.set("k", "w", 60)  # nothing raised
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    set_each(cache, {"a": (1, 60), "b": (2, 600)})  # nothing raised
    assert cache.delete("k") is False
    cache.delete_many(["a", "b"])
    assert cache.get_or_set("k", lambda: "computed", 60) == "computed"
    for lock_or_count in (lambda: cache.add("lock", 1, 5), lambda: cache.incr("n")):
        with pytest.raises(CacheUnavailable):
            lock_or_count()


def test_it_stores_each_value_with_its_own_lifetime_in_one_round_trip(own_redis) -> None:
    set_each(cache, {"short": ({"n": 1}, 60), "long": ([2], 3600)})
    assert cache.get_many(["short", "long"]) == {"short": {"n": 1}, "long": [2]}
    raw = redis.Redis(port=own_redis.port)
    ttls = {k: raw.ttl(cache.make_and_validate_key(k)) for k in ("short", "long")}
    assert 55 <= ttls["short"] <= 60
    assert 3595 <= ttls["long"] <= 3600


def test_it_takes_keys_memcached_would_refuse_without_a_warning(own_redis) -> None:
    long_key = "tab:context with spaces:" + "x" * 300
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django's CacheKeyWarning would raise here
        cache.set(long_key, "v", 60)
        assert cache.get(long_key) == "v"


def test_it_costs_milliseconds_and_comes_back(own_redis, caplog) -> None:
    own_redis.stop()
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        for _ in range(50):
            cache.get("k")
        assert time.monotonic() - started < 1.0

        own_redis.start()
        time.sleep(1.1)  # past RETRY_AFTER
        cache.set("k", "v", 60)
        assert cache.get("k") == "v"
    messages = outage_warnings(caplog)
    assert len(messages) == 2
    assert "answers again" in messages[1]
    assert not any(re.search(r"redis://", m) for m in messages)
