"""The verification dashboard's figures for a period of whole weeks (UTC, Monday first).

Every figure comes from grouped queries (values().annotate(Count)): the number of
queries does not grow with the number of verifications, and what comes back is one
row per week and outcome, per technician or per client, never one per verification.

The reverse check (method "reverse") proves the technician to the caller, not the
caller to us: it is left out of every chart and rate and counted on its own.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncWeek
from django.http import QueryDict
from django.utils import timezone

from mspprocess.core.models import Tenant
from tickettab.models import Verification

M, S = Verification.Method, Verification.Status
WEEK_CHOICES = (4, 12, 26)
DEFAULT_WEEKS = 12
TOP = 10
# Below this many timed verifications a median says more about one call than the team.
MEDIAN_MINIMUM = 5
# Attempts the caller answers with something we sent: their send-to-verified time means
# something. An override has no send; the reverse check no answer.
TIMED_METHODS = (M.SMS, M.EMAIL, M.LINK, M.PUSH)
NO_CLIENT = "No client recorded"

# The outcome charts' order and words: good first, then what needs a look.
OUTCOMES = (
    ("verified", "Verified"),
    ("override", "Verified another way (override)"),
    ("denied", "Denied by the contact"),
    ("locked", "Locked after wrong codes"),
    ("unanswered", "Expired or unanswered"),
    ("send_failed", "Could not be sent"),
    ("other", "Replaced by a newer attempt, or still waiting"),
)
_OUTCOME_OF_STATUS = {
    S.VERIFIED: "verified",
    S.OVERRIDE: "override",
    S.DENIED: "denied",
    S.LOCKED: "locked",
    S.EXPIRED: "unanswered",
    S.SEND_FAILED: "send_failed",
}


class PeriodForm(forms.Form):
    """The period picker. Anything but one of the offered choices falls back to the
    default (`read`): a crafted ?weeks= never reaches int() or the database."""

    weeks = forms.TypedChoiceField(
        label="Period",
        choices=[(str(n), f"Last {n} weeks") for n in WEEK_CHOICES],
        coerce=int,
    )

    @classmethod
    def read(cls, query: QueryDict) -> tuple[PeriodForm, int]:
        form = cls(query)
        if "weeks" in query and form.is_valid():
            return form, form.cleaned_data["weeks"]
        # Unbound, so the select shows the default instead of an impossible value.
        return cls(initial={"weeks": str(DEFAULT_WEEKS)}), DEFAULT_WEEKS


@dataclass(frozen=True)
class Row:
    """One line of a ranking: a technician, a client or a method, and its count."""

    label: str
    count: int
    note: str = ""


@dataclass
class Figures:
    weeks: int
    start: datetime
    week_starts: list[date]
    total: int = 0
    # week start → outcome key → count
    weekly: dict[date, Counter[str]] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    methods: list[Row] = field(default_factory=list)
    technicians: list[Row] = field(default_factory=list)
    clients: list[Row] = field(default_factory=list)
    pushes: Counter[str] = field(default_factory=Counter)
    reverse_checks: int = 0
    timed: int = 0
    median: timedelta | None = None

    @property
    def finished(self) -> int:
        """Verifications that ended in a decision; unanswered, unsent and replaced
        attempts are not decisions and would water the rates down."""
        return sum(self.outcomes[k] for k in ("verified", "override", "denied", "locked"))

    @property
    def override_rate(self) -> float | None:
        return self.outcomes["override"] / self.finished if self.finished else None

    @property
    def denials(self) -> int:
        return self.outcomes["denied"] + self.outcomes["locked"]

    @property
    def denial_rate(self) -> float | None:
        return self.denials / self.finished if self.finished else None


def period_start(weeks: int, now: datetime) -> datetime:
    """Monday 00:00 UTC, `weeks - 1` weeks before this week's: this week and the ones
    before it, whole, so that every column of the chart is a full week but the last."""
    today = now.astimezone(UTC).date()
    monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    return datetime.combine(monday, time.min, tzinfo=UTC)


def _outcome_expression(now: datetime) -> Case:
    # A code or push left pending past its expiry is marked expired only when someone
    # next looks at it (verification.check, push.poll): here it already is unanswered.
    return Case(
        When(status=S.PENDING, expires_at__lte=now, then=Value(S.EXPIRED.value)),
        default=F("status"),
        output_field=CharField(),
    )


def figures(tenant: Tenant, weeks: int = DEFAULT_WEEKS, *, now: datetime | None = None) -> Figures:
    now = now or timezone.now()
    start = period_start(weeks, now)
    result = Figures(
        weeks=weeks,
        start=start,
        week_starts=[start.date() + timedelta(weeks=i) for i in range(weeks)],
    )
    in_period = Verification.objects.filter(tenant=tenant, created__gte=start, created__lte=now)
    _count_outcomes(result, in_period, now)
    if not result.total:
        return result  # one query for an empty period
    verifications = in_period.exclude(method=M.REVERSE)
    totals = verifications.aggregate(
        technicians=Count("agent_name", distinct=True),
        clients=Count("halo_client_id", distinct=True),
        without_client=Count("pk", filter=Q(halo_client_id__isnull=True)),
        timed=Count("pk", filter=_timed()),
    )
    result.technicians = _technicians(verifications, result.total, totals["technicians"])
    client_groups = totals["clients"] + (1 if totals["without_client"] else 0)
    result.clients = _clients(verifications, result.total, client_groups)
    result.timed = totals["timed"]
    if result.timed >= MEDIAN_MINIMUM:
        result.median = _median(verifications, result.timed)
    return result


def _count_outcomes(result: Figures, in_period: QuerySet[Verification], now: datetime) -> None:
    """Weekly outcomes, methods, pushes and reverse checks: one grouped query."""
    weekly: dict[date, Counter[str]] = {week: Counter() for week in result.week_starts}
    methods: Counter[str] = Counter()
    grouped = (
        in_period.annotate(week=TruncWeek("created", tzinfo=UTC), outcome=_outcome_expression(now))
        .values("week", "method", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for group in grouped:
        n, method = group["n"], group["method"]
        if method == M.REVERSE:
            result.reverse_checks += n
            continue
        outcome = _OUTCOME_OF_STATUS.get(group["outcome"], "other")
        week = group["week"]
        week = week.date() if isinstance(week, datetime) else week
        weekly.setdefault(week, Counter())[outcome] += n
        result.outcomes[outcome] += n
        methods[method] += n
        if method == M.PUSH:
            result.pushes[outcome] += n
    result.weekly = weekly
    result.total = sum(result.outcomes.values())
    labels = dict(M.choices)
    result.methods = [Row(labels[m], methods[m]) for m in M.values if m != M.REVERSE and methods[m]]


def _timed() -> Q:
    return Q(status=S.VERIFIED, method__in=TIMED_METHODS, completed_at__isnull=False)


def _with_others(top: list[Row], total: int, groups: int, noun: str) -> list[Row]:
    rest = total - sum(row.count for row in top)
    if rest <= 0:
        return top
    more = groups - len(top)
    plural = noun if more == 1 else f"{noun}s"
    return [*top, Row(f"Others ({more} {plural})", rest)]


def _technicians(verifications: QuerySet[Verification], total: int, groups: int) -> list[Row]:
    top = (
        verifications.values("agent_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "agent_name")[:TOP]
    )
    rows = [Row(g["agent_name"] or "Unnamed technician", g["n"]) for g in top]
    return _with_others(rows, total, groups, "technician")


def _clients(verifications: QuerySet[Verification], total: int, groups: int) -> list[Row]:
    top = list(
        verifications.values("halo_client_id")
        .annotate(n=Count("pk"))
        .order_by("-n", F("halo_client_id").asc(nulls_last=True))[:TOP]
    )
    names = _client_names(verifications, [g["halo_client_id"] for g in top])
    rows = []
    for g in top:
        client_id = g["halo_client_id"]
        if client_id is None:
            rows.append(Row(NO_CLIENT, g["n"]))
            continue
        known = names.get(client_id, [])
        label = known[0] if known else f"Halo client #{client_id}"
        # Renamed in Halo: the newest name leads, the older ones are said.
        note = f"Also recorded as {', '.join(known[1:])}" if len(known) > 1 else ""
        rows.append(Row(label, g["n"], note))
    return _with_others(rows, total, groups, "client")


def _client_names(
    verifications: QuerySet[Verification], ids: list[int | None]
) -> dict[int, list[str]]:
    """Each client's names of the period, newest first: one row per (client, name)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    seen = (
        verifications.filter(halo_client_id__in=wanted)
        .exclude(client_name="")
        .values("halo_client_id", "client_name")
        .annotate(last=Max("created"))
        .order_by("halo_client_id", "-last", "client_name")
    )
    names: dict[int, list[str]] = defaultdict(list)
    for g in seen:
        names[g["halo_client_id"]].append(g["client_name"])
    return names


def _median(verifications: QuerySet[Verification], timed: int) -> timedelta:
    """The middle of the send-to-verified times: the one or two middle rows of the
    sorted durations, read by offset, so one query and two rows whatever `timed` is."""
    duration = ExpressionWrapper(F("completed_at") - F("created"), output_field=DurationField())
    middle = (timed - 1) // 2
    rows = list(
        verifications.filter(_timed())
        .annotate(duration=duration)
        .order_by("duration", "pk")
        .values_list("duration", flat=True)[middle : middle + 2 - timed % 2]
    )
    return sum(rows, timedelta()) / len(rows)


def percent(rate: float | None) -> str:
    """12%, or 0.4% when a whole number would say 0% of something that happened."""
    if rate is None:
        return "—"
    shown = rate * 100
    # Half up, as people round (Python's format rounds 12.5 to 12).
    if 0 < shown < 10:
        return f"{math.floor(shown * 10 + 0.5) / 10:.1f}%"
    return f"{math.floor(shown + 0.5)}%"


def spoken_duration(value: timedelta) -> str:
    seconds = max(0, round(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    return f"{seconds} s"
