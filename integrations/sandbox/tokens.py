"""Access tokens: random, stored as sha256 digests, bound to an application."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from integrations.sandbox.models import SandboxApplication, SandboxToken, sha256_hex

DEFAULT_EXPIRES_IN = 3600


def issue(application: SandboxApplication, scope: str, expires_in: int) -> str:
    now = timezone.now()
    # Benchmarks fetch many tokens; drop this application's dead ones as we go.
    SandboxToken.objects.filter(application=application, expires__lte=now).delete()
    token = secrets.token_urlsafe(32)
    SandboxToken.objects.create(
        token_hash=sha256_hex(token),
        application=application,
        scope=scope,
        expires=now + timedelta(seconds=expires_in),
    )
    return token


def from_request(request: HttpRequest) -> SandboxToken | None:
    """The live token in `Authorization: Bearer …`, or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        return None
    return (
        SandboxToken.objects.select_related("application__agent")
        .filter(token_hash=sha256_hex(value), expires__gt=timezone.now())
        .first()
    )
