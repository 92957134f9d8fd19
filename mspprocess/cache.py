"""Django's RedisCache, made to fail soft: a Redis outage is a slower page, not a 500.

Everything we keep in Redis can be had again (the tab's context and contacts, agent
names, Halo tokens): when Redis does not answer, reads are misses and writes and
deletes do nothing, and the page asks Halo instead.

The atomic operations that locks and limits are built on (`add`, `incr`, `decr`)
raise `CacheUnavailable` instead: a lock or a limit has no safe meaning of its own
without a cache, so each one decides what it does and says why where it is taken.

One warning per outage and process (and one line when Redis answers again), not one
per request. After a failure, Redis is left alone for `RETRY_AFTER` seconds: a dead
host then costs one short timeout a second, not one per cache call.
`/healthz` still reports the outage: its write is dropped and its read misses.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# What a Redis that is down, restarting or unreachable raises (BusyLoadingError, a
# Redis still loading its data, is a ConnectionError). Anything else is a bug of ours
# and must still fail loudly.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
RETRY_AFTER = 1.0  # seconds without trying Redis after it failed


class CacheUnavailable(Exception):
    """The cache cannot take a lock or count: the caller decides what that means."""


class _Outage:
    """One Redis location's state in this process, shared by every thread (Django
    makes one cache object per thread)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.down_until = 0.0  # time.monotonic(); 0 while Redis answers
        self._lock = threading.Lock()

    def resting(self) -> bool:
        return self.down_until > time.monotonic()

    def failed(self, error: Exception) -> None:
        with self._lock:
            first = self.down_until == 0.0
            self.down_until = time.monotonic() + RETRY_AFTER
        if first:
            logger.warning(
                "cache: Redis at %s is not answering (%s); serving without the cache "
                "(slower, more Halo calls) until it is back",
                self.where,
                type(error).__name__,
            )

    def works(self) -> None:
        if self.down_until == 0.0:
            return
        with self._lock:
            was_down, self.down_until = self.down_until != 0.0, 0.0
        if was_down:
            logger.warning("cache: Redis at %s answers again", self.where)


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(servers: Iterable[str]) -> _Outage:
    # Named by host and port only: a Redis URL may carry a password.
    where = ",".join(f"{urlsplit(s).hostname}:{urlsplit(s).port or 6379}" for s in servers)
    with _outages_lock:
        return _outages.setdefault(where, _Outage(where))


