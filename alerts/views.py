"""The workspace admin's alert pages: the alerts (with their acknowledgement) and the
alert settings (security contacts, the chat webhook, a test alert)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from alerts import services, wording
from alerts.forms import AcknowledgeForm, AlertSettingsForm
from alerts.models import Alert, AlertDelivery, AlertSettings
from mspprocess.core.access import tenant_view
from mspprocess.core.models import Membership, Tenant
from mspprocess.parsing import parse_id

admin_view = tenant_view(Membership.Role.ADMIN)
PAGE_SIZE = 25


def _page(tenant: Tenant, raw_page: Any) -> Any:
    # Open alerts first (someone must act on them), then the newest.
    open_first = Case(
        When(acknowledged_at__isnull=True, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    rows = (
        Alert.objects.filter(tenant=tenant)
        .prefetch_related(
            Prefetch("deliveries", queryset=AlertDelivery.objects.order_by("channel"))
        )
        .order_by(open_first, "-created", "-pk")
    )
    return Paginator(rows, PAGE_SIZE).get_page(raw_page)


def _list_page(
    request: HttpRequest,
    tenant: Tenant,
    *,
    failed: tuple[int, AcknowledgeForm] | None = None,
    raw_page: Any = None,
) -> HttpResponse:
    page = _page(tenant, raw_page if raw_page is not None else request.GET.get("page"))
    page.object_list = list(page.object_list)
    for alert in page.object_list:
        alert.words = wording.describe(alert)  # the title and facts the email had
    counts = Alert.objects.filter(tenant=tenant).aggregate(
        open=Count("pk", filter=Q(acknowledged_at__isnull=True)), total=Count("pk")
    )
    ctx = {
        "tenant": tenant,
        "page": page,
        "counts": counts,
        "prefs": AlertSettings.for_tenant(tenant),
        "blank_form": AcknowledgeForm(),
        "failed_pk": failed[0] if failed else None,
        "failed_form": failed[1] if failed else None,
        "active": "alerts",
    }
    return render(request, "alerts/list.html", ctx)


@admin_view
def alert_list(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    return _list_page(request, tenant)


@require_POST
@admin_view
def acknowledge(request: HttpRequest, tenant: Tenant, pk: int) -> HttpResponse:
    # Another workspace's alert is as unknown as one that does not exist.
    alert = get_object_or_404(Alert.objects.filter(tenant=tenant).select_related("tenant"), pk=pk)
    page = parse_id(request.POST.get("page", "")) or 1
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _list_page(request, tenant, failed=(alert.pk, form), raw_page=page)
    if services.acknowledge(alert, form.cleaned_data["note"], actor=request.user, request=request):
        messages.success(request, f"Alert about {alert.contact_name} acknowledged.")
    else:
        alert.refresh_from_db()
        messages.warning(
            request,
            f"{alert.acknowledged_by_name or 'Someone'} had already acknowledged this alert; "
            "their note stands.",
        )
    url = reverse("alerts", args=[tenant.slug])
    return redirect(
        f"{url}?page={page}#alert-{alert.pk}" if page > 1 else f"{url}#alert-{alert.pk}"
    )


@admin_view
def alert_settings(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    prefs = AlertSettings.for_tenant(tenant)
    form = AlertSettingsForm(request.POST or None, prefs=prefs)
    if request.method == "POST":
        if form.is_valid():
            changed = services.save_settings(
                prefs, form.cleaned_data, actor=request.user, request=request
            )
            messages.success(request, "Alert settings saved." if changed else "Nothing changed.")
            return redirect("alert_settings", tenant.slug)
        prefs.refresh_from_db()  # what the page shows beside the form is what is stored
    ctx = {
        "tenant": tenant,
        "form": form,
        "prefs": prefs,
        "active": "alert_settings",
    }
    return render(request, "alerts/settings.html", ctx)


@require_POST
@admin_view
def test_alert(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    prefs = AlertSettings.for_tenant(tenant)
    if not prefs.channels:
        messages.error(
            request, "Add a security contact or a chat webhook first: there is nobody to tell."
        )
        return redirect("alert_settings", tenant.slug)
    wait = services.test_allowed(prefs)
    if wait:
        messages.error(request, f"A test alert was just sent. Wait {wait} seconds to send another.")
        return redirect("alert_settings", tenant.slug)
    for result in services.send_test(prefs):
        if result.ok:
            messages.success(request, f"{result.channel}: {result.message}")
        else:
            messages.error(
                request, f"{result.channel}: the test alert was not sent. {result.message}"
            )
    return redirect("alert_settings", tenant.slug)
