"""Drive the Duo sandbox from Python: tests, the demo and benchmarks.

All state is in the database, so what one process sets, every worker sees.

    ensure_seeded() -> None
        The seeded integration and users (see seed.py for the keys and who is who).
    create_integration(ikey, skey, api_host="", *, name="Auth API") -> DuoIntegration
        Create or update (idempotent) an Auth API integration.
    pending_pushes(username=None) -> list[DuoPush]
        Pushes still waiting for an answer, newest first.
    answer(txid, approve) -> bool
        Approve or deny as the user would on the devices page. False (and nothing
        changes) when the push was already answered, has timed out or is unknown.
    set_push_timeout(seconds) -> None
        How long a push waits before /auth_status says "timeout" (Duo: 60 s; the
        setting DUO_SANDBOX_PUSH_TIMEOUT_SECONDS). Applies to pushes still waiting,
        so 0 times every one out at once; a timed-out push stays timed out. None:
        back to the setting.
    reset() -> None
        No pushes, the timeout back to its setting, seeded data restored.
"""

from __future__ import annotations

from django.core.cache import cache

from integrations.duo_sandbox import pushes, seed
from integrations.duo_sandbox.models import DuoIntegration, DuoPush, DuoSandboxState

ensure_seeded = seed.ensure_seeded


def create_integration(
    ikey: str, skey: str, api_host: str = "", *, name: str = "Auth API"
) -> DuoIntegration:
    integration, _ = DuoIntegration.objects.update_or_create(
        ikey=ikey, defaults={"skey": skey, "api_host": api_host, "name": name}
    )
    return integration


def pending_pushes(username: str | None = None) -> list[DuoPush]:
    return pushes.pending(username)


def answer(txid: str, approve: bool) -> bool:
    return pushes.answer(txid, approve)


def set_push_timeout(seconds: float | None) -> None:
    # Pushes already past the old timeout stay timed out, whatever the new one.
    pushes.settle_timeouts()
    DuoSandboxState.objects.update_or_create(pk=1, defaults={"push_timeout_seconds": seconds})


def reset() -> None:
    DuoPush.objects.all().delete()
    DuoSandboxState.objects.all().delete()
    cache.delete(seed.SEEDED_CACHE_KEY)
    seed.ensure_seeded()
