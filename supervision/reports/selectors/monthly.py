"""The monthly report's tables: the callback round, orders by reason and issued, notable cases."""

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from cases.models import (
    Case,
    Rating,
    RiskColour,
    State,
)

from ...models import (
    OPEN_ORDER_STATUSES,
    Callback,
    CallbackRound,
    Level,
    OrderStatus,
    Reason,
    SupervisionOrder,
)
from .figures import CLOSED_STATES, _in, ratio, scope_q

# --- The monthly report -------------------------------------------------------------------------


def callback_round(month: dt.date, *, centers=None) -> dict:
    """The callback round that samples ``month``'s closed cases, with its results (two queries)."""
    round = CallbackRound.objects.filter(month=month.replace(day=1)).first()
    if round is None:
        return {"round": None}
    counts = Callback.objects.filter(scope_q(centers, "case__center"), round=round).aggregate(
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


def round_callbacks(round: CallbackRound, *, centers=None) -> QuerySet[Callback]:
    """The callbacks of a round with their case and department, in drawing order."""
    return (
        Callback.objects.filter(scope_q(centers, "case__center"), round=round)
        .select_related("case__lead_department", "order")
        .order_by("position")
    )


def orders_by_reason(start: dt.datetime, end: dt.datetime, *, centers=None) -> list[dict]:
    """Orders issued in the period by reason: issued, of which leader level, verified since, still open."""
    rows = {
        row["reason"]: row
        for row in SupervisionOrder.objects.filter(
            _in("issued_at", start, end), scope_q(centers, "case__center")
        )
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


def orders_issued(
    start: dt.datetime, end: dt.datetime, *, department=None, centers=None
) -> QuerySet[SupervisionOrder]:
    """Orders issued in the period, in order of issue."""
    orders = SupervisionOrder.objects.filter(_in("issued_at", start, end), scope_q(centers, "case__center"))
    if department is not None:
        orders = orders.filter(department=department)
    return orders.select_related("case", "department").order_by("issued_at", "id")


def notable_cases(start: dt.datetime, end: dt.datetime, *, department=None, centers=None) -> QuerySet[Case]:
    """Cases received or closed in the period that are red, problem cases, escalated or under leader-level supervision."""
    leader_order = SupervisionOrder.objects.filter(case_id=OuterRef("pk"), level=Level.LEADER)
    cases = (
        Case.objects.filter(scope_q(centers))
        .filter(_in("created_at", start, end) | (Q(state__in=CLOSED_STATES) & _in("closed_at", start, end)))
        .filter(
            Q(risk_colour=RiskColour.RED)
            | Q(is_problem=True)
            | Q(state=State.ESCALATED)
            | Q(Exists(leader_order))
        )
    )
    if department is not None:
        cases = cases.filter(lead_department=department)
    return (
        cases.select_related("lead_department")
        .annotate(has_leader_order=Exists(leader_order))
        .order_by(F("is_problem").desc(), F("has_leader_order").desc(), "created_at", "id")
    )