def reset_outages() -> None:
    """Forget every outage (tests that stop a Redis of their own)."""
    with _outages_lock:
        _outages.clear()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client holder, reusing one `redis.Redis` per connection pool.

    Django builds a new `redis.Redis` for every cache operation, and redis-py's
    constructor fills a table of about 170 reply callbacks each time: about 0.1 ms of
    CPU per `get` or `set`, and a tab open makes a dozen of them. A `redis.Redis`
    over a pool keeps no state between commands (each takes a connection from the
    pool and gives it back), so one per pool serves every call; the pools are
    Django's own, as before.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # Keyed by the pool's id: Django keeps every pool for the cache's life.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """RedisCache whose reads miss and writes drop while Redis is down."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._outage = _outage_for(self._servers)

    def validate_key(self, key: Any) -> None:
        """Nothing to check: Redis takes any key. Django's checks warn about keys
        memcached would refuse, character by character, and a tab open names about
        45 keys (the Halo budget's window alone is 33)."""

    # -- the plumbing ---------------------------------------------------------

    def _soft(self, op: Callable[[], T], fallback: T) -> T:
        """A cache operation: Redis down means the fallback (a miss, a no-op)."""
        try:
            return self._strict(op)
        except CacheUnavailable:
            return fallback

    def _strict(self, op: Callable[[], T]) -> T:
        """A lock or counter operation: Redis down means CacheUnavailable."""
        if self._outage.resting():
            raise CacheUnavailable("the cache is down")
        try:
            result = op()
        except REDIS_DOWN as e:
            self._outage.failed(e)
            raise CacheUnavailable("the cache is down") from e
        self._outage.works()
        return result

    # -- caches: a miss or a no-op without Redis -------------------------------

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._soft(partial(RedisCache.get, self, key, default, version), default)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._soft(partial(RedisCache.get_many, self, keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._soft(partial(RedisCache.has_key, self, key, version), False)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._soft(partial(RedisCache.set, self, key, value, timeout, version), None)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        # Django's contract: the keys that were not stored (all of them, here).
        return self._soft(partial(RedisCache.set_many, self, data, timeout, version), list(data))

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._soft(partial(RedisCache.touch, self, key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        # Deleting is how we drop a stale value (a refused token); with Redis down
        # nothing is served from it, and its TTL ends it once Redis is back.
        return self._soft(partial(RedisCache.delete, self, key, version), False)

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._soft(partial(RedisCache.delete_many, self, keys, version), None)

    def clear(self) -> bool:
        return self._soft(partial(RedisCache.clear, self), False)

    def get_or_set(
        self,
        key: Any,
        default: Any,
        timeout: Any = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> Any:
        missing = object()
        value = self.get(key, missing, version)
        if value is not missing:
            return value
        value = default() if callable(default) else default
        try:
            self.add(key, value, timeout, version)
        except CacheUnavailable:
            return value
        # As Django's: another process may have added first, and its value wins.
        return self.get(key, value, version)

    def set_each(self, items: dict[Any, tuple[Any, int]], version: int | None = None) -> None:
        """Store each value with its own lifetime, in one round trip (a no-op
        without Redis, as `set`); `set_many` has one timeout for all."""
        self._soft(partial(self._set_each, items, version), None)

    def _set_each(self, items: dict[Any, tuple[Any, int]], version: int | None) -> None:
        if len(self._servers) > 1:  # keys spread by name: one pipeline cannot serve
            for key, (value, ttl) in items.items():
                RedisCache.set(self, key, value, ttl, version)
            return
        dumps = self._cache._serializer.dumps
        names = {self.make_and_validate_key(k, version=version): v for k, v in items.items()}
        pipe = self._cache.get_client(next(iter(names)), write=True).pipeline(transaction=False)
        for name, (value, ttl) in names.items():
            pipe.set(name, dumps(value), ex=ttl)
        pipe.execute()

    # -- locks and counters: CacheUnavailable without Redis ------------------------

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._strict(partial(RedisCache.add, self, key, value, timeout, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._strict(partial(RedisCache.incr, self, key, delta, version))

    def incr_and_get_many(
        self, key: Any, ttl: int, keys: list[Any], version: int | None = None
    ) -> tuple[int, dict[Any, Any]]:
        """Count one more on `key` (created at 0 to live `ttl` seconds when missing)
        and read `keys`, in one round trip; CacheUnavailable without Redis.

        Django's own `incr` asks EXISTS, then INCRBY; with `add` for a missing key
        and a `get_many` beside it, a Halo call's budget took three round trips.
        """
        return self._strict(partial(self._incr_and_get_many, key, ttl, keys, version))

    def _incr_and_get_many(
        self, key: Any, ttl: int, keys: list[Any], version: int | None
    ) -> tuple[int, dict[Any, Any]]:
        counter = self.make_and_validate_key(key, version=version)
        names = [self.make_and_validate_key(k, version=version) for k in keys]
        # One Redis location in practice; with several, keys are spread by name and
        # this would read the wrong one, so ask the generic way instead.
        if len(self._servers) > 1:
            return incr_or_add(self, key, ttl, version), self.get_many(keys, version)
        pipe = self._cache.get_client(counter, write=True).pipeline(transaction=False)
        pipe.set(counter, 0, ex=ttl, nx=True)
        pipe.incr(counter)
        pipe.mget(names)
        _, count, values = pipe.execute()
        loads = self._cache._serializer.loads
        return int(count), {k: loads(v) for k, v in zip(keys, values, strict=True) if v is not None}


def incr_or_add(cache: Any, key: Any, ttl: int, version: int | None = None) -> int:
    """Count one more on `key`, creating it (to live `ttl` seconds) when missing."""
    try:
        return int(cache.incr(key, version=version))
    except ValueError:  # the key's first count (or it was evicted)
        if cache.add(key, 1, ttl, version=version):
            return 1
        return int(cache.incr(key, version=version))  # another process added it first


def incr_and_get_many(cache: Any, key: Any, ttl: int, keys: list[Any]) -> tuple[int, dict]:
    """`incr_or_add(key)` and `cache.get_many(keys)`: one round trip on Redis, two
    or three calls on any other backend (the local-memory cache of the default)."""
    # Asked by name: `django.core.cache.cache` is a proxy to this thread's backend.
    in_one_trip = getattr(cache, "incr_and_get_many", None)
    if in_one_trip is not None:
        return in_one_trip(key, ttl, keys)
    return incr_or_add(cache, key, ttl), cache.get_many(keys)


def set_each(cache: Any, items: dict[Any, tuple[Any, int]]) -> None:
    """`cache.set(key, value, ttl)` for each item: one round trip on Redis, one call
    per item on any other backend."""
    if not items:
        return
    in_one_trip = getattr(cache, "set_each", None)
    if in_one_trip is not None:
        in_one_trip(items)
        return
    for key, (value, ttl) in items.items():
        cache.set(key, value, ttl)
