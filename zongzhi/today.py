"""What needs me now: each role's queue tallies (menu badges, the "today" panel) and most urgent items.

The queues' rules live in cases/queues.py and supervision/selectors.py; this module only
composes them per role (zongzhi/ may import every app). One ``Today`` per request counts each
queue once, in one aggregate query, whether the menu or the panel asks first.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases import queues
from departments.models import Role
from departments.permissions import department_of, role_of
from supervision import selectors as supervision

URGENT_ITEMS = 3
OVERDUE, DUE_SOON, NEUTRAL = "overdue", "due-soon", "neutral"
EMPTY = {"count": 0, "overdue": 0, "due_soon": 0}


def colour_of(tally: dict[str, int]) -> str:
    """Red when any item is overdue, amber when any is due within two days, neutral otherwise."""
    if tally["overdue"]:
        return OVERDUE
    if tally["due_soon"]:
        return DUE_SOON
    return NEUTRAL


@dataclass(frozen=True)
class QueueEntry:
    """One queue of a role: its label, where it is listed, and how to count it."""

    label: str
    url_name: str
    query: str
    tally: str  # the name of a Today property


def _workbench(key: str) -> QueueEntry:
    return QueueEntry(queues.QUEUES[key].label, "cases:workbench", f"queue={key}", f"workbench_{key}")


OPEN_ORDERS = QueueEntry(_("未办结督办"), "supervision:order_list", "status=open", "open_orders")
CALLBACKS = QueueEntry(_("待回访"), "supervision:callbacks", "status=pending", "callbacks")
DESK = QueueEntry(_("本单位待办案件"), "cases:department_desk", "", "desk")
SUMMONSES = QueueEntry(_("吹哨待报到"), "cases:department_desk", "", "summonses")
TO_ANSWER = QueueEntry(_("待答复督办"), "supervision:orders_to_answer", "", "orders_to_answer")
RECEIVED_TODAY = QueueEntry(_("今日受理"), "cases:intake", "", "received_today")
WORKBENCH = [_workbench(key) for key in queues.TO_DECIDE_QUEUES]

# What the "today" panel counts for each role.
TODAY_QUEUES = {
    Role.RECEPTION: [RECEIVED_TODAY],
    Role.COORDINATOR: [*WORKBENCH, OPEN_ORDERS, CALLBACKS],
    Role.LIAISON: [DESK, SUMMONSES, TO_ANSWER],
    Role.LEADER: [OPEN_ORDERS, CALLBACKS],
    Role.ADMIN: WORKBENCH,
}


@dataclass(frozen=True)
class UrgentItem:
    kind: str
    reference: str
    title: str
    deadline: dt.datetime
    url: str
    colour: str


class Today:
    """The signed-in user's queues and most urgent items, each counted once per request."""

    def __init__(self, user, *, now: dt.datetime):
        self.user = user
        self.now = now
        self.role = role_of(user)
        self.department = department_of(user) if self.role == Role.LIAISON else None

    # --- Tallies: {"count", "overdue", "due_soon"} --------------------------------------------

    @cached_property
    def _workbench(self) -> dict[str, dict[str, int]]:
        return queues.workbench_tallies(user=self.user, now=self.now)

    @property
    def workbench_new(self):
        return self._workbench["new"]

    @property
    def workbench_assessing(self):
        return self._workbench["assessing"]

    @property
    def workbench_returned(self):
        return self._workbench["returned"]

    @property
    def workbench_reviewing(self):
        return self._workbench["reviewing"]

    @cached_property
    def open_orders(self):
        return supervision.open_orders_tally(user=self.user, now=self.now)

    @cached_property
    def callbacks(self):
        return supervision.callbacks_tally(user=self.user)

    @cached_property
    def desk(self):
        if self.department is None:
            return dict(EMPTY)
        return queues.department_desk_tally(department=self.department, now=self.now)

    @cached_property
    def summonses(self):
        if self.department is None:
            return dict(EMPTY)
        return queues.department_summons_tally(department=self.department, now=self.now)

    @cached_property
    def desk_and_summonses(self):
        """The desk's menu badge: cases to act on and whistles to report to."""
        return {key: self.desk[key] + self.summonses[key] for key in EMPTY}

    @cached_property
    def orders_to_answer(self):
        if self.department is None:
            return dict(EMPTY)
        return supervision.orders_to_answer_tally(department=self.department, now=self.now)

    @cached_property
    def received_today(self):
        return queues.received_today_tally(user=self.user, now=self.now)

    def tally(self, name: str) -> dict[str, int]:
        return getattr(self, name)

    # --- The panel ------------------------------------------------------------------------------

    def queues(self) -> list[dict]:
        """The role's queues with their counts and colour, linked to their lists."""
        rows = []
        for entry in TODAY_QUEUES.get(self.role, []):
            tally = self.tally(entry.tally)
            url = reverse(entry.url_name) + (f"?{entry.query}" if entry.query else "")
            rows.append({"label": entry.label, "url": url, "colour": colour_of(tally), **tally})
        return rows

    def urgent(self) -> list[UrgentItem]:
        """The role's items with the nearest deadlines, overdue ones first, at most three."""
        cases, orders = [], []
        if self.role in (Role.COORDINATOR, Role.ADMIN):
            cases = [
                (c, c.assess_by)
                for c in queues.cases_to_decide_by_deadline(user=self.user, now=self.now, limit=URGENT_ITEMS)
            ]
        elif self.role == Role.LIAISON and self.department is not None:
            cases = [
                (c, c.running_deadline)
                for c in queues.department_cases_by_deadline(department=self.department, limit=URGENT_ITEMS)
            ]
        if self.role in (Role.COORDINATOR, Role.LEADER):
            orders = supervision.orders_waiting_by_deadline(user=self.user, limit=URGENT_ITEMS)
        elif self.role == Role.LIAISON and self.department is not None:
            orders = supervision.orders_waiting_by_deadline(department=self.department, limit=URGENT_ITEMS)
        items = [
            UrgentItem(
                _("案件"), case.code_display, case.title, deadline, reverse("cases:detail", args=[case.code]),
                self._colour(deadline),
            )
            for case, deadline in cases
        ] + [
            UrgentItem(
                _("督办单"), order.number, order.case.title, order.respond_by,
                reverse("supervision:order_detail", args=[order.number]), self._colour(order.respond_by),
            )
            for order in orders
        ]  # fmt: skip
        items.sort(key=lambda item: item.deadline)
        return items[:URGENT_ITEMS]

    def _colour(self, deadline: dt.datetime) -> str:
        if deadline < self.now:
            return OVERDUE
        if deadline < self.now + queues.DUE_SOON:
            return DUE_SOON
        return NEUTRAL

    @cached_property
    def panel(self) -> dict:
        return {"queues": self.queues(), "items": self.urgent()}
