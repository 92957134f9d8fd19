"""A filter form with a date range, shared by the report pages of a workspace."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class DateRangeFilterForm(forms.Form):
    """Optional From/To dates on `created`; subclasses add their own filters.

    A field that does not validate (a mistyped date) is ignored, not the others.
    """

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

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.fields)

    def filter(self, qs: QuerySet) -> QuerySet:
        self.is_valid()
        data = self.cleaned_data
        if start := data.get("date_from"):
            qs = qs.filter(created__gte=start_of(start))
        # The whole "to" day is included; the calendar's last day (9999-12-31) has no
        # day after it, and nothing was created after it either.
        if (end := data.get("date_to")) and end < date.max:
            qs = qs.filter(created__lt=start_of(end + timedelta(days=1)))
        return qs
