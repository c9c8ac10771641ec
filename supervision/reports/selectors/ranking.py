"""The department evaluation (考评): each lead department's figures, score and thresholds."""

import datetime as dt

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Case,
)
from departments.models import Department

from ...models import (
    SupervisionOrder,
)
from ...models.reports import ReportThresholds
from .figures import (
    MIN_SAMPLE,
    _answered_callbacks,
    _case_counts,
    _closing_evaluations,
    _in,
    _order_counts,
    _orders_touched,
    _rating_counts,
    _reworked_cases,
    _touched,
    with_rates,
)


class Verdict:
    """What the ranking says of a department: the one place 达标 is decided."""

    MET = "met"
    BELOW = "below"
    INSUFFICIENT = "insufficient"
    NO_DATA = "no_data"


VERDICT_LABELS = {
    Verdict.MET: _("达标"),
    Verdict.BELOW: _("未达标"),
    Verdict.INSUFFICIENT: _("样本不足"),
    Verdict.NO_DATA: _("无数据"),
}


def _due_q(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> Q:
    """Cases whose acceptance or closure deadline fell in the period, up to now: the period's sample."""
    until = min(end, now)
    return _in("accept_by", start, until) | _in("due_by", start, until)


# --- The department evaluation (考评) -----------------------------------------------------------


def _grouped(queryset: QuerySet, key: str, aggregates: dict) -> dict[int, dict]:
    rows = queryset.values(key).annotate(**aggregates).order_by()
    return {row.pop(key): row for row in rows}


def score_of(row: dict) -> float | None:
    """The evaluation score: the mean of the rates a department has, out of 100."""
    keys = ("acceptance_rate", "closure_rate", "in_hand_on_time_rate", "satisfaction_rate")
    rates = [row[k] for k in keys if row[k] is not None]
    return round(100 * sum(rates) / len(rates), 1) if rates else None


def center_report(
    start: dt.datetime, end: dt.datetime, now: dt.datetime, *, thresholds: ReportThresholds | None = None
) -> tuple[dict, list[dict]]:
    """The center's figures and the department ranking together, in six queries.

    Cases, reworked cases, closing evaluations, callbacks and orders are each counted in one
    query grouped by department (cases without a lead department form their own group); the
    center's figures are the sums of those few groups, so they equal :func:`summary_figures`
    while each table is read once instead of twice.
    """
    thresholds = thresholds or ReportThresholds.current()
    groups = _department_groups(start, end, now)
    totals = {
        key: sum(group.get(key, 0) for table in groups for group in table.values())
        for key in _empty_counts(start, end, now)
    }
    # "due" is the ranking's sample size, not one of the center's figures.
    return with_rates(totals), _ranking(groups, start, end, now, thresholds)


def department_ranking(
    start: dt.datetime, end: dt.datetime, now: dt.datetime, *, thresholds: ReportThresholds | None = None
) -> list[dict]:
    """Every department's figures, best score first, the worst and those below the floors marked (six queries)."""
    return center_report(start, end, now, thresholds=thresholds)[1]


def _empty_counts(start, end, now) -> dict[str, int]:
    return {
        **dict.fromkeys(_case_counts(start, end, now), 0),
        "reworked": 0,
        **dict.fromkeys(_rating_counts("evaluations"), 0),
        **dict.fromkeys(_rating_counts("callbacks"), 0),
        **dict.fromkeys(_order_counts(start, end, now), 0),
    }


def _by_lead_department(queryset: QuerySet) -> QuerySet:
    """Annotate rows that point at a case with the case's lead department, looked up per row.

    A period holds a few thousand evaluations or callbacks while the case table holds every
    case ever: a primary-key lookup per row is cheaper than the hash join over the whole case
    table that the planner otherwise picks.
    """
    lead = Case.objects.filter(pk=OuterRef("case_id")).order_by().values("lead_department_id")[:1]
    return queryset.annotate(lead=Subquery(lead))


def _department_groups(start, end, now) -> tuple[dict, ...]:
    due = _due_q(start, end, now)
    cases = _grouped(
        Case.objects.filter(_touched(start, end, now) | due),
        "lead_department",
        {**_case_counts(start, end, now), "due": Count("id", filter=due)},
    )
    reworked = _grouped(_reworked_cases(start, end), "lead_department", {"reworked": Count("id")})
    evaluations = _grouped(
        _by_lead_department(_closing_evaluations(start, end)), "lead", _rating_counts("evaluations")
    )
    callbacks = _grouped(
        _by_lead_department(_answered_callbacks(start, end)), "lead", _rating_counts("callbacks")
    )
    orders = _grouped(
        SupervisionOrder.objects.filter(_orders_touched(start, end)),
        "department",
        _order_counts(start, end, now),
    )
    return cases, reworked, evaluations, callbacks, orders


def _ranking(groups, start, end, now, thresholds: ReportThresholds) -> list[dict]:
    with_data = {pk for table in groups for pk in table if pk is not None}
    departments = Department.objects.filter(Q(is_active=True) | Q(pk__in=with_data)).order_by("order", "id")
    empty = {**_empty_counts(start, end, now), "due": 0}
    rows = []
    for department in departments:
        counts = dict(empty)
        for table in groups:
            counts.update(table.get(department.pk, {}))
        row = with_rates(counts)
        judged = counts["due"] >= MIN_SAMPLE
        row |= {
            "department_id": department.pk,
            "slug": department.slug,
            "name": department.name,
            "short_name": department.short_name or department.name,
            "score": score_of(row),
            "sample": counts["due"],
            "below_satisfaction": judged
            and row["satisfaction_rate"] is not None
            and row["satisfaction_rate"] < thresholds.satisfaction,
            "below_on_time": judged
            and row["closure_rate"] is not None
            and row["closure_rate"] < thresholds.on_time,
        }
        row["below_floor"] = row["below_satisfaction"] or row["below_on_time"]
        row["verdict"] = verdict_of(row, judged=judged)
        row["verdict_label"] = VERDICT_LABELS[row["verdict"]]
        rows.append(row)
    # Best first; departments without any rate last; ties: fewer overdue first, then the usual order.
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["overdue"]))
    judged_rows = [r for r in rows if r["verdict"] in (Verdict.MET, Verdict.BELOW)]
    worst = min(judged_rows, key=lambda r: (r["score"], -r["overdue"])) if len(judged_rows) > 1 else None
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank if row["score"] is not None else None
        row["is_worst"] = row is worst
    return rows


def verdict_of(row: dict, *, judged: bool) -> str:
    """达标, 未达标, 样本不足 (fewer than MIN_SAMPLE cases due) or 无数据 (no rate at all)."""
    if row["score"] is None:
        return Verdict.NO_DATA
    if not judged:
        return Verdict.INSUFFICIENT
    return Verdict.BELOW if row["below_floor"] else Verdict.MET
