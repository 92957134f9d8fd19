"""The workspace's audit trail, for its admins: who changed what, and when."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mspprocess.access import tenant_view
from mspprocess.audit import AuditEvent
from mspprocess.models import Membership, Tenant

PAGE_SIZE = 50
# A workspace's own trail never holds its deletion.
ACTION_CHOICES = [
    (value, label)
    for value, label in AuditEvent.Action.choices
    if value != AuditEvent.Action.TENANT_DELETED
]


class AuditFilterForm(forms.Form):
    """Every field is optional; one that does not validate is ignored, not the others."""

    action = forms.ChoiceField(
        label="Event", required=False, choices=[("", "Any event"), *ACTION_CHOICES]
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = "Enter a date like 2025-01-31."
        self.fields["action"].error_messages["invalid_choice"] = "Choose an event from the list."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.fields)

    def filter(self, qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        self.is_valid()
        data = self.cleaned_data
        if action := data.get("action"):
            qs = qs.filter(action=action)
        if start := data.get("date_from"):
            qs = qs.filter(created__gte=_start_of(start))
        if end := data.get("date_to"):
            # The whole "to" day is included.
            qs = qs.filter(created__lt=_start_of(end + timedelta(days=1)))
        return qs


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@tenant_view(Membership.Role.ADMIN)
def audit(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    # The actor is joined only to mark our staff's changes; the name is on the event.
    events = form.filter(AuditEvent.objects.filter(tenant=tenant)).select_related("actor")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"tenant": tenant, "form": form, "page": page, "active": "audit"}
    return render(request, "mspprocess/audit.html", ctx)
