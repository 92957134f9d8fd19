"""One slow Halo must not stall everyone: a deadline, a bulkhead and a circuit breaker.

A web worker has a few threads. A Halo answering in 10 s would otherwise hold one
thread per tab open for up to two 15 s reads and a retry, and a handful of opens of
one tenant's tab would leave none for other tenants, code checks or /healthz. So:

- **deadline**: an interactive request (the tab) sets a short total deadline for all
  its Halo calls (`interactive()`, HALO_INTERACTIVE_DEADLINE); every read is cut to
  what is left of it and no attempt starts after it. Background work (the outbox,
  management commands) sets none and keeps the client's longer timeouts.
- **bulkhead**: at most HALO_BULKHEAD calls in flight per Halo instance per process;
  one more is refused at once instead of queueing behind a slow instance.
- **circuit breaker**: after HALO_BREAKER_FAILURES timeouts of an instance within
  HALO_BREAKER_WINDOW seconds, calls to it fail fast for HALO_BREAKER_COOLOFF
  seconds; then one probe goes through, and its outcome closes or reopens it.

All three are per process on purpose: they protect this process's threads, need no
shared store on the hot path, and each process learns a slow instance by itself
within a few calls. Refusals raise HaloSlow (an Unavailable), so the tab shows its
older copy "from Halo at HH:MM" when it has one, else says Halo is slow with a retry.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from integrations.halo.errors import HaloSlow

# Defaults; the settings of the same names override them.
INTERACTIVE_DEADLINE = 4.0  # seconds for all of one tab request's Halo calls
BULKHEAD = 4  # calls in flight per instance per process
BREAKER_FAILURES = 5  # timeouts within the window that open the breaker
BREAKER_WINDOW = 30.0
BREAKER_COOLOFF = 15.0
# Below this much time left, a call cannot usefully start.
MIN_CALL_SECONDS = 0.05

Clock = Callable[[], float]

# The monotonic time by which this request's Halo calls must be done; None: no deadline.
_deadline: ContextVar[float | None] = ContextVar("halo_deadline", default=None)


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


# -- deadline ------------------------------------------------------------------------


@contextlib.contextmanager
def interactive(seconds: float | None = None) -> Iterator[None]:
    """Run the block under a total deadline for Halo calls (a technician is waiting).

    Nested blocks keep the earlier deadline: an inner one never extends it.
    """
    if seconds is None:
        seconds = _setting("HALO_INTERACTIVE_DEADLINE", INTERACTIVE_DEADLINE)
    ends = time.monotonic() + seconds
    current = _deadline.get()
    token = _deadline.set(ends if current is None else min(current, ends))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left before the deadline, or None when the caller set none."""
    ends = _deadline.get()
    return None if ends is None else ends - time.monotonic()


def timeout_for(connect: float, read: float) -> tuple[float, float] | None:
    """The (connect, read) timeouts for the next request, cut to the deadline.

    None without a deadline (the client's own timeouts apply). HaloSlow when too
    little time is left to start a call.
    """
    left = remaining()
    if left is None:
        return None
    if left < MIN_CALL_SECONDS:
        raise HaloSlow(reason="deadline")
    return (min(connect, left), min(read, left))


def pause_fits(delay: float) -> bool:
    """Whether a pause of `delay` seconds still leaves time for another attempt."""
    left = remaining()
    return left is None or delay + MIN_CALL_SECONDS < left


# -- circuit breaker -----------------------------------------------------------------


class Breaker:
    """One instance's circuit in this process: closed, open until a time, or half-open.

    Only timeouts count: an instance that answers, even with errors, is not slow.
    """

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._timeouts: deque[float] = deque()
        self._open_until = 0.0
        self._probing = False

    def before_call(self) -> bool:
        """HaloSlow while open; when the cool-off is over, let exactly one probe
        through. True when this caller is that probe."""
        now = self._clock()
        with self._lock:
            if self._open_until == 0.0:
                return False
            if now < self._open_until or self._probing:
                raise HaloSlow(reason="circuit")
            self._probing = True  # half-open: this caller is the probe
            return True

    def succeeded(self) -> None:
        with self._lock:
            self._timeouts.clear()
            self._open_until = 0.0
            self._probing = False

    def timed_out(self) -> None:
        now = self._clock()
        window = _setting("HALO_BREAKER_WINDOW", BREAKER_WINDOW)
        failures = int(_setting("HALO_BREAKER_FAILURES", BREAKER_FAILURES))
        with self._lock:
            if self._probing:
                self._open(now)  # the probe timed out too: another cool-off
                return
            self._timeouts.append(now)
            while self._timeouts and self._timeouts[0] <= now - window:
                self._timeouts.popleft()
            if failures > 0 and len(self._timeouts) >= failures:
                self._open(now)

    def released(self) -> None:
        """A call ended with neither a success nor a timeout (e.g. a 404): a probe
        that did not prove anything lets the next caller probe."""
        with self._lock:
            self._probing = False

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._open_until != 0.0

    def _open(self, now: float) -> None:
        self._open_until = now + _setting("HALO_BREAKER_COOLOFF", BREAKER_COOLOFF)
        self._probing = False
        self._timeouts.clear()


# -- per-instance state --------------------------------------------------------------


class _Instance:
    def __init__(self, size: int) -> None:
        self.size = size
        self.bulkhead = threading.BoundedSemaphore(size)
        self.breaker = Breaker()


_instances: dict[str, _Instance] = {}
_instances_lock = threading.Lock()


def _instance(name: str) -> _Instance:
    size = max(1, int(_setting("HALO_BULKHEAD", BULKHEAD)))
    with _instances_lock:
        found = _instances.get(name)
        if found is None or found.size != size:  # a changed setting (tests) starts afresh
            found = _instances[name] = _Instance(size)
        return found


def breaker_for(instance: str) -> Breaker:
    return _instance(instance).breaker


def reset() -> None:
    """Forget every instance's state (tests)."""
    with _instances_lock:
        _instances.clear()


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: object) -> None:
    # Only tests change settings at run time; each test then starts with closed
    # breakers and empty bulkheads instead of inheriting another test's timeouts.
    if setting.startswith("HALO_"):
        reset()


@contextlib.contextmanager
def guarded(instance: str) -> Iterator[Breaker]:
    """Hold one of the instance's bulkhead places for one call, behind its breaker.

    Refused at once with HaloSlow when the breaker is open or the bulkhead full:
    waiting for a place would hold this thread behind the slow instance.
    The caller reports the call's outcome on the yielded breaker.
    """
    state = _instance(instance)
    probe = state.breaker.before_call()
    try:
        if not state.bulkhead.acquire(blocking=False):
            raise HaloSlow(reason="bulkhead")
        try:
            yield state.breaker
        finally:
            state.bulkhead.release()
    finally:
        if probe:
            state.breaker.released()  # no-op after succeeded() or timed_out()
