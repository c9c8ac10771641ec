"""The figures of the leaders' reports, every one computed in the database.

Counts are conditional aggregates (``Count(filter=Q(...))``) over the rows a period touches;
rates are the quotient of two such counts, as a fraction, or None when the denominator is
zero ("—" on the page, ``null`` in JSON). Pages, exports and the REST API call these same
functions, so they can never disagree. The definitions, in the words the page shows them,
are in :data:`DEFINITIONS`.

A period is half-open, ``[start, end)``, as aware datetimes; ``now`` is passed in (never the
database's clock) for the figures that are a snapshot of the present: open, overdue, red open,
problem cases, open supervision orders.
"""

import datetime as dt

from django.db.models import Case as DbCase
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import (
    OPEN_STATES,
    WITH_DEPARTMENT_STATES,
    Case,
    CaseEvent,
    Category,
    Evaluation,
    Rating,
    RiskColour,
    Source,
    State,
)
from cases.queues import overdue_q, running_deadline
from departments.models import Department

from ..models import (
    OPEN_ORDER_STATUSES,
    Callback,
    CallbackRound,
    Level,
    OrderStatus,
    Reason,
    SupervisionOrder,
)
from ..models.reports import ReportThresholds

CLOSED_STATES = (State.CLOSED, State.EVALUATED)
REWORK_TRANSITIONS = ("send_back", "reopen")
CLOSING_CHANNELS = (Evaluation.Channel.TRACKING, Evaluation.Channel.STAFF)
UNRATED = "none"

DEFINITIONS = [
    (_("本期受理"), _("统计期内登记受理的案件数（含不予受理、撤回的）。")),
    (_("本期办结"), _("统计期内结案的案件数（结案时间在统计期内，且目前仍为已结案或已评价）。")),
    (
        _("签收及时率"),
        _(
            "按期签收件数 ÷（统计期内签收的案件数 + 签收期限已在统计期内届满仍未签收的案件数）。"
            "按期签收指签收时间不晚于签收期限。"
        ),
    ),
    (
        _("按期办结率"),
        _(
            "统计期内结案的案件中，办结时间（部门提交办结的时间；无则取结案时间）不晚于办结期限的比例。"
            "中心审核所用的时间不计入部门。"
        ),
    ),
    (_("返工率"), _("统计期内结案的案件中，曾被审核退回或结案后重新办理的比例。")),
    (
        _("满意率 / 基本满意率"),
        _(
            "满意率 = “满意”件数 ÷ 全部评价件数；基本满意率 = （“满意” + “基本满意”）÷ 全部评价件数。"
            "结案评价（当事人扫码评价、工作人员代录）与电话回访分别计算：结案评价按评价时间归入统计期，"
            "电话回访按回访批次所抽取的结案月份归入统计期（如 11 月结案案件的回访在 12 月进行，计入 11 月）。"
        ),
    ),
    (
        _("在办按期率"),
        _("截至当前时刻，单位手中（已交办、办理中、督办中）的案件里，正在计时的期限尚未届满的比例。"),
    ),
    (
        _("综合满意率"),
        _("部门考评使用：结案评价与电话回访合计，“满意”占全部评价的比例。"),
    ),
    (
        _("考评得分"),
        _(
            "签收及时率、按期办结率、在办按期率、综合满意率四项中有数据的各项的平均值（百分制）。"
            "得分最低的单位标红；按期办结率或综合满意率低于达标线的单位标为未达标。"
        ),
    ),
    (
        _("当前在办 / 当前超期"),
        _(
            "截至当前时刻：在办指尚未结案、撤回、上报或不予受理；超期指正在计时的期限（已交办看签收期限，办理中看办结期限）已过。"
        ),
    ),
    (_("问题工单 / 红色在办"), _("截至当前时刻，仍在办理中的问题工单、红色预警案件数。")),
    (
        _("督办单"),
        _("在办督办单按级别统计（待答复和待核查）；本期下发、本期核查办结按下发时间、核查时间统计。"),
    ),
    (_("部门归属"), _("案件按牵头单位统计，督办单按被督办单位统计，协办单位不计。")),
]


