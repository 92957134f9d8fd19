"""Drive the Okta sandbox from Python: tests, the demo and benchmarks.

All state is in the database, so what one process sets, every worker sees.

    ensure_seeded() -> None
        Create the seeded org, token, users and factors if missing (seed.py).
        Idempotent; every sandbox request calls it too.
    create_token(token, *, name="MSP Process") -> OktaApiToken
        Accept `token` as an SSWS API token of the seeded org (idempotent). Only
        its SHA-256 is stored. The seeded one is seed.SEED_TOKEN.
    pending_pushes(login=None) -> list[dict]
        Pushes waiting for an answer, newest first, all or one login's: each with
        `id` (the transaction id), `login`, `factor_id`, `device`, `expires`,
        `choices` (three numbers for a number challenge, else []), `user_agent`,
        `client_ip`.
    answer(transaction_id, approve, number=None) -> str | None
        Approve or deny as the person would on Okta Verify; returns the push's
        result afterwards (SUCCESS, REJECTED, TIMEOUT, or WAITING never), None for
        an unknown transaction. A number challenge approved with a wrong number, or
        none, is REJECTED. The first answer wins; answering an expired push does
        nothing (it stays TIMEOUT).
    set_push_lifetime(seconds) -> None
        How long a push waits before TIMEOUT, for pushes sent from now on (None: the
        setting OKTA_SANDBOX_PUSH_LIFETIME_SECONDS, default Okta's 300). A verify
        request's own `tokenLifetimeSeconds` still wins.
    reset() -> None
        Back to a fresh org: no pushes, only the seeded token, the default lifetime.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from integrations.okta_sandbox import pushes, seed
from integrations.okta_sandbox.models import OktaApiToken, OktaOrg, OktaPush, sha256_hex
from integrations.okta_sandbox.seed import ensure_seeded

__all__ = [
    "answer",
    "create_token",
    "ensure_seeded",
    "pending_pushes",
    "reset",
    "set_push_lifetime",
]


def create_token(token: str, *, name: str = "MSP Process") -> OktaApiToken:
    ensure_seeded()
    created, _ = OktaApiToken.objects.get_or_create(
        token_hash=sha256_hex(token), defaults={"org_id": seed.ORG_ID, "name": name}
    )
    return created


def pending_pushes(login: str | None = None) -> list[dict[str, Any]]:
    return [
        {
            "id": push.id,
            "login": push.factor.user.login,
            "factor_id": push.factor_id,
            "device": push.factor.profile.get("name", ""),
            "expires": push.expires,
            "choices": list(push.choices),
            "user_agent": push.user_agent,
            "client_ip": push.client_ip,
        }
        for push in pushes.pending(login)
    ]


def answer(transaction_id: str, approve: bool, number: int | None = None) -> str | None:
    return pushes.answer(transaction_id, approve, number)


def set_push_lifetime(seconds: int | None) -> None:
    ensure_seeded()
    if seconds is not None and not 1 <= seconds <= pushes.MAX_LIFETIME_SECONDS:
        raise ValueError(f"A push lifetime is 1 to {pushes.MAX_LIFETIME_SECONDS} seconds.")
    OktaOrg.objects.filter(pk=seed.ORG_ID).update(push_lifetime_seconds=seconds)


def reset() -> None:
    ensure_seeded()
    with transaction.atomic():
        OktaPush.objects.all().delete()
        OktaApiToken.objects.exclude(token_hash=sha256_hex(seed.SEED_TOKEN)).delete()
        OktaOrg.objects.update(push_lifetime_seconds=None)
