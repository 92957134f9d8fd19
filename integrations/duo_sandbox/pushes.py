"""Pushes: sending one, reading its state as /auth_status reports it, answering it.

Duo Mobile shows a push for 60 seconds; unanswered, the attempt ends as "timeout".
The first answer wins and an answer after the timeout changes nothing: both hold
across processes because an answer is one conditional UPDATE.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from integrations.duo_sandbox.models import (
    DuoDevice,
    DuoIntegration,
    DuoPush,
    DuoSandboxState,
    DuoUser,
)

DEFAULT_PUSH_TIMEOUT_SECONDS = 60

# What /auth_status answers for each outcome: (result, status, status_msg). The
# status_msg wordings are Duo's as clients report them; Duo may change them.
STATES = {
    "waiting": ("waiting", "pushed", "Pushed a login request to your device..."),
    "allow": ("allow", "allow", "Success. Logging you in..."),
    "deny": ("deny", "deny", "Login request denied."),
    "timeout": ("deny", "timeout", "Login timed out."),
}


@dataclass(frozen=True)
class State:
    result: str
    status: str
    status_msg: str

    def to_duo(self) -> dict[str, str]:
        return {"result": self.result, "status": self.status, "status_msg": self.status_msg}


def push_timeout_seconds() -> float:
    state = DuoSandboxState.objects.filter(pk=1).first()
    if state is not None and state.push_timeout_seconds is not None:
        return state.push_timeout_seconds
    return float(
        getattr(settings, "DUO_SANDBOX_PUSH_TIMEOUT_SECONDS", DEFAULT_PUSH_TIMEOUT_SECONDS)
    )


def send(
    integration: DuoIntegration,
    user: DuoUser,
    device: DuoDevice | None,
    *,
    type: str = "",
    display_username: str = "",
    pushinfo: str = "",
    refused: tuple[str, str] | None = None,
) -> DuoPush:
    """A new push (or, with `refused`, an attempt that ended at once: status, message)."""
    status, msg = refused or ("", "")
    return DuoPush.objects.create(
        txid=str(uuid.uuid4()),
        integration=integration,
        user=user,
        device=device,
        type=type,
        display_username=display_username,
        pushinfo=pushinfo,
        created=timezone.now(),
        refused_status=status,
        refused_msg=msg,
    )


def state_of(push: DuoPush, now: datetime | None = None) -> State:
    if push.refused_status:
        return State("deny", push.refused_status, push.refused_msg)
    outcome = push.outcome(now or timezone.now(), push_timeout_seconds())
    if outcome == "timeout" and not push.answer:
        settle_timeouts()
    return State(*STATES[outcome])


def settle_timeouts() -> int:
    """Record "timeout" on every waiting push past the current timeout."""
    now = timezone.now()
    expired_before = now - timedelta(seconds=push_timeout_seconds())
    return DuoPush.objects.filter(answer="", refused_status="", created__lte=expired_before).update(
        answer=DuoPush.Answer.TIMEOUT, answered_at=now
    )


def answer(txid: str, approve: bool) -> bool:
    """Approve or deny a waiting push; False when it was answered, expired or unknown."""
    if "\x00" in txid:  # no txid holds NUL, and PostgreSQL refuses to compare one
        return False
    now = timezone.now()
    still_open = now - timedelta(seconds=push_timeout_seconds())
    updated = DuoPush.objects.filter(
        txid=txid, answer="", refused_status="", created__gt=still_open
    ).update(answer=DuoPush.Answer.ALLOW if approve else DuoPush.Answer.DENY, answered_at=now)
    return updated == 1


def pending(username: str | None = None) -> list[DuoPush]:
    """Pushes still waiting for an answer, newest first."""
    still_open = timezone.now() - timedelta(seconds=push_timeout_seconds())
    qs = DuoPush.objects.filter(answer="", refused_status="", created__gt=still_open)
    if username is not None:
        qs = qs.filter(user__username=username)
    return list(qs.select_related("user", "device", "integration"))
