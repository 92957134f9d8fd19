"""The shared budget of Halo calls per instance, and the back-off after Halo's 429."""

from __future__ import annotations

import threading

import pytest
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError

from integrations.halo import budget
from integrations.halo.budget import Budget, instance_of
from mspprocess.cache import ResilientRedisCache

REDIS = "redis://127.0.0.1:6379/3"  # a database of its own


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_it_names_one_budget_per_halo_instance() -> None:
    same = {
        instance_of("https://acme.halopsa.com"),
        instance_of("https://ACME.halopsa.com/"),
        instance_of("https://acme.halopsa.com/api"),
    }
    assert len(same) == 1
    assert instance_of("https://globex.halopsa.com") not in same
    assert "acme" not in instance_of("https://acme.halopsa.com")


def test_it_refuses_the_call_past_the_share_and_takes_nothing() -> None:
    clock = Clock()
    b = Budget(instance_of("https://acme.halopsa.com"), share=5, clock=clock)
    assert [b.spend() for _ in range(5)] == [None] * 5
    refusal = b.spend()
    assert refusal is not None and refusal.reason == "share"
    assert b.used() == 5  # the refused call was given back
    # Room again once the first calls leave the rolling window, and not before.
    assert refusal.retry_at > clock.now
    clock.now = refusal.retry_at - 1
    assert b.spend() is not None
    clock.now = refusal.retry_at
    assert b.spend() is None


def test_it_rolls_the_window() -> None:
    clock = Clock()
    b = Budget("rolling", share=3, clock=clock)
    b.spend()
    clock.now += 200
    b.spend()
    b.spend()
    assert b.spend() is not None
    clock.now += 111  # the first call is now more than 5 minutes (and a bucket) old
    assert b.used() == 2
    assert b.spend() is None


def test_it_shares_one_budget_between_tenants_of_one_instance() -> None:
    clock = Clock()
    ours = Budget(instance_of("https://shared.halopsa.com"), share=4, clock=clock)
    theirs = Budget(instance_of("https://shared.halopsa.com/api"), share=4, clock=clock)
    for _ in range(2):
        assert ours.spend() is None
        assert theirs.spend() is None
    assert ours.spend() is not None
    assert theirs.spend() is not None


# Ours counts in one pipelined round trip; Django's through its own incr and add.
@pytest.fixture(params=[ResilientRedisCache, RedisCache])
def two_redis_clients(request):
    """Two cache clients on one Redis, as two processes or hosts would have."""
    first, second = request.param(REDIS, {}), request.param(REDIS, {})
    try:
        first.clear()
    except RedisConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield first, second
    first.clear()


def test_it_counts_across_two_cache_clients_on_one_redis(two_redis_clients, monkeypatch) -> None:
    first, second = two_redis_clients
    clock = Clock()
    b = Budget("redis-shared", share=10, clock=clock)
    for client in (first, second) * 5:
        monkeypatch.setattr(budget, "cache", client)
        assert b.spend() is None
    for client in (first, second):
        monkeypatch.setattr(budget, "cache", client)
        assert b.spend() is not None
        assert b.used() == 10


@pytest.fixture(params=["default", "redis"])
def shared_cache(request, monkeypatch):
    """The suite's cache (local memory, or Redis under CI's second run), and ours on
    Redis (one pipelined round trip per call)."""
    if request.param == "default":
        yield budget.cache
        return
    cache = ResilientRedisCache(REDIS, {})
    try:
        RedisCache(REDIS, {}).clear()
    except RedisConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    monkeypatch.setattr(budget, "cache", cache)
    yield cache
    cache.clear()


def test_it_never_passes_the_share_under_concurrency(shared_cache) -> None:
    granted = []

    def spend() -> None:
        b = Budget("threads", share=30)  # one per request, as in the app
        for _ in range(15):
            if b.spend() is None:
                granted.append(1)

    threads = [threading.Thread(target=spend) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 30  # every refusal gave its call back
    assert Budget("threads", share=30).used() == 30


def test_it_backs_off_every_process_after_a_429_doubling_to_a_minute() -> None:
    clock = Clock()
    b = Budget("limited", share=100, clock=clock)
    other = Budget("limited", share=100, clock=clock)  # another process, same instance
    delays = []
    for _ in range(6):
        until = b.rate_limited()
        delays.append(until - clock.now)
        refusal = other.spend()
        assert refusal is not None and refusal.reason == "backoff"
        clock.now = until
    assert delays == [5, 10, 20, 40, 60, 60]
    assert other.used() == 0  # a refusal takes nothing
    assert other.spend() is None  # the pause is over
    assert other.used() == 1
    assert b.limited_today() == 6


@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [("30", 30), ("0", 0), ("99999999", 3600), ("soon", 5), ("١٢", 5)],
)
def test_it_honours_retry_after(retry_after, seconds) -> None:
    clock = Clock()
    b = Budget("retry-after", clock=clock)
    assert b.rate_limited(retry_after) - clock.now == seconds


def test_it_stops_before_the_429_when_halo_says_nothing_remains() -> None:
    clock = Clock()
    b = Budget("remaining", clock=clock)
    b.observe_remaining("12")
    assert b.spend() is None
    b.observe_remaining("0")
    assert b.spend() is not None


def test_it_reads_the_closed_buckets_once_per_bucket_for_every_request(monkeypatch) -> None:
    clock = Clock()
    first = Budget("reads", share=100, clock=clock)
    for _ in range(3):
        assert first.spend() is None
    clock.now += 3 * budget.BUCKET_SECONDS  # a later bucket: three calls now "earlier"
    read: list[int] = []
    real = budget.incr_and_get_many
    monkeypatch.setattr(
        budget,
        "incr_and_get_many",
        lambda cache, key, ttl, keys: read.append(len(keys)) or real(cache, key, ttl, keys),
    )
    assert Budget("reads", share=100, clock=clock).spend() is None  # request 1
    assert Budget("reads", share=100, clock=clock).spend() is None  # request 2, same bucket
    window = budget.WINDOW_SECONDS // budget.BUCKET_SECONDS
    assert read == [window + 1, 1]  # the earlier buckets and the back-off; then the back-off
    assert Budget("reads", share=100, clock=clock).used() == 5
