"""Reads for the supervision pages; each owns its queries (no N+1, counts pinned in tests)."""

import datetime as dt

from django.db.models import Case as DbCase
from django.db.models import Count, Prefetch, Q, QuerySet, Subquery, Value, When

from cases.models import Case
from departments.models import Department, Role
from departments.permissions import department_of, role_of

from .models import (
    OPEN_ORDER_STATUSES,
    Callback,
    CallbackAttempt,
    CallbackRound,
    OrderStatus,
    Reminder,
    SupervisionOrder,
    SupervisionOrderEvent,
)
from .permissions import may_make_callbacks

CENTER_ROLES = (Role.COORDINATOR, Role.LEADER, Role.ADMIN)


def orders_visible_to(user) -> QuerySet[SupervisionOrder]:
    """Orders a staff member may open, their department's for a liaison.

    The center's staff: the orders on every case they see (cases.selectors.cases_visible_to: their
    center's, and for leaders and coordinators every center's below), and the orders their own
    center issued (on a case held elsewhere since).
    """
    from cases.selectors import center_cases_q
    from departments.scope import center_of, sees_whole_tree

    role = role_of(user)
    if role in CENTER_ROLES:
        if sees_whole_tree(user):
            return SupervisionOrder.objects.all()
        center = center_of(user)
        if center is None:
            return SupervisionOrder.objects.none()
        # The cases' condition on the order's own join (never "case IN (every visible case)").
        return SupervisionOrder.objects.filter(center_cases_q(user, "case__") | Q(issuing_center=center.pk))
    if role == Role.LIAISON and (department := department_of(user)) is not None:
        return SupervisionOrder.objects.filter(department=department)
    return SupervisionOrder.objects.none()


def order_list(
    *,
    user=None,
    center=None,
    status: str = "",
    level: str = "",
    department: Department | None = None,
    reason: str = "",
    overdue_at=None,
) -> QuerySet[SupervisionOrder]:
    """Orders for the coordinators' list: open ones first, the most urgent answer first.

    ``user``: only the orders they may open; ``center``: only those on cases held at that center
    or under it (the list's center filter).
    """
    orders = SupervisionOrder.objects.select_related("case", "department", "raised_to")
    if user is not None:
        orders = orders & orders_visible_to(user)
    if center is not None:
        from departments.scope import subtree_q

        orders = orders.filter(subtree_q(center, "case__center"))
    if status == "open":
        orders = orders.filter(status__in=OPEN_ORDER_STATUSES)
    elif status:
        orders = orders.filter(status=status)
    if level:
        orders = orders.filter(level=level)
    if department is not None:
        orders = orders.filter(department=department)
    if reason:
        orders = orders.filter(reason=reason)
    if overdue_at is not None:
        orders = orders.filter(status=OrderStatus.ISSUED, respond_by__lt=overdue_at)
    still_open = DbCase(When(status__in=OPEN_ORDER_STATUSES, then=Value(0)), default=Value(1))
    return orders.order_by(still_open, "respond_by", "id")


def order_counts(*, user) -> dict[str, int]:
    """Count the orders the user may open by status, and the open ones by level, in one query."""
    return orders_visible_to(user).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_ORDER_STATUSES)),
        issued=Count("id", filter=Q(status=OrderStatus.ISSUED)),
        responded=Count("id", filter=Q(status=OrderStatus.RESPONDED)),
        verified=Count("id", filter=Q(status=OrderStatus.VERIFIED)),
        raised=Count("id", filter=Q(status=OrderStatus.RAISED)),
        leader_open=Count("id", filter=Q(status__in=OPEN_ORDER_STATUSES, level="leader")),
    )


def orders_to_answer(*, department: Department, now: dt.datetime) -> dict[str, list[SupervisionOrder]]:
    """A department's orders: to answer, awaiting verification, verified in the last 30 days."""
    orders = list(
        SupervisionOrder.objects.filter(department=department)
        .filter(
            Q(status__in=OPEN_ORDER_STATUSES)
            | Q(status=OrderStatus.VERIFIED, verified_at__gte=now - dt.timedelta(days=30))
        )
        .select_related("case")
        .order_by("respond_by", "id")
    )
    return {
        "to_answer": [o for o in orders if o.status == OrderStatus.ISSUED],
        "awaiting": [o for o in orders if o.status == OrderStatus.RESPONDED],
        "verified": [o for o in orders if o.status == OrderStatus.VERIFIED],
    }


def order_detail(*, number: str, user) -> SupervisionOrder:
    """Return the order with its case, department, history; raise DoesNotExist if not visible."""
    events = SupervisionOrderEvent.objects.select_related("actor__staff_profile").order_by("created_at", "id")
    return (
        orders_visible_to(user)
        .select_related(
            "case__lead_department", "department", "issued_by__staff_profile", "responded_by__staff_profile",
            "verified_by__staff_profile", "raised_to",
        )
        .prefetch_related(Prefetch("events", queryset=events), "raised_from")
        .get(number=number)
    )  # fmt: skip


