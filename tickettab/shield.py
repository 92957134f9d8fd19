"""The contact's shield: green, amber, red or grey, from their verification history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from django.utils import timezone

from mspprocess.core.models import Tenant
from mspprocess.prepared import PreparedQuery
from tickettab.models import Verification, VerificationSettings
from tickettab.verification import COOLDOWN_METHODS, RESEND_COOLDOWN

HISTORY_LENGTH = 20
# A denial stays red at least this long, even with a short shield window.
DENIAL_MEMORY = timedelta(hours=24)
S = Verification.Status


@dataclass(frozen=True)
class Shield:
    state: str  # green, amber, red or grey
    title: str
    detail: str = ""
    verification: Verification | None = None
    # Seconds before the contact may be sent anything again (0: now). The wait is per
    # contact across every method, so the tab disables every send button and says so.
    cooldown: int = 0

    @property
    def is_override(self) -> bool:
        """Green from a technician's word, not from the caller: shown as what it is."""
        return (
            self.state == "green"
            and self.verification is not None
            and self.verification.status == S.OVERRIDE
        )


def send_cooldown(events: list[Verification]) -> int:
    """Whole seconds until verification.send accepts another send to this contact.

    The same rule as verification.check_send_allowed (the newest send of any method
    starts the wait), rounded up so the tab never re-enables a button too early.
    """
    last = next((v.created for v in events if v.method in COOLDOWN_METHODS), None)
    if last is None:
        return 0
    left = RESEND_COOLDOWN - (timezone.now() - last)
    if left <= timedelta(0):
        return 0
    return int(left.total_seconds()) + 1


def history(tenant: Tenant, halo_user_id: int) -> list[Verification]:
    """The contact's last events, newest first (one indexed query, compiled once)."""
    return _HISTORY.objects(tenant_id=tenant.pk, halo_user_id=halo_user_id)


# Every tab open reads a history: compiled once (mspprocess/prepared.py says why).
_HISTORY = PreparedQuery(
    Verification,
    lambda tenant_id, halo_user_id: Verification.objects.filter(
        tenant_id=tenant_id, halo_user_id=halo_user_id
    ).order_by("-created")[:HISTORY_LENGTH],
    # Stand-ins: valid ids (a negative one would compile to "no rows"), told apart.
    tenant_id=1_999_999_001,
    halo_user_id=1_999_999_002,
)


def shield_for(prefs: VerificationSettings, events: list[Verification]) -> Shield:
    return replace(_colour(prefs, events), cooldown=send_cooldown(events))


def _colour(prefs: VerificationSettings, events: list[Verification]) -> Shield:
    now = timezone.now()
    for v in events:  # newest first; the first decisive event sets the colour
        if v.status == S.PENDING:
            if v.is_expired:
                continue
            if v.method == Verification.Method.LINK:
                # The panel below says what we wait for; the shield says what went where.
                return Shield("amber", "Secure link sent", f"By email to {v.destination}.", v)
            if v.method == Verification.Method.PUSH:
                return Shield("amber", "Push sent", f"To {v.destination}.", v)
            return Shield(
                "amber",
                "Waiting for the caller",
                f"{v.get_method_display()} sent to {v.destination}.",
                v,
            )
        # A reverse check's word (SENT) proves the technician, not the caller.
        if v.status in (S.CANCELLED, S.SEND_FAILED, S.EXPIRED, S.SENT):
            continue
        age = now - (v.completed_at or v.created)
        if v.status in (S.DENIED, S.LOCKED):
            if age < max(prefs.shield_window, DENIAL_MEMORY):
                if v.status == S.LOCKED:
                    title = "Too many wrong codes"
                elif v.method == Verification.Method.PUSH:
                    title = "The contact denied the push"
                else:
                    title = "The contact said it wasn't them"
                return Shield(
                    "red",
                    title,
                    "Possible impersonation attempt. Do not act on this request without "
                    "verifying the caller another way.",
                    v,
                )
            break
        if v.status in (S.VERIFIED, S.OVERRIDE):
            if age < prefs.shield_window:
                minutes_left = int((prefs.shield_window - age).total_seconds() // 60) + 1
                if v.status == S.OVERRIDE:
                    # The caller proved nothing to us: a technician vouched for them.
                    return Shield(
                        "green",
                        "Override: verified another way",
                        f"Caller verified another way by {v.agent_name}, recorded as an "
                        f"override, not a code; counts for {minutes_left} more minutes.",
                        v,
                    )
                how = {
                    Verification.Method.SMS: "verified by a code sent by SMS",
                    Verification.Method.EMAIL: "verified by a code sent by email",
                    Verification.Method.LINK: "confirmed by the secure link",
                    Verification.Method.PUSH: f"approved a push to {v.destination}",
                }.get(v.method, f"verified another way by {v.agent_name}")
                return Shield(
                    "green",
                    "Verified",
                    f"Caller {how}; stays verified for {minutes_left} more minutes.",
                    v,
                )
            break
    return Shield("grey", "Not verified", "Verify the caller before acting on their request.")


def word_to_read(prefs: VerificationSettings, events: list[Verification]) -> Verification | None:
    """The reverse check the technician should read out now: the newest word sent,
    for as long as a code would live (the call it was sent for is still on)."""
    now = timezone.now()
    for v in events:
        if v.method == Verification.Method.REVERSE and v.status == S.SENT:
            return v if now - v.created < prefs.code_lifetime else None
    return None
