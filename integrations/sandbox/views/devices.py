"""The sandbox's devices: every SMS and email "delivered" to its fictional people.

This is where a demo user reads the one-time code that MSP Process sent to the
ticket's end user, so bodies are shown in full. Filter with `?to=<address or
number>` or `?user=<end user id>` (all of that person's addresses and numbers).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from integrations.sandbox import csp, seed
from integrations.sandbox.inbox import destination_key, find_code
from integrations.sandbox.models import SandboxMessage, SandboxUser

SHOWN = 200


def _keys(user: SandboxUser) -> list[str]:
    values = (user.emailaddress, user.mobilenumber, user.phonenumber)
    return [k for k in (destination_key(v) for v in values if v) if k]


@require_GET
def devices(request: HttpRequest) -> HttpResponse:
    seed.ensure_seeded()
    users = list(SandboxUser.objects.select_related("site__client").order_by("id"))
    owners = {key: user for user in users for key in _keys(user)}

    to = request.GET.get("to", "").strip()
    raw_user = request.GET.get("user", "").strip()
    person = next((u for u in users if str(u.id) == raw_user), None)
    qs = SandboxMessage.objects.all()
    if to:
        key = destination_key(to)
        # No address holds NUL, and PostgreSQL refuses to even compare one.
        qs = qs.filter(to_key=key) if "\x00" not in key else qs.none()
    if raw_user:
        qs = qs.filter(to_key__in=_keys(person)) if person else qs.none()
    shown = list(qs[:SHOWN])
    for message in shown:
        message.owner = owners.get(message.to_key)  # type: ignore[attr-defined]
        message.code = find_code(message.body)  # type: ignore[attr-defined]

    ctx = {
        "messages_shown": shown,
        "total": qs.count(),
        "users": users,
        "person": person,
        "to": to,
        "filtered": bool(to or raw_user),
        "section": "devices",
    }
    return csp.allow_mail_styles(render(request, "sandbox/devices.html", ctx))
