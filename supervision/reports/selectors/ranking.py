"""The department evaluation (考评): each lead department's figures, score and thresholds."""

import datetime as dt

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Case,
    Referral,
    ReferralKind,
    WhistleSummons,
)
from departments.models import Center, Department

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
    ratio,
    scope_q,
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


def _grouped(queryset: QuerySet, keys: tuple[str, str], aggregates: dict) -> dict[tuple, dict]:
    """One grouped query: ``{(center id, department id): {figure: count}}``."""
    rows = queryset.values(*keys).annotate(**aggregates).order_by()
    return {(row.pop(keys[0]), row.pop(keys[1])): row for row in rows}


SCORE_KEYS = ("acceptance_rate", "closure_rate", "in_hand_on_time_rate", "satisfaction_rate", "whistle_rate")


def score_of(row: dict) -> float | None:
    """The evaluation score: the mean of the rates a department has, out of 100.

    The rates are acceptance on time, closure on time, in hand on time, satisfaction and, for a
    department summoned by a whistle in the period, reporting on time (按时报到率): every late or
    missing answer lowers it, and with it the score.
    """
    rates = [row[k] for k in SCORE_KEYS if row.get(k) is not None]
    return round(100 * sum(rates) / len(rates), 1) if rates else None


def whistle_counts(now: dt.datetime) -> dict[str, Count]:
    """The summonses of whistles: all, answered on time, answered late or still waiting past the deadline."""
    late = Q(reported_at__gt=F("respond_by")) | Q(status=WhistleSummons.Status.WAITING, respond_by__lt=now)
    return {
        "whistle_summoned": Count("id"),
        "whistle_on_time": Count("id", filter=Q(reported_at__lte=F("respond_by"))),
        "whistle_late": Count("id", filter=late),
    }


def _whistle_rate(counts: dict) -> float | None:
    return ratio(counts["whistle_on_time"], counts["whistle_on_time"] + counts["whistle_late"])


def center_report(
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    *,
    thresholds: ReportThresholds | None = None,
    centers=None,
) -> tuple[dict, list[dict]]:
    """The center's figures and the department ranking together (see :func:`network_report`).

    With ``centers`` a Center: its subtree's figures, and the ranking of the departments at that
    center. Without: every case, every department (the API's older callers).
    """
    report = network_report(start, end, now, thresholds=thresholds, centers=centers, children=False)
    network_only = {"due", "reported_up", "whistle_rate", *whistle_counts(now)}
    figures = {key: value for key, value in report["figures"].items() if key not in network_only}
    return figures, report["ranking"]


def department_ranking(
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    *,
    thresholds: ReportThresholds | None = None,
    centers=None,
) -> list[dict]:
    """Every department's figures, best score first, the worst and those below the floors marked."""
    return center_report(start, end, now, thresholds=thresholds, centers=centers)[1]


def network_report(
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    *,
    thresholds: ReportThresholds | None = None,
    centers=None,
    children: bool = True,
) -> dict:
    """A center's figures, its department ranking and its child centers' table, in a fixed number of queries.

    Cases, reworked cases, closing evaluations, callbacks, orders and whistle summonses are each
    counted in **one** query grouped by (center, department); reports up in one query grouped by
    the sending center. Every table below is a sum of those few groups: the center's figures (all
    of them, so they equal :func:`summary_figures`), the ranking (by department) and one row per
    direct child center (the groups of the centers in the child's subtree, by path), plus the
    center's own row ("本级"). The number of queries does not depend on the number of children.
    """
    thresholds = thresholds or ReportThresholds.current()
    root = centers if isinstance(centers, Center) else None
    groups = _groups(start, end, now, centers, reported_up=children)
    empty = _empty_counts(start, end, now)
    totals = _with_all_rates(_sum(groups, empty, lambda key: True))
    ranking = _ranking(groups, start, end, now, thresholds, level=root)
    children = _children(groups, empty, root) if root is not None and children else []
    return {"figures": totals, "ranking": ranking, "children": children}


def _sum(groups, empty: dict, keep) -> dict:
    counts = dict(empty)
    for table in groups:
        for key, row in table.items():
            if keep(key):
                for name, value in row.items():
                    counts[name] += value
    return counts


def _with_all_rates(counts: dict) -> dict:
    row = with_rates(counts)
    row["whistle_rate"] = _whistle_rate(counts)
    return row


