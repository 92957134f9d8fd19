"""The text of the private notes we add to Halo tickets."""

from __future__ import annotations

import html
import uuid
from datetime import UTC

from tickettab.models import Verification

M = Verification.Method


def _how(v: Verification) -> str:
    if v.method == M.SMS:
        return f"a one-time code sent by SMS to {v.destination}"
    if v.method == M.EMAIL:
        return f"a one-time code sent by email to {v.destination}"
    if v.method == M.PUSH:
        return f"a push to {v.destination}" + (
            f" (number matching: {v.challenge})" if v.challenge else ""
        )
    return f"a secure link sent by email to {v.destination}"


def note_text(v: Verification, marker: uuid.UUID) -> str:
    """Plain lines; names and reasons escaped, since Halo may render notes as HTML."""
    return escape_free_text(_note_text(v, marker))


def escape_free_text(text: str) -> str:
    return html.escape(text, quote=False)


def _note_text(v: Verification, marker: uuid.UUID) -> str:
    when = (v.completed_at or v.created).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if v.status == Verification.Status.VERIFIED:
        headline = f"Caller identity VERIFIED: {v.contact_name} confirmed {_how(v)}."
    elif v.status == Verification.Status.OVERRIDE:
        headline = (
            f"Caller identity confirmed by the technician WITHOUT a code ({v.contact_name}). "
            f"Reason given: {v.reason}"
        )
    elif v.status == Verification.Status.SENT:  # the reverse check
        headline = (
            f"Reverse check: the technician's word was sent to {v.contact_name} at "
            f"{v.destination}, to be read out so the caller knows the technician is genuine. "
            "This does not verify the caller."
        )
    elif v.status == Verification.Status.DENIED and v.method == M.PUSH:
        headline = (
            f"WARNING - POSSIBLE IMPERSONATION ATTEMPT: {v.contact_name} DENIED {_how(v)}. "
            "Do not act on this request without verifying the caller another way."
        )
    elif v.status == Verification.Status.DENIED:
        headline = (
            f"WARNING - POSSIBLE IMPERSONATION ATTEMPT: {v.contact_name} answered "
            f'"No, this wasn\'t me" to {_how(v)}. Do not act on this request without '
            "verifying the caller another way."
        )
    else:  # locked
        headline = (
            f"WARNING - verification FAILED: a wrong code was entered {v.wrong_attempts} times "
            f"for {_how(v)} ({v.contact_name}). The caller may not be who they claim."
        )
    return "\n".join(
        [
            f"MSP Process: {headline}",
            f"Technician: {v.agent_name}. Time: {when}.",
            f"Ref: {marker}",
        ]
    )
