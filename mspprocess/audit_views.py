"""The workspace's audit trail, for its admins: who changed what, and when."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mspprocess.access import tenant_view
from mspprocess.audit import AuditEvent
from mspprocess.filters import DateRangeFilterForm
from mspprocess.models import Membership, Tenant

PAGE_SIZE = 50
# A workspace's own trail never holds its deletion.
ACTION_CHOICES = [
    (value, label)
    for value, label in AuditEvent.Action.choices
    if value != AuditEvent.Action.TENANT_DELETED
]


class AuditFilterForm(DateRangeFilterForm):
    """Every field is optional; one that does not validate is ignored, not the others."""

    action = forms.ChoiceField(
        label="Event", required=False, choices=[("", "Any event"), *ACTION_CHOICES]
    )
    field_order = ["action", "date_from", "date_to"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].error_messages["invalid_choice"] = "Choose an event from the list."

    def filter(self, qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        qs = super().filter(qs)
        if action := self.cleaned_data.get("action"):
            qs = qs.filter(action=action)
        return qs


@tenant_view(Membership.Role.ADMIN)
def audit(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    # The actor is joined only to mark our staff's changes; the name is on the event.
    events = form.filter(AuditEvent.objects.filter(tenant=tenant)).select_related("actor")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"tenant": tenant, "form": form, "page": page, "active": "audit"}
    return render(request, "mspprocess/audit.html", ctx)
