"""The fictional people's Okta Verify: the pushes waiting for them, and their answers.

Each seeded person with an Okta Verify enrollment gets a panel: its pending pushes
(newest first) with who asks (the org, the caller's User-Agent and IP as the verify
request passed them on), Approve / Deny, and for a number challenge the three
numbers to pick from instead of Approve. Answers are POSTs with Django's CSRF
token (a GET never answers anything), then back to the page.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from integrations.okta_sandbox import pushes, seed
from integrations.okta_sandbox.endpoint import usable
from integrations.okta_sandbox.models import OktaFactor, OktaPush


@require_GET
def devices(request: HttpRequest) -> HttpResponse:
    seed.ensure_seeded()
    enrollments = list(
        OktaFactor.objects.filter(factor_type=OktaFactor.Type.PUSH)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "id")
    )
    waiting = pushes.pending()
    for enrollment in enrollments:
        enrollment.waiting = [p for p in waiting if p.factor_id == enrollment.id]  # type: ignore[attr-defined]
    return render(
        request,
        "okta_sandbox/devices.html",
        {"enrollments": enrollments, "any_waiting": bool(waiting), "org": seed.ORG_NAME},
    )


@require_POST
def answer(request: HttpRequest, transaction_id: str) -> HttpResponse:
    if not usable(transaction_id) or not OktaPush.objects.filter(pk=transaction_id).exists():
        raise Http404("No such push.")
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "deny"):
        return HttpResponseBadRequest("Choose approve or deny.", content_type="text/plain")
    raw = request.POST.get("number", "").strip()
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else None
    # An expired or already answered push is left as it is (pushes.answer).
    pushes.answer(transaction_id, decision == "approve", number)
    return redirect("okta_sandbox:devices")
