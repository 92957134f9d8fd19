"""The secure-link page the contact opens from their email.

A GET only shows the question: mail scanners and link previews fetch links, and
must not verify anyone. Only the POST of a button counts.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from tickettab import verification
from tickettab.models import Verification


@never_cache
def secure_link(request: HttpRequest, token: str) -> HttpResponse:
    v = verification.find_link(token) if len(token) < 100 else None
    if v is None:
        return render(request, "tickettab/link_invalid.html", status=404)
    msp = v.tenant.name
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer not in ("yes", "no"):
            return render(request, "tickettab/link.html", {"v": v, "msp": msp}, status=400)
        try:
            v = verification.answer_link(token, confirmed=answer == "yes")
        except verification.VerificationError as e:
            return render(
                request, "tickettab/link_done.html", {"msp": msp, "error": e.message}, status=409
            )
        return render(request, "tickettab/link_done.html", {"msp": msp, "v": v})

    if v.status != Verification.Status.PENDING or v.is_expired:
        return render(
            request,
            "tickettab/link_done.html",
            {"msp": msp, "error": _finished_message(v)},
            status=410,
        )
    # The site-wide same-origin referrer policy applies: with "no-referrer" the
    # browser would post the buttons with "Origin: null", which CSRF refuses.
    return render(request, "tickettab/link.html", {"v": v, "msp": msp})


def _finished_message(v: Verification) -> str:
    if v.status == Verification.Status.VERIFIED:
        return "You have already confirmed it was you. Thank you: you can close this page."
    if v.status == Verification.Status.DENIED:
        return "You have already told us this wasn't you. Thank you: we will not act on it."
    return (
        "This link has expired or been replaced by a newer one. If you are in touch with "
        "support, ask them to send a new link."
    )