def ratio(part: int, whole: int) -> float | None:
    """Return part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


def _in(field: str, start: dt.datetime, end: dt.datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


# --- Cases ------------------------------------------------------------------------------------


def _case_conditions(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dict[str, Q]:
    received = _in("created_at", start, end)
    closed = Q(state__in=CLOSED_STATES) & _in("closed_at", start, end)
    closure_due = closed & Q(due_by__isnull=False)
    accepted = _in("accepted_at", start, end) & Q(accept_by__isnull=False)
    # A deadline that fell in the period and passed without acceptance counts as late.
    unaccepted_late = Q(state=State.ASSIGNED, accepted_at__isnull=True) & _in(
        "accept_by", start, min(end, now)
    )
    is_open = Q(state__in=OPEN_STATES)
    red = Q(risk_colour=RiskColour.RED) | Q(risk_colour="", proposed_colour=RiskColour.RED)
    finished_on_time = Q(LessThanOrEqual(Coalesce("submitted_at", "closed_at"), F("due_by")))
    return {
        "received": received,
        "closed": closed,
        "closure_due": closure_due,
        "closed_on_time": closure_due & finished_on_time,
        "accepted": accepted,
        "accepted_on_time": accepted & Q(accepted_at__lte=F("accept_by")),
        "unaccepted_late": unaccepted_late,
        "open": is_open,
        "in_hand": Q(state__in=WITH_DEPARTMENT_STATES),
        "overdue": overdue_q(now),
        "red_open": is_open & red,
        "problem_open": is_open & Q(is_problem=True),
    }


def _touched(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> Q:
    """The rows any case figure can count: lets the database skip the rest of the table."""
    c = _case_conditions(start, end, now)
    return c["received"] | c["closed"] | c["accepted"] | c["unaccepted_late"] | c["open"]


def _case_counts(start, end, now) -> dict[str, Count]:
    return {name: Count("id", filter=q) for name, q in _case_conditions(start, end, now).items()}


def _reworked_cases(start, end) -> QuerySet[Case]:
    """Cases closed in the period that were ever sent back or reopened.

    A query of its own: as a top-level EXISTS the planner can choose a semi-join; as a
    conditional count inside the big aggregate it became a per-row sub-plan whose estimated
    cost made PostgreSQL JIT-compile the whole query (≈0.4 s) for a few thousand rows.
    """
    rework = CaseEvent.objects.filter(case_id=OuterRef("pk"), transition__in=REWORK_TRANSITIONS)
    return Case.objects.filter(Q(state__in=CLOSED_STATES) & _in("closed_at", start, end)).filter(
        Exists(rework)
    )


# --- Ratings and orders -----------------------------------------------------------------------


def _rating_counts(prefix: str) -> dict[str, Count]:
    return {
        f"{prefix}": Count("id"),
        f"{prefix}_satisfied": Count("id", filter=Q(rating=Rating.SATISFIED)),
        f"{prefix}_basically_satisfied": Count("id", filter=Q(rating=Rating.BASICALLY_SATISFIED)),
        f"{prefix}_dissatisfied": Count("id", filter=Q(rating=Rating.DISSATISFIED)),
    }


def _closing_evaluations(start, end) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(_in("created_at", start, end), channel__in=CLOSING_CHANNELS)


def covered_months(start: dt.datetime, end: dt.datetime) -> Q:
    """Callback rounds of the months the period touches: a round belongs to the month it covers.

    November's round is drawn and called in December, but it samples November's closed cases,
    so its answers are November's figures (the December report shows it as November's).
    """
    first = timezone.localdate(start).replace(day=1)
    return Q(round__month__gte=first, round__month__lt=timezone.localdate(end))


def _answered_callbacks(start, end) -> QuerySet[Callback]:
    return Callback.objects.filter(covered_months(start, end), status=Callback.Status.DONE).exclude(rating="")


def _order_counts(start, end, now) -> dict[str, Count]:
    is_open = Q(status__in=OPEN_ORDER_STATUSES)
    return {
        "orders_open": Count("id", filter=is_open),
        "orders_open_order": Count("id", filter=is_open & Q(level=Level.ORDER)),
        "orders_open_leader": Count("id", filter=is_open & Q(level=Level.LEADER)),
        "orders_overdue": Count("id", filter=Q(status=OrderStatus.ISSUED, respond_by__lt=now)),
        "orders_issued": Count("id", filter=_in("issued_at", start, end)),
        "orders_issued_leader": Count("id", filter=_in("issued_at", start, end) & Q(level=Level.LEADER)),
        "orders_verified": Count(
            "id", filter=_in("verified_at", start, end) & Q(status=OrderStatus.VERIFIED)
        ),
    }


def _orders_touched(start, end) -> Q:
    return Q(status__in=OPEN_ORDER_STATUSES) | _in("issued_at", start, end) | _in("verified_at", start, end)


def with_rates(counts: dict) -> dict:
    """Add the rates (fractions, None where undefined) to a dict of counts."""
    c = counts
    acceptance_due = c["accepted"] + c["unaccepted_late"]
    rated = c["evaluations"] + c["callbacks"]
    return {
        **c,
        "acceptance_due": acceptance_due,
        "acceptance_rate": ratio(c["accepted_on_time"], acceptance_due),
        "closure_rate": ratio(c["closed_on_time"], c["closure_due"]),
        "rework_rate": ratio(c["reworked"], c["closed"]),
        "in_hand_on_time_rate": ratio(c["in_hand"] - c["overdue"], c["in_hand"]),
        "evaluation_satisfaction_rate": ratio(c["evaluations_satisfied"], c["evaluations"]),
        "evaluation_basic_satisfaction_rate": ratio(
            c["evaluations_satisfied"] + c["evaluations_basically_satisfied"], c["evaluations"]
        ),
        "callback_satisfaction_rate": ratio(c["callbacks_satisfied"], c["callbacks"]),
        "callback_basic_satisfaction_rate": ratio(
            c["callbacks_satisfied"] + c["callbacks_basically_satisfied"], c["callbacks"]
        ),
        "ratings": rated,
        "satisfaction_rate": ratio(c["evaluations_satisfied"] + c["callbacks_satisfied"], rated),
    }


def summary_figures(start: dt.datetime, end: dt.datetime, now: dt.datetime, *, department=None) -> dict:
    """The center's figures for a period as one flat dict of numbers (five queries).

    With ``department`` the same figures for the cases it leads and the orders on it. This is
    the shape the REST API returns (``/api/v1/reports/summary/``, ``/departments/{slug}/``).
    """
    cases = Case.objects.filter(_touched(start, end, now))
    reworked = _reworked_cases(start, end)
    evaluations = _closing_evaluations(start, end)
    callbacks = _answered_callbacks(start, end)
    orders = SupervisionOrder.objects.filter(_orders_touched(start, end))
    if department is not None:
        cases = cases.filter(lead_department=department)
        reworked = reworked.filter(lead_department=department)
        evaluations = evaluations.filter(case__lead_department=department)
        callbacks = callbacks.filter(case__lead_department=department)
        orders = orders.filter(department=department)
    counts = cases.aggregate(**_case_counts(start, end, now))
    counts |= reworked.aggregate(reworked=Count("id"))
    counts |= evaluations.aggregate(**_rating_counts("evaluations"))
    counts |= callbacks.aggregate(**_rating_counts("callbacks"))
    counts |= orders.aggregate(**_order_counts(start, end, now))
    return with_rates(counts)


def department_figures(
    department: Department, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> dict:
    """One department's figures for a period (same keys as :func:`summary_figures`)."""
    return summary_figures(start, end, now, department=department)


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
    cases = _grouped(
        Case.objects.filter(_touched(start, end, now)), "lead_department", _case_counts(start, end, now)
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
    empty = _empty_counts(start, end, now)
    rows = []
    for department in departments:
        counts = dict(empty)
        for table in groups:
            counts.update(table.get(department.pk, {}))
        row = with_rates(counts)
        row |= {
            "department_id": department.pk,
            "slug": department.slug,
            "name": department.name,
            "short_name": department.short_name or department.name,
            "score": score_of(row),
            "below_satisfaction": row["satisfaction_rate"] is not None
            and row["satisfaction_rate"] < thresholds.satisfaction,
            "below_on_time": row["closure_rate"] is not None and row["closure_rate"] < thresholds.on_time,
        }
        row["below_floor"] = row["below_satisfaction"] or row["below_on_time"]
        rows.append(row)
    # Best first; departments without any rate last; ties: fewer overdue first, then the usual order.
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["overdue"]))
    scored = [r for r in rows if r["score"] is not None]
    worst = min(scored, key=lambda r: (r["score"], -r["overdue"])) if len(scored) > 1 else None
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank if row["score"] is not None else None
        row["is_worst"] = row is worst
    return rows