def _children(groups, empty: dict, root: Center) -> list[dict]:
    """One row per direct child of ``root`` (its whole subtree), and root's own row first.

    Each center of the subtree belongs to the child whose path prefixes its own (the next code
    in its path after root's); one pass over the groups adds each into its row, so a province
    with a thousand townships costs one sweep, not one per child.
    """
    centers = list(
        Center.objects.filter(path__startswith=root.path)
        .only("pk", "path", "parent_id", "name", "slug", "code", "level")
        .order_by("code")
    )
    children = [c for c in centers if c.parent_id == root.pk]
    row_of_path = {root.path: 0, **{c.path: i for i, c in enumerate(children, start=1)}}
    row_of_center = {}
    for center in centers:
        rest = center.path[len(root.path) :]
        top = root.path + rest.split("/", 1)[0] + "/" if rest else root.path
        row_of_center[center.pk] = row_of_path.get(top)
    counts = [dict(empty) for _ in range(len(children) + 1)]
    for table in groups:
        for (center_id, _department), row in table.items():
            index = row_of_center.get(center_id)
            if index is None:
                continue
            target = counts[index]
            for name, value in row.items():
                target[name] += value
    rows = [_with_all_rates(counts[0]) | {"center": root, "is_own": True, "center_id": root.pk}]
    for index, child in enumerate(children, start=1):
        rows.append(
            _with_all_rates(counts[index]) | {"center": child, "is_own": False, "center_id": child.pk}
        )
    return rows


def _empty_counts(start, end, now) -> dict[str, int]:
    return {
        **dict.fromkeys(_case_counts(start, end, now), 0),
        "due": 0,
        "reworked": 0,
        **dict.fromkeys(_rating_counts("evaluations"), 0),
        **dict.fromkeys(_rating_counts("callbacks"), 0),
        **dict.fromkeys(_order_counts(start, end, now), 0),
        **dict.fromkeys(whistle_counts(now), 0),
        "reported_up": 0,
    }


def _by_case(queryset: QuerySet, centers=None) -> QuerySet:
    """Annotate rows that point at a case with the case's center and lead department, looked up per row.

    A period holds a few thousand evaluations or callbacks while the case table holds every
    case ever: a primary-key lookup per row is cheaper than the hash join over the whole case
    table that the planner otherwise picks.
    """
    case = Case.objects.filter(pk=OuterRef("case_id")).order_by()
    return queryset.annotate(
        lead=Subquery(case.values("lead_department_id")[:1]),
        case_center=Subquery(case.values("center_id")[:1]),
    ).filter(scope_q(centers, "case_center"))


CASE_KEYS = ("center", "lead_department")


def _groups(start, end, now, centers=None, *, reported_up: bool = True) -> tuple[dict, ...]:
    due = _due_q(start, end, now)
    cases = _grouped(
        Case.objects.filter(_touched(start, end, now) | due).filter(scope_q(centers)),
        CASE_KEYS,
        {**_case_counts(start, end, now), "due": Count("id", filter=due)},
    )
    reworked = _grouped(_reworked_cases(start, end, centers), CASE_KEYS, {"reworked": Count("id")})
    # Rows that point at a case are scoped and grouped by the case's center looked up per row
    # (never a join over the whole case table: see _by_case).
    evaluations = _grouped(
        _by_case(_closing_evaluations(start, end), centers),
        ("case_center", "lead"),
        _rating_counts("evaluations"),
    )
    callbacks = _grouped(
        _by_case(_answered_callbacks(start, end), centers),
        ("case_center", "lead"),
        _rating_counts("callbacks"),
    )
    orders = _grouped(
        _by_case(SupervisionOrder.objects.filter(_orders_touched(start, end)), centers),
        ("case_center", "department"),
        _order_counts(start, end, now),
    )
    whistles = _grouped(
        WhistleSummons.objects.filter(
            _in("whistle__blown_at", start, end), scope_q(centers, "whistle__center")
        ),
        ("whistle__center", "department"),
        whistle_counts(now),
    )
    if not reported_up:
        return cases, reworked, evaluations, callbacks, orders, whistles
    up = _grouped(
        Referral.objects.filter(
            _in("created_at", start, end), scope_q(centers, "from_center"), kind=ReferralKind.UP
        ),
        ("from_center", "kind"),
        {"reported_up": Count("id")},
    )
    # Reports up belong to a center, not to a department.
    up = {(center, None): row for (center, _kind), row in up.items()}
    return cases, reworked, evaluations, callbacks, orders, whistles, up


def _ranking(
    groups, start, end, now, thresholds: ReportThresholds, *, level: Center | None = None
) -> list[dict]:
    """The departments' rows: those at ``level`` (department.center), or every department without it."""
    by_department: dict[int, dict] = {}
    for table in groups:
        for (_center, pk), row in table.items():
            if pk is None:
                continue
            counts = by_department.setdefault(pk, {})
            for name, value in row.items():
                counts[name] = counts.get(name, 0) + value
    departments = Department.objects.filter(Q(is_active=True) | Q(pk__in=list(by_department)))
    if level is not None:
        departments = departments.filter(center=level)
    departments = departments.order_by("order", "id")
    empty = _empty_counts(start, end, now)
    rows = []
    for department in departments:
        counts = dict(empty) | by_department.get(department.pk, {})
        row = _with_all_rates(counts)
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
