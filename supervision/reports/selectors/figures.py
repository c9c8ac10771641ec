"""The headline figures of a period (counts and rates, computed in the database) and their definitions."""

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cases.models import (
    OPEN_STATES,
    WITH_DEPARTMENT_STATES,
    Case,
    CaseEvent,
    Evaluation,
    Rating,
    RiskColour,
    State,
)
from cases.queues import overdue_q
from departments.models import Center, Department
from departments.scope import subtree_q

from ...models import (
    OPEN_ORDER_STATUSES,
    Callback,
    Level,
    OrderStatus,
    SupervisionOrder,
)

CLOSED_STATES = (State.CLOSED, State.EVALUATED)
REWORK_TRANSITIONS = ("send_back", "reopen")
CLOSING_CHANNELS = (Evaluation.Channel.TRACKING, Evaluation.Channel.STAFF)
UNRATED = "none"
# A department is judged (达标 / 未达标, 得分最低) only when at least this many of its cases fell
# due in the period: on the first days of a month three cases say nothing about a department.
MIN_SAMPLE = 5

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
            "签收及时率、按期办结率、在办按期率、综合满意率、吹哨按时报到率五项中有数据的各项的平均值（百分制）。"
            "吹哨按时报到率 = 按时报到次数 ÷（按时报到 + 超时/未报到次数），超时或未报到越多，得分越低；本期未被吹哨的单位不计此项。"
            "得分最低的单位标红；按期办结率或综合满意率低于达标线的单位标为未达标。"
        ),
    ),
    (
        _("吹哨报到"),
        _(
            "按吹哨时间归入统计期。被吹哨次数：单位被召集报到的次数；按时报到：报到时间不晚于报到期限；"
            "超时/未报到：报到晚于期限，或期限已过仍未报到。"
        ),
    ),
    (_("上报"), _("统计期内从该中心（含其下级中心）向上级中心上报的次数，按上报时间统计。")),
    (
        _("下级中心对比"),
        _(
            "每个下级中心一行，汇总该中心及其全部下级；案件按当前所在中心归属，吹哨按吹哨中心、上报按发出中心归属。"
            "“本级”一行为本中心自己办理的案件；各行相加等于本中心合计。部门考评只列本级中心的部门。"
        ),
    ),
    (
        _("样本不足"),
        format_lazy(
            _(
                "统计期内（截至当前时刻）签收期限或办结期限届满的案件少于 {n} 件的单位，数据太少，"
                "不评达标与否，也不标得分最低，显示“样本不足”。"
            ),
            n=MIN_SAMPLE,
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


def scope_q(centers, field: str = "center") -> Q:
    """The condition "``field`` (a Center key) lies in ``centers``": the one way reports are scoped.

    ``centers`` is a :class:`~departments.models.Center` (that center and its whole subtree, through
    :func:`departments.scope.subtree_q`), a queryset of centers (a subquery of their ids), a ready
    ``Q``, or None (every center: the deployment's operator and the API's older callers).
    """
    if centers is None:
        return Q()
    if isinstance(centers, Q):
        return centers
    if isinstance(centers, Center):
        return subtree_q(centers, field)
    return Q(**{f"{field}__in": centers.values("pk")})


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


def _reworked_cases(start, end, centers=None) -> QuerySet[Case]:
    """Cases closed in the period that were ever sent back or reopened.

    A query of its own: as a top-level EXISTS the planner can choose a semi-join; as a
    conditional count inside the big aggregate it became a per-row sub-plan whose estimated
    cost made PostgreSQL JIT-compile the whole query (≈0.4 s) for a few thousand rows.
    """
    rework = CaseEvent.objects.filter(case_id=OuterRef("pk"), transition__in=REWORK_TRANSITIONS)
    return (
        Case.objects.filter(Q(state__in=CLOSED_STATES) & _in("closed_at", start, end))
        .filter(scope_q(centers))
        .filter(Exists(rework))
    )


# --- Ratings and orders -----------------------------------------------------------------------


def _rating_counts(prefix: str) -> dict[str, Count]:
    return {
        f"{prefix}": Count("id"),
        f"{prefix}_satisfied": Count("id", filter=Q(rating=Rating.SATISFIED)),
        f"{prefix}_basically_satisfied": Count("id", filter=Q(rating=Rating.BASICALLY_SATISFIED)),
        f"{prefix}_dissatisfied": Count("id", filter=Q(rating=Rating.DISSATISFIED)),
    }


def _closing_evaluations(start, end, centers=None) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(
        _in("created_at", start, end), scope_q(centers, "case__center"), channel__in=CLOSING_CHANNELS
    )


def covered_months(start: dt.datetime, end: dt.datetime) -> Q:
    """Callback rounds of the months the period touches: a round belongs to the month it covers.

    November's round is drawn and called in December, but it samples November's closed cases,
    so its answers are November's figures (the December report shows it as November's).
    """
    first = timezone.localdate(start).replace(day=1)
    return Q(round__month__gte=first, round__month__lt=timezone.localdate(end))


def _answered_callbacks(start, end, centers=None) -> QuerySet[Callback]:
    return Callback.objects.filter(
        covered_months(start, end), scope_q(centers, "case__center"), status=Callback.Status.DONE
    ).exclude(rating="")


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


def summary_figures(
    start: dt.datetime, end: dt.datetime, now: dt.datetime, *, department=None, centers=None
) -> dict:
    """The center's figures for a period as one flat dict of numbers (five queries).

    With ``department`` the same figures for the cases it leads and the orders on it. With
    ``centers`` (see :func:`scope_q`) only the cases held in those centers, and what points at
    them. This is the shape the REST API returns (``/api/v1/reports/summary/``, ``/departments/{slug}/``).
    """
    cases = Case.objects.filter(_touched(start, end, now), scope_q(centers))
    reworked = _reworked_cases(start, end, centers)
    evaluations = _closing_evaluations(start, end, centers)
    callbacks = _answered_callbacks(start, end, centers)
    orders = SupervisionOrder.objects.filter(_orders_touched(start, end), scope_q(centers, "case__center"))
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
    department: Department, start: dt.datetime, end: dt.datetime, now: dt.datetime, *, centers=None
) -> dict:
    """One department's figures for a period (same keys as :func:`summary_figures`)."""
    return summary_figures(start, end, now, department=department, centers=centers)