def case_panel(case: Case) -> dict:
    """The supervision panel of a case: its orders (with history), reminders and callbacks."""
    orders = list(
        SupervisionOrder.objects.filter(case=case)
        .select_related("department", "raised_to")
        .order_by("-issued_at", "-id")
    )
    reminders = list(Reminder.objects.filter(case=case).order_by("-sent_at", "-id")[:10])
    callbacks = list(Callback.objects.filter(case=case).select_related("round").order_by("-round__month"))
    return {
        "orders": orders,
        "open_orders": [o for o in orders if o.is_open],
        "reminders": reminders,
        "callbacks": callbacks,
    }


def latest_round(month: dt.date | None = None, *, user=None) -> CallbackRound | None:
    """Return the round of ``month`` (else the latest) at the user's own center: its callbacks are its own."""
    from departments.scope import own_center_q

    rounds = (
        CallbackRound.objects.filter(own_center_q(user)) if user is not None else CallbackRound.objects.all()
    )
    if month is not None:
        return rounds.filter(month=month).first()
    return rounds.order_by("-month").first()


def round_callbacks(round: CallbackRound, *, status: str = "", assigned_to=None) -> list[Callback]:
    """The callbacks of a round with case, party and coordinator (four queries at most)."""
    callbacks = Callback.objects.filter(round=round).select_related(
        "case__lead_department", "party", "assigned_to__staff_profile", "order"
    )
    if status:
        callbacks = callbacks.filter(status=status)
    if assigned_to is not None:
        callbacks = callbacks.filter(assigned_to=assigned_to)
    return list(callbacks.order_by("position"))


def round_summary(round: CallbackRound) -> dict[str, int]:
    """Count a round's callbacks by status and rating, in one query."""
    return Callback.objects.filter(round=round).aggregate(
        total=Count("id"),
        pending=Count("id", filter=Q(status=Callback.Status.PENDING)),
        done=Count("id", filter=Q(status=Callback.Status.DONE)),
        unreachable=Count("id", filter=Q(status=Callback.Status.UNREACHABLE)),
        satisfied=Count("id", filter=Q(rating="satisfied")),
        basically=Count("id", filter=Q(rating="basically_satisfied")),
        dissatisfied=Count("id", filter=Q(rating="dissatisfied")),
    )


def callback_detail(pk: int, *, user=None) -> Callback:
    """Return one callback (of the user's own center's rounds); raise DoesNotExist otherwise."""
    from departments.scope import own_center_q

    attempts = CallbackAttempt.objects.select_related("made_by__staff_profile").order_by("number")
    callbacks = (
        Callback.objects.filter(own_center_q(user, "round__center")) if user is not None else Callback.objects
    )
    return (
        callbacks.select_related("round", "case__lead_department", "party", "assigned_to", "order")
        .prefetch_related(Prefetch("attempt_log", queryset=attempts))
        .get(pk=pk)
    )


# --- Tallies for the menu's badges and the start pages' "today" panel ------------------------
# Each tally is {"count", "overdue", "due_soon"} in one aggregate query over the same rows as
# the queue's page: an order is overdue (or due soon) while it waits for its answer.

DUE_SOON = dt.timedelta(days=2)


def _order_tally(orders: QuerySet[SupervisionOrder], now: dt.datetime) -> dict[str, int]:
    waiting = Q(status=OrderStatus.ISSUED)
    return orders.aggregate(
        count=Count("id"),
        overdue=Count("id", filter=waiting & Q(respond_by__lt=now)),
        due_soon=Count("id", filter=waiting & Q(respond_by__gte=now, respond_by__lt=now + DUE_SOON)),
    )


def open_orders_tally(*, user, now: dt.datetime) -> dict[str, int]:
    """Count the open orders of the user's list (its "open" filter)."""
    return _order_tally(order_list(user=user, status="open"), now)


def orders_to_answer_tally(*, department: Department, now: dt.datetime) -> dict[str, int]:
    """Count a department's orders still to answer (the "to answer" part of its list)."""
    return _order_tally(
        SupervisionOrder.objects.filter(department=department, status=OrderStatus.ISSUED), now
    )


def orders_waiting_by_deadline(
    *, user=None, department: Department | None = None, limit: int = 3
) -> list[SupervisionOrder]:
    """The orders waiting for an answer with the nearest deadline (a department's, or those the user may open)."""
    orders = SupervisionOrder.objects.filter(status=OrderStatus.ISSUED).select_related("case", "department")
    if user is not None:
        orders = orders & orders_visible_to(user)
    if department is not None:
        orders = orders.filter(department=department)
    return list(orders.order_by("respond_by", "id")[:limit])


def callbacks_to_make(*, user) -> QuerySet[Callback]:
    """The latest round's callbacks still to make (at the user's own center): the caller's own, or all for a reader."""
    from departments.scope import own_center_q

    latest = CallbackRound.objects.filter(own_center_q(user)).order_by("-month").values("id")[:1]
    callbacks = Callback.objects.filter(round_id=Subquery(latest), status=Callback.Status.PENDING)
    if may_make_callbacks(user):
        callbacks = callbacks.filter(assigned_to=user)
    return callbacks


def callbacks_tally(*, user) -> dict[str, int]:
    """Count the callbacks still to make (they have no deadline of their own)."""
    return {"count": callbacks_to_make(user=user).count(), "overdue": 0, "due_soon": 0}