# --- Charts -------------------------------------------------------------------------------------


def weekly_intake(*, last_day: dt.date, weeks: int = 12, department=None) -> list[dict]:
    """Cases received per week (Monday to Sunday) for ``weeks`` weeks ending with ``last_day``'s week.

    One conditional count per week over the span: the week boundaries are local midnights
    computed here, so the database only compares timestamps (an index-only scan of
    ``created_at``) instead of converting each row's time zone to truncate it.
    """
    monday = last_day - dt.timedelta(days=last_day.weekday())
    days = [monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    tz = timezone.get_current_timezone()
    bounds = [timezone.make_aware(dt.datetime.combine(day, dt.time()), tz) for day in days]
    bounds.append(timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(weeks=1), dt.time()), tz))
    cases = Case.objects.filter(_in("created_at", bounds[0], bounds[-1]))
    if department is not None:
        cases = cases.filter(lead_department=department)
    counts = cases.aggregate(
        **{
            f"w{i}": Count("created_at", filter=_in("created_at", bounds[i], bounds[i + 1]))
            for i in range(weeks)
        }
    )
    return [{"week": day, "count": counts[f"w{i}"]} for i, day in enumerate(days)]


def _breakdown(counts: dict, choices) -> list[dict]:
    counts = dict(counts)
    known = [{"key": value, "label": str(label), "count": counts.pop(value, 0)} for value, label in choices]
    if counts:  # values no longer among the choices, and blanks
        known.append({"key": UNRATED, "label": str(_("未定级/其他")), "count": sum(counts.values())})
    return known


