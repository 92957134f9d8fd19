"""The devices page: each seeded person's phone, as Duo Mobile would show it.

A pending push shows who asks (the integration's name, the request type) and the
pushinfo lines (MSP Process sends the MSP and the ticket), with Approve and Deny.
Answers are POSTs with Django's CSRF token: a GET never answers a push.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from integrations.duo_sandbox import pushes
from integrations.duo_sandbox.models import DuoPush, DuoUser
from integrations.duo_sandbox.seed import ensure_seeded

RECENT = 10
NOTICES = {
    "1": "Answer recorded.",
    "0": "Too late: that push was already answered or has timed out. Nothing changed.",
}


@require_GET
def devices(request: HttpRequest) -> HttpResponse:
    ensure_seeded()
    waiting = pushes.pending()
    people = list(DuoUser.objects.prefetch_related("devices").order_by("halo_user_id", "id"))
    for person in people:
        person.waiting = [p for p in waiting if p.user_id == person.pk]  # type: ignore[attr-defined]
    now = timezone.now()
    recent = list(
        DuoPush.objects.exclude(pk__in=[p.pk for p in waiting]).select_related("user")[:RECENT]
    )
    for push in recent:
        push.state = pushes.state_of(push, now)  # type: ignore[attr-defined]
    answered = request.GET.get("answered", "")
    return render(
        request,
        "duo_sandbox/devices.html",
        {
            "people": people,
            "recent": recent,
            "timeout": pushes.push_timeout_seconds(),
            "notice": NOTICES.get(answered, ""),
        },
    )


@require_POST
def answer(request: HttpRequest, txid: str) -> HttpResponse:
    choice = request.POST.get("answer", "")
    if choice not in ("approve", "deny"):
        return HttpResponseBadRequest("Answer approve or deny.", content_type="text/plain")
    taken = pushes.answer(txid, approve=choice == "approve")
    return redirect(reverse("duo_sandbox:devices") + f"?answered={int(taken)}")
