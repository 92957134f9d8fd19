"""Fault injection: how stored `SandboxFault` rows turn into misbehaving replies.

Faults live in the database so that every worker process sees the same ones, and
counted faults ("the next 3 replies are 429") are consumed with one atomic UPDATE,
so that N means N even when several workers answer at once.

For each sandbox request in a fault's scope ("api", "token" or "all"), in order:
1. latency: sleep `value` ms (every latency fault in scope, added up);
2. timeout: sleep `value` seconds, meant to outlast the client's read timeout;
   the reply that follows is an ordinary one, as a slow server's would be;
3. status: reply with HTTP `value` in Halo's error shape instead of the real reply;
4. malformed: the real reply, cut off half-way (still labelled JSON);
5. expires_in (token endpoint only): issued tokens say and live `value` seconds.

Apart from those (which hit every caller alike), one *host* can be made slow: a
sandbox reached under two names (127.0.0.1 and localhost) plays two Halo instances,
and `set_host_latency` delays every reply to one of them, the "slow neighbour" of
the resilience tests and the bench. It lives in the cache (shared by every process
the bench runs), not the database, so an untouched host costs one cache read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import F, Q

from integrations.sandbox.models import SandboxFault

Kind = SandboxFault.Kind
HOST_LATENCY_KEY = "sandbox:host-latency:{host}"


@dataclass
class Plan:
    """What the faults in force do to one request."""

    delay_seconds: float = 0.0
    status: int | None = None
    malformed: bool = False
    expires_in: int | None = None


def active(scope: str) -> list[SandboxFault]:
    return list(
        SandboxFault.objects.filter(scope__in=[scope, SandboxFault.Scope.ALL]).filter(
            Q(remaining__isnull=True) | Q(remaining__gt=0)
        )
    )


def consume(fault: SandboxFault) -> bool:
    """Take one use of a fault; False when another request took the last one."""
    if fault.remaining is None:
        return True
    taken = SandboxFault.objects.filter(pk=fault.pk, remaining__gt=0).update(
        remaining=F("remaining") - 1
    )
    return taken == 1


def _first(faults: list[SandboxFault], kind: str) -> SandboxFault | None:
    for fault in faults:
        if fault.kind == kind and consume(fault):
            return fault
    return None


def plan(scope: str) -> Plan:
    faults = active(scope)
    result = Plan()
    if not faults:
        return result  # the common case: one cheap query and nothing to do
    for fault in faults:
        if fault.kind == Kind.LATENCY and consume(fault):
            result.delay_seconds += fault.value / 1000
    timeout = _first(faults, Kind.TIMEOUT)
    if timeout is not None:
        result.delay_seconds += timeout.value
    status = _first(faults, Kind.STATUS)
    if status is not None:
        result.status = int(status.value)
    elif _first(faults, Kind.MALFORMED) is not None:
        result.malformed = True
    if scope == SandboxFault.Scope.TOKEN:
        expires = _first(faults, Kind.EXPIRES_IN)
        if expires is not None:
            result.expires_in = int(expires.value)
    return result


def sleep(seconds: float) -> None:
    # A seam for tests that would rather not wait.
    if seconds > 0:
        time.sleep(seconds)


def set_host_latency(host: str, ms: int) -> None:
    """Delay every reply to requests addressed to `host` (as in the Host header,
    e.g. "localhost:8000") by `ms`; 0 removes the delay."""
    key = HOST_LATENCY_KEY.format(host=host.lower())
    if ms > 0:
        cache.set(key, ms, None)
    else:
        cache.delete(key)


def host_delay(host: str) -> float:
    """Seconds every reply to `host` is delayed by (set_host_latency)."""
    ms = cache.get(HOST_LATENCY_KEY.format(host=host.lower()))
    return (ms or 0) / 1000