def breakdowns(start: dt.datetime, end: dt.datetime, *, department=None) -> dict[str, list[dict]]:
    """Cases received in the period by category, source and risk colour (one grouped query)."""
    cases = Case.objects.filter(_in("created_at", start, end))
    if department is not None:
        cases = cases.filter(lead_department=department)
    shown_colour = DbCase(When(risk_colour="", then=F("proposed_colour")), default=F("risk_colour"))
    rows = cases.values("category", "source", colour=shown_colour).annotate(n=Count("id")).order_by()
    by: dict[str, dict[str, int]] = {"category": {}, "source": {}, "colour": {}}
    for row in rows:  # at most categories × sources × colours groups, summed per dimension
        for key in by:
            by[key][row[key]] = by[key].get(row[key], 0) + row["n"]
    return {
        "category": _breakdown(by["category"], Category.choices),
        "source": _breakdown(by["source"], Source.choices),
        "colour": _breakdown(by["colour"], RiskColour.choices),
    }


# --- Lists ---------------------------------------------------------------------------------------


LIST_FIELDS = (
    "code",
    "title",
    "state",
    "risk_colour",
    "proposed_colour",
    "is_problem",
    "accept_by",
    "due_by",
    "created_at",
    "lead_department__name",
    "lead_department__short_name",
)


def _open_cases(department=None) -> QuerySet[Case]:
    cases = Case.objects.filter(state__in=OPEN_STATES)
    if department is not None:
        cases = cases.filter(lead_department=department)
    return (
        cases.select_related("lead_department")
        .only(*LIST_FIELDS)
        .annotate(running_deadline=running_deadline())
        .order_by(F("running_deadline").asc(nulls_last=True), "created_at", "id")
    )


def red_open_cases(*, department=None) -> QuerySet[Case]:
    """Open red cases (assessed red, or proposed red and not yet assessed), most urgent first."""
    return _open_cases(department).filter(
        Q(risk_colour=RiskColour.RED) | Q(risk_colour="", proposed_colour=RiskColour.RED)
    )


def problem_cases(*, department=None) -> QuerySet[Case]:
    """Open problem cases (问题工单), most urgent first."""
    return _open_cases(department).filter(is_problem=True)


def overdue_cases(*, now: dt.datetime, department=None) -> QuerySet[Case]:
    """Open cases past their running deadline, the longest overdue first."""
    return _open_cases(department).filter(overdue_q(now))


def leader_orders(*, department=None) -> QuerySet[SupervisionOrder]:
    """Open leader-level orders (挂牌督办), the nearest answer deadline first."""
    return open_orders(department=department).filter(level=Level.LEADER)


def open_orders(*, department=None) -> QuerySet[SupervisionOrder]:
    orders = SupervisionOrder.objects.filter(status__in=OPEN_ORDER_STATUSES)
    if department is not None:
        orders = orders.filter(department=department)
    return (
        orders.select_related("case", "department")
        .only(
            "number", "level", "status", "reason", "respond_by", "department__name", "department__short_name",
            "case__code", "case__title", "case__risk_colour", "case__proposed_colour",
        )
        .order_by("respond_by", "id")
    )  # fmt: skip


# --- The monthly report -------------------------------------------------------------------------


