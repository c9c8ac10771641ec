"""The report pages' lists: red open cases, problem cases, overdue cases, leader-level and open orders."""

import datetime as dt

from django.db.models import F, Q, QuerySet

from cases.models import (
    OPEN_STATES,
    Case,
    RiskColour,
)
from cases.queues import overdue_q, running_deadline

from ...models import (
    OPEN_ORDER_STATUSES,
    Level,
    SupervisionOrder,
)
from .figures import scope_q

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


def _open_cases(department=None, centers=None) -> QuerySet[Case]:
    cases = Case.objects.filter(scope_q(centers), state__in=OPEN_STATES)
    if department is not None:
        cases = cases.filter(lead_department=department)
    return (
        cases.select_related("lead_department")
        .only(*LIST_FIELDS)
        .annotate(running_deadline=running_deadline())
        .order_by(F("running_deadline").asc(nulls_last=True), "created_at", "id")
    )


def red_open_cases(*, department=None, centers=None) -> QuerySet[Case]:
    """Open red cases (assessed red, or proposed red and not yet assessed), most urgent first."""
    return _open_cases(department, centers).filter(
        Q(risk_colour=RiskColour.RED) | Q(risk_colour="", proposed_colour=RiskColour.RED)
    )


def problem_cases(*, department=None, centers=None) -> QuerySet[Case]:
    """Open problem cases (问题工单), most urgent first."""
    return _open_cases(department, centers).filter(is_problem=True)


def overdue_cases(*, now: dt.datetime, department=None, centers=None) -> QuerySet[Case]:
    """Open cases past their running deadline, the longest overdue first."""
    return _open_cases(department, centers).filter(overdue_q(now))


def leader_orders(*, department=None, centers=None) -> QuerySet[SupervisionOrder]:
    """Open leader-level orders (挂牌督办), the nearest answer deadline first."""
    return open_orders(department=department, centers=centers).filter(level=Level.LEADER)


def open_orders(*, department=None, centers=None) -> QuerySet[SupervisionOrder]:
    orders = SupervisionOrder.objects.filter(scope_q(centers, "case__center"), status__in=OPEN_ORDER_STATUSES)
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
