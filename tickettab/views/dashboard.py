"""The verification dashboard (/t/<slug>/verifications/dashboard/): the report's
figures for the last weeks as charts, each with its numbers as a table.

A page of its own so that the report stays one fast table; the same people see both.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateformat import format as format_date

from mspprocess.core.models import Tenant
from tickettab import charts, dashboard
from tickettab.dashboard import Figures, Row
from tickettab.views.workspace import admin_view

SERIES = tuple(charts.Series(key, label, f"s-{key}") for key, label in dashboard.OUTCOMES)
# The weekly table's column headings: eight columns must fit beside the weeks. The
# legend above the chart says each in full.
SHORT = {
    "verified": "Verified",
    "override": "Override",
    "denied": "Denied",
    "locked": "Locked",
    "unanswered": "Unanswered",
    "send_failed": "Not sent",
    "other": "Replaced or waiting",
}


@admin_view
def verification_dashboard(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    form, weeks = dashboard.PeriodForm.read(request.GET)
    figures = dashboard.figures(tenant, weeks)
    ctx: dict[str, Any] = {
        "tenant": tenant,
        "form": form,
        "figures": figures,
        "since": figures.start.date(),
        "active": "dashboard",
    }
    if figures.total:
        ctx.update(_charts(figures))
    return render(request, "tickettab/workspace/dashboard.html", ctx)


def _charts(figures: Figures) -> dict[str, Any]:
    return {
        "weekly": _weekly(figures),
        "by_method": _bars("method", "By method", "Method", figures.methods),
        "by_technician": _bars("technician", "By technician", "Technician", figures.technicians),
        "by_client": _bars("client", "By client", "Client", figures.clients),
        "rates": {
            "override": dashboard.percent(figures.override_rate),
            "denial": dashboard.percent(figures.denial_rate),
        },
        "median": (
            dashboard.spoken_duration(figures.median) if figures.median is not None else None
        ),
        "minimum": dashboard.MEDIAN_MINIMUM,
    }


def _weekly(figures: Figures) -> dict[str, Any]:
    days = [format_date(week, "j M Y") for week in figures.week_starts]
    columns = [
        (format_date(week, "j M"), f"Week of {day}", dict(figures.weekly.get(week, {})))
        for week, day in zip(figures.week_starts, days, strict=True)
    ]
    # The period ends now: its last week is this one, not over yet.
    label, title, counts = columns[-1]
    columns[-1] = (label, f"{title}, so far", counts)
    shown = [s for s in SERIES if figures.outcomes[s.key]]
    parts = ", ".join(f"{figures.outcomes[s.key]} {s.label.lower()}" for s in shown)
    first, last = figures.week_starts[0], figures.week_starts[-1]
    summary = (
        f"Verifications per week by outcome, weeks of {format_date(first, 'j M Y')} to "
        f"{format_date(last, 'j M Y')}: {figures.total} in all, {parts}."
    )
    return {
        "chart": charts.stacked_columns(columns, SERIES),
        "series": SERIES,
        "shown": shown,
        "headings": [SHORT[s.key] for s in SERIES],
        "rows": [
            (day, [counts.get(s.key, 0) for s in SERIES], sum(counts.values()))
            for day, (_, _, counts) in zip(days, columns, strict=True)
        ],
        "current": days[-1],
        "totals": [figures.outcomes[s.key] for s in SERIES],
        "summary": summary,
    }


def _bars(key: str, title: str, heading: str, rows: list[Row]) -> dict[str, Any]:
    listed = "; ".join(f"{row.label}: {row.count}" for row in rows)
    return {
        "id": f"chart-{key}",
        "title": title,
        "heading": heading,
        "chart": charts.horizontal_bars([(row.label, row.count) for row in rows]),
        "rows": rows,
        "summary": f"Verifications {title.lower()}: {listed}.",
    }