def callback_round(month: dt.date) -> dict:
    """The callback round that samples ``month``'s closed cases, with its results (two queries)."""
    round = CallbackRound.objects.filter(month=month.replace(day=1)).first()
    if round is None:
        return {"round": None}
    counts = Callback.objects.filter(round=round).aggregate(
        total=Count("id"),
        pending=Count("id", filter=Q(status=Callback.Status.PENDING)),
        done=Count("id", filter=Q(status=Callback.Status.DONE)),
        unreachable=Count("id", filter=Q(status=Callback.Status.UNREACHABLE)),
        satisfied=Count("id", filter=Q(status=Callback.Status.DONE, rating=Rating.SATISFIED)),
        basically_satisfied=Count(
            "id", filter=Q(status=Callback.Status.DONE, rating=Rating.BASICALLY_SATISFIED)
        ),
        dissatisfied=Count("id", filter=Q(status=Callback.Status.DONE, rating=Rating.DISSATISFIED)),
        orders=Count("order", distinct=True),
    )
    counts["satisfaction_rate"] = ratio(counts["satisfied"], counts["done"])
    counts["basic_satisfaction_rate"] = ratio(
        counts["satisfied"] + counts["basically_satisfied"], counts["done"]
    )
    counts["reach_rate"] = ratio(counts["done"], counts["done"] + counts["unreachable"])
    return {"round": round, **counts}


def round_callbacks(round: CallbackRound) -> QuerySet[Callback]:
    """The callbacks of a round with their case and department, in drawing order."""
    return (
        Callback.objects.filter(round=round)
        .select_related("case__lead_department", "order")
        .order_by("position")
    )


def orders_by_reason(start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Orders issued in the period by reason: issued, of which leader level, verified since, still open."""
    rows = {
        row["reason"]: row
        for row in SupervisionOrder.objects.filter(_in("issued_at", start, end))
        .values("reason")
        .annotate(
            issued=Count("id"),
            leader=Count("id", filter=Q(level=Level.LEADER)),
            verified=Count("id", filter=Q(status=OrderStatus.VERIFIED)),
            open=Count("id", filter=Q(status__in=OPEN_ORDER_STATUSES)),
        )
        .order_by()
    }
    zero = {"issued": 0, "leader": 0, "verified": 0, "open": 0}
    return [
        {"reason": value, "label": str(label), **rows.get(value, zero)} for value, label in Reason.choices
    ]


def orders_issued(start: dt.datetime, end: dt.datetime, *, department=None) -> QuerySet[SupervisionOrder]:
    """Orders issued in the period, in order of issue."""
    orders = SupervisionOrder.objects.filter(_in("issued_at", start, end))
    if department is not None:
        orders = orders.filter(department=department)
    return orders.select_related("case", "department").order_by("issued_at", "id")


def notable_cases(start: dt.datetime, end: dt.datetime, *, department=None) -> QuerySet[Case]:
    """Cases received or closed in the period that are red, problem cases, escalated or under leader-level supervision."""
    leader_order = SupervisionOrder.objects.filter(case_id=OuterRef("pk"), level=Level.LEADER)
    cases = Case.objects.filter(
        _in("created_at", start, end) | (Q(state__in=CLOSED_STATES) & _in("closed_at", start, end))
    ).filter(
        Q(risk_colour=RiskColour.RED)
        | Q(is_problem=True)
        | Q(state=State.ESCALATED)
        | Q(Exists(leader_order))
    )
    if department is not None:
        cases = cases.filter(lead_department=department)
    return (
        cases.select_related("lead_department")
        .annotate(has_leader_order=Exists(leader_order))
        .order_by(F("is_problem").desc(), F("has_leader_order").desc(), "created_at", "id")
    )


# --- The ledger (台账) ---------------------------------------------------------------------------

LEDGER_FIELDS = (
    "code",
    "title",
    "category",
    "source",
    "risk_colour",
    "lead_department__name",
    "state",
    "is_problem",
    "created_at",
    "assigned_at",
    "accept_by",
    "accepted_at",
    "due_by",
    "submitted_at",
    "closed_at",
    "return_count",
    "send_back_count",
)


def ledger_rows(start: dt.datetime, end: dt.datetime, *, department=None, chunk_size: int = 2000):
    """Yield the cases received or closed in the period as tuples of :data:`LEDGER_FIELDS`.

    Streams from a server-side cursor in chunks: memory stays flat however many rows.
    """
    cases = Case.objects.filter(
        _in("created_at", start, end) | (Q(state__in=CLOSED_STATES) & _in("closed_at", start, end))
    )
    if department is not None:
        cases = cases.filter(lead_department=department)
    ordered = cases.order_by("created_at", "id").values_list(*LEDGER_FIELDS)
    yield from ordered.iterator(chunk_size=chunk_size)
