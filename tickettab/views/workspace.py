"""The admins' workspace pages of the tab: the verification settings, the report,
and the integration page's buttons that rotate the tab URL and secret."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mspprocess.core.access import tenant_view
from mspprocess.core.models import Membership, Tenant
from tickettab import outbox, services
from tickettab.forms import ReportFilterForm, VerificationSettingsForm
from tickettab.models import Note, Verification, VerificationSettings

admin_view = tenant_view(Membership.Role.ADMIN)
# The integration page's access: customer admins, and account managers onboarding.
integration_view = tenant_view(Membership.Role.ADMIN, staff_permission="mspprocess.change_tenant")

PAGE_SIZE = 50
OUTBOX_LIST_SIZE = 20
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection);
# tab and carriage return are on OWASP's list too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = [
    ("created", "Time (UTC)"),
    ("contact_name", "Contact"),
    ("halo_user_id", "Halo user id"),
    ("ticket_id", "Ticket"),
    ("method", "Method"),
    ("destination", "Sent to"),
    ("agent_name", "Technician"),
    ("status", "Outcome"),
    ("reason", "Override reason"),
    ("completed_at", "Completed (UTC)"),
]


@admin_view
def verification_settings(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    prefs = VerificationSettings.for_tenant(tenant)
    if request.method == "POST":
        form = VerificationSettingsForm(request.POST, instance=prefs)
        if form.is_valid():
            prefs = services.save_settings(form, actor=request.user, request=request)
            messages.success(request, "Verification settings saved.")
            if not prefs.enabled_methods:
                messages.warning(
                    request,
                    "Every sending method is off: technicians can only record “Verified "
                    "another way” with a reason until you turn one back on.",
                )
            return redirect("verification_settings", tenant.slug)
    else:
        form = VerificationSettingsForm(instance=prefs)
    ctx = {
        "tenant": tenant,
        "form": form,
        # On an invalid POST the instance holds what was submitted (not saved).
        "override_only": not form.instance.enabled_methods,
        "active": "settings",
    }
    return render(request, "tickettab/workspace/settings.html", ctx)


def csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() hands back the line csv.writer produced."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: QuerySet[Verification]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([title for _, title in CSV_COLUMNS])
    labels = {
        "method": dict(Verification.Method.choices),
        "status": dict(Verification.Status.choices),
    }
    fields = [name for name, _ in CSV_COLUMNS]
    for row in rows.values_list(*fields).iterator(chunk_size=2000):
        cells = []
        for name, value in zip(fields, row, strict=True):
            if name in labels:
                value = labels[name].get(value, value)
            elif name in ("created", "completed_at"):
                value = value.isoformat(timespec="seconds") if value else ""
            cells.append(csv_safe(value))
        yield writer.writerow(cells)


def _csv_response(tenant: Tenant, rows: QuerySet[Verification]) -> StreamingHttpResponse:
    # Streamed: a year of verifications need not sit in memory at once.
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    filename = f"verifications-{tenant.slug}-{timezone.now():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _outbox(tenant: Tenant) -> dict[str, Any]:
    """Notes that have not reached Halo yet: two queries whatever their number."""
    waiting = Note.objects.filter(
        tenant=tenant, status__in=[Note.Status.PENDING, Note.Status.FAILED]
    )
    counts = waiting.aggregate(
        pending=Count("pk", filter=Q(status=Note.Status.PENDING)),
        failed=Count("pk", filter=Q(status=Note.Status.FAILED)),
    )
    # Failed notes first: they need someone to act, pending ones will be retried.
    failed_first = Case(
        When(status=Note.Status.FAILED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    # The real next attempt: a note held by a sender goes when its lease ends, and
    # one whose time has passed goes at the next pass (shown as "now", as None).
    notes = list(
        waiting.annotate(next_attempt=outbox.next_attempt())
        .order_by(failed_first, "next_attempt")
        .values("pk", "ticket_id", "status", "attempts", "next_attempt", "last_error", "created")[
            :OUTBOX_LIST_SIZE
        ]
    )
    for n in notes:
        n["next_attempt"] = outbox.shown_next_attempt(n["next_attempt"])
    total = counts["pending"] + counts["failed"]
    return {**counts, "notes": notes, "more": max(0, total - len(notes))}


@admin_view
def verifications(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    everything = Verification.objects.filter(tenant=tenant)
    technicians = list(
        everything.order_by("agent_name").values_list("agent_name", flat=True).distinct()
    )
    form = ReportFilterForm(request.GET, technicians=technicians)
    rows = form.filter(everything).order_by("-created", "-pk")
    if request.GET.get("format") == "csv":
        return _csv_response(tenant, rows)

    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "tenant": tenant,
        "form": form,
        "page": page,
        "outbox": _outbox(tenant),
        "active": "verifications",
    }
    return render(request, "tickettab/workspace/verifications.html", ctx)


@require_POST
@integration_view
def tab_rotate(request: HttpRequest, tenant: Tenant, what: str) -> HttpResponse:
    tab = services.tab_for(tenant)
    if what == "tab-key":
        services.rotate_key(tab, actor=request.user, request=request)
        messages.success(
            request,
            "New tab URL generated. The old one has stopped working: paste the new URL "
            "into your custom tab in Halo.",
        )
    else:
        services.rotate_secret(tab, actor=request.user, request=request)
        messages.success(
            request,
            "New tab secret generated. The old one has stopped working: paste the new "
            "secret into your custom tab in Halo.",
        )
    return redirect("integration", tenant.slug)
