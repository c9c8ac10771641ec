"""The deadline sweep (时限巡查): reminders, supervision orders and leader-level orders, set-based.

It watches the center's own stage as well as the departments': the "assess by" deadline printed on
the receipt (研判交办) for cases not yet assigned. Its reminder and order concern no department:
they go to the center's coordinators (and the order to the duty board), never count against a
department, and do not put the case under supervision (a case not yet assigned has no one to
supervise but the center).

One run reads every stage near or past its deadline in a handful of queries on the indexed
deadline columns, decides in Python what is due, and writes reminders, orders, events, the
supervise transitions and inbox rows in bulk. The number of queries does not grow with the
number of cases.

Idempotent by construction: reminders are unique per (case, stage, deadline) and orders per
(case, stage, level, deadline) in the database. Rows are inserted in a fixed order with
``ON CONFLICT DO NOTHING``, each run tags its rows with its own token and then reads back by
token only the rows it really inserted; everything that follows (numbers, events, state,
notifications) concerns those rows alone. A second run, or a run in another worker at the
same moment, finds nothing left to do.

"Now" is always taken in Python and passed in, never the database clock.
"""

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.codes import display_code
from cases.models import WITH_DEPARTMENT_STATES, WORKING_STATES, Case, Notification, RiskColour, State
from cases.services import cases_supervise_bulk
from departments.deadlines import DeadlineTable, reminder_moment
from departments.models import Stage

from .. import notify
from ..expressions import ShareOfTimePassed
from ..models import Level, OrderStatus, Reason, Reminder, SupervisionOrder, SupervisionOrderEvent
from ..webhooks import ORDER_ISSUED, ORDER_RAISED, WebhookBatch, payload
from .orders import allocate_order_numbers, default_action, site_language

WITH_DEPARTMENT = WITH_DEPARTMENT_STATES
# A deadline order whose case has left the department's hands is not raised any more; other
# orders (evaluations, callbacks, instructions) are, unless the case left the center.
STILL_HANDLED = WORKING_STATES
OFF_RAMP = (State.REJECTED, State.WITHDRAWN, State.ESCALATED)
# The center's own stage: assessing a case it has not yet assigned.
NOT_YET_ASSIGNED = (State.RECEIVED, State.ASSESSING)


@dataclass
class SweepResult:
    """What one run did."""

    reminders: int = 0
    orders: int = 0
    leader_orders: int = 0
    raised: int = 0
    supervised_cases: int = 0
    notifications: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Due:
    """A stage of a case, its deadline and what the sweep needs to decide about it."""

    case_id: int
    center_id: int
    department_id: int | None  # None: the center's own duty (the assessment stage)
    stage: str
    start: dt.datetime | None
    deadline: dt.datetime | None
    colour: str
    category: str
    package_id: int | None
    order_id: int | None = None  # the order whose answer is due (stage respond)
    order_level: str = ""
    order_reason: str = ""
    order_number: str = ""


class _Texts:
    """Every text a run writes, translated once (not once per row)."""

    def __init__(self):
        self.assess_missed = _("研判交办期限（%(deadline)s）已过，请立即研判交办，并说明延误原因。")
        self.accept_missed = _("签收期限（%(deadline)s）已过，请立即签收，并说明延误原因。")
        self.handle_missed = _("办结期限（%(deadline)s）已过，请说明办理进展、延误原因和预计办结时间。")
        self.red = _("红色预警案件逾期，挂牌督办。")
        self.raised = _("督办单 %(number)s 逾期未答复，升级为挂牌督办，请立即答复。")
        self.problem = default_action(Reason.PROBLEM_CASE)
        self.supervise = _("%(level)s %(number)s：%(reason)s")
        self.reminder_title = _("期限提醒：%(code)s %(title)s 的%(stage)s期限为 %(deadline)s")
        self.reminder_body = _("时限已过 %(percent)s%%，请抓紧办理。")
        self.order_title = _("%(level)s %(number)s：%(code)s %(title)s")
        self.order_body = _("%(action)s\n请于 %(respond_by)s 前答复。")
        self.levels = {value: str(label) for value, label in Level.choices}
        self.reasons = {value: str(label) for value, label in Reason.choices}
        self.stages = {value: str(label) for value, label in Stage.choices}
        # One reverse() per run; each order's link is the same path with its number in it.
        self.order_url = reverse("supervision:order_detail", args=["DB0000000000"])

    def url(self, number: str) -> str:
        return self.order_url.replace("DB0000000000", number)


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def deadline_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Send the reminders, issue the orders and raise the levels that are due at ``now``."""
    now = now or timezone.now()
    with site_language():
        return _Sweep(now).run()


class _Sweep:
    def __init__(self, now: dt.datetime):
        self.now = now
        self.token = uuid.uuid4()
        self.policy = DeadlineTable()
        self.texts = _Texts()
        self.webhooks = WebhookBatch()
        self.result = SweepResult()

    def run(self) -> SweepResult:
        reminders: list[Reminder] = []
        orders: list[SupervisionOrder] = []
        for due in self._case_stages() + self._answers_due():
            if due.deadline > self.now:
                if (reminder := self._reminder_if_due(due)) is not None:
                    reminders.append(reminder)
            elif due.stage == Stage.RESPOND:
                orders.append(self._raised_order(due))
            else:
                orders.append(self._missed_deadline_order(due))
        orders += [self._problem_order(due) for due in self._problem_cases()]

        my_reminders = self._insert_reminders(reminders)
        my_orders = self._insert_orders(orders)
        result = self.result
        result.reminders = len(my_reminders)
        result.orders = sum(1 for o in my_orders if o["level"] == Level.ORDER)
        result.leader_orders = sum(1 for o in my_orders if o["level"] == Level.LEADER)
        raised = self._link_raised_orders() if result.leader_orders else []
        result.raised = len(raised)
        self._log(my_orders, raised)
        result.supervised_cases = len(self._supervise(my_orders))
        result.notifications = len(self._notify(my_reminders, my_orders))
        self.webhooks.emit(
            ORDER_ISSUED,
            [(f"supervision-order-{o['number']}-issued", _payload(o, self.now)) for o in my_orders],
        )
        self.webhooks.emit(
            ORDER_RAISED,
            [
                (
                    f"supervision-order-{number}-raised",
                    {"number": number, "raised_to": to_number, "case": case_code},
                )
                for _pk, _from, number, to_number, case_code in raised
            ],
        )
        return result

    # --- Reading what is due ------------------------------------------------------------------

    def _reminder_window(self, stage: str, start, end):
        """A coarse SQL test: could a reminder be due (at the lowest reminder point of any rule)?"""
        share = max(self.policy.lowest_reminder_percent(stage) - 1, 0) / 100
        return ShareOfTimePassed(start, end, share=share, now=self.now)

    def _case_stages(self) -> list[_Due]:
        """Assess, accept and handle stages with a reminder or an order still to come (three queries)."""
        now, dues = self.now, []
        with_department = Q(lead_department__isnull=False)
        # Until it is assigned a case's colour is the one proposed at intake, which timed assess_by.
        assessed_colour = Coalesce(NullIf(F("risk_colour"), Value("")), F("proposed_colour"))
        stages = (
            # A case a department returned was assigned in time once: its assess_by is done with.
            (Stage.ASSESS, "assess_by", "created_at", Q(state__in=NOT_YET_ASSIGNED, assigned_at__isnull=True),
             assessed_colour),
            (Stage.ACCEPT, "accept_by", "assigned_at", Q(state=State.ASSIGNED) & with_department, F("risk_colour")),
            (Stage.HANDLE, "due_by", "stage_start", Q(state__in=WITH_DEPARTMENT) & with_department, F("risk_colour")),
        )  # fmt: skip
        for stage, deadline, start, in_stage, colour_of in stages:
            reminded = Reminder.objects.filter(case=OuterRef("pk"), stage=stage, deadline=OuterRef(deadline))
            ordered = SupervisionOrder.objects.filter(
                case=OuterRef("pk"), stage=stage, deadline=OuterRef(deadline)
            )
            rows = (
                Case.objects.filter(in_stage, **{f"{deadline}__isnull": False})
                .annotate(stage_start=Coalesce("accepted_at", "assigned_at"), colour=colour_of)
                .alias(
                    reminded=Exists(reminded),
                    has_order=Exists(ordered.filter(level=Level.ORDER)),
                    has_leader=Exists(ordered.filter(level=Level.LEADER)),
                    may_remind=self._reminder_window(stage, F(start), F(deadline)),
                )
                .filter(
                    Q(**{f"{deadline}__gt": now}, reminded=False, may_remind=True)
                    | Q(**{f"{deadline}__lte": now}, has_leader=False)
                    & (Q(has_order=False) | Q(colour=RiskColour.RED))
                )
                .order_by("pk")
                .values_list(
                    "pk",
                    "center_id",
                    "lead_department_id",
                    "colour",
                    "category",
                    "package_id",
                    start,
                    deadline,
                )
            )
            for pk, center_id, department_id, colour, category, package_id, begun, due in rows:
                if stage == Stage.ASSESS:
                    department_id = None  # the center's own duty
                dues.append(
                    _Due(pk, center_id, department_id, stage, begun, due, colour, category, package_id)
                )
        return dues

    def _answers_due(self) -> list[_Due]:
        """Orders awaiting an answer with a reminder or a raise still to come (one query).

        A deadline order is followed while its stage is still someone's: a department's while the
        case is in its hands, the center's (no department) until the case is assigned.
        """
        now = self.now
        center = Q(department__isnull=True)
        reminded = Reminder.objects.filter(
            case=OuterRef("case_id"), stage=Stage.RESPOND, deadline=OuterRef("respond_by")
        )
        raised = SupervisionOrder.objects.filter(
            case=OuterRef("case_id"), stage=Stage.RESPOND, level=Level.LEADER, deadline=OuterRef("respond_by")
        )
        rows = (
            SupervisionOrder.objects.filter(status=OrderStatus.ISSUED)
            .exclude(case__state__in=OFF_RAMP)
            .exclude(Q(reason=Reason.DEADLINE_MISSED) & ~center & ~Q(case__state__in=STILL_HANDLED))
            .exclude(center & ~Q(case__state__in=NOT_YET_ASSIGNED))
            .alias(
                reminded=Exists(reminded),
                raised=Exists(raised),
                may_remind=self._reminder_window(Stage.RESPOND, F("respond_from"), F("respond_by")),
            )
            .filter(
                Q(respond_by__gt=now, reminded=False, may_remind=True)
                | Q(respond_by__lte=now, level=Level.ORDER, raised=False)
            )
            .order_by("pk")
            .values_list(
                "case_id", "case__center_id", "department_id", "respond_from", "respond_by", "case__risk_colour",
                "case__category", "case__package_id", "pk", "level", "reason", "number",
            )
        )  # fmt: skip
        return [
            _Due(case_id, center_id, department_id, Stage.RESPOND, start, deadline, colour, category, package_id,
                 order_id, level, reason, number)
            for case_id, center_id, department_id, start, deadline, colour, category, package_id, order_id, level,
            reason, number in rows
        ]  # fmt: skip

    def _problem_cases(self) -> list[_Due]:
        """Problem cases held by a department that have no leader-level order yet (one query)."""
        has_order = SupervisionOrder.objects.filter(case=OuterRef("pk"), reason=Reason.PROBLEM_CASE)
        rows = (
            Case.objects.filter(is_problem=True, state__in=WITH_DEPARTMENT, lead_department__isnull=False)
            .filter(~Exists(has_order))
            .order_by("pk")
            .values_list("pk", "center_id", "lead_department_id", "risk_colour", "category", "package_id")
        )
        return [
            _Due(pk, center_id, department_id, "", None, None, colour, category, package_id)
            for pk, center_id, department_id, colour, category, package_id in rows
        ]

    # --- Deciding -----------------------------------------------------------------------------

    def _reminder_if_due(self, due: _Due) -> Reminder | None:
        if due.start is None or due.start >= due.deadline:
            return None
        percent = self.policy.reminder_percent(
            stage=due.stage, colour=due.colour or "blue", package_id=due.package_id, category=due.category
        )
        remind_at = reminder_moment(due.start, due.deadline, percent)
        if remind_at > self.now:
            return None
        return Reminder(
            case_id=due.case_id, stage=due.stage, deadline=due.deadline, department_id=due.department_id,
            order_id=due.order_id, percent=percent, remind_at=remind_at, sent_at=self.now, sweep_token=self.token,
        )  # fmt: skip

    def _order(self, due: _Due, *, reason, level, stage, deadline, action) -> SupervisionOrder:
        now = self.now
        respond_by = self.policy.deadline(
            stage=Stage.RESPOND,
            colour=due.colour,
            start=now,
            package_id=due.package_id,
            category=due.category,
        )
        return SupervisionOrder(
            case_id=due.case_id, department_id=due.department_id, reason=reason, level=level, stage=stage,
            deadline=deadline, required_action=action, issued_by=None, issued_at=now, respond_from=now,
            respond_by=respond_by, sweep_token=self.token,
        )  # fmt: skip

    def _missed_deadline_order(self, due: _Due) -> SupervisionOrder:
        level = Level.LEADER if due.colour == RiskColour.RED else Level.ORDER
        template = {
            Stage.ASSESS: self.texts.assess_missed,
            Stage.ACCEPT: self.texts.accept_missed,
        }.get(due.stage, self.texts.handle_missed)
        action = template % {"deadline": _local(due.deadline)}
        if level == Level.LEADER:
            action = self.texts.red + action
        return self._order(
            due,
            reason=Reason.DEADLINE_MISSED,
            level=level,
            stage=due.stage,
            deadline=due.deadline,
            action=action,
        )

    def _raised_order(self, due: _Due) -> SupervisionOrder:
        return self._order(
            due, reason=due.order_reason, level=Level.LEADER, stage=Stage.RESPOND, deadline=due.deadline,
            action=self.texts.raised % {"number": due.order_number},
        )  # fmt: skip

    def _problem_order(self, due: _Due) -> SupervisionOrder:
        return self._order(
            due,
            reason=Reason.PROBLEM_CASE,
            level=Level.LEADER,
            stage="",
            deadline=None,
            action=self.texts.problem,
        )

    # --- Writing ------------------------------------------------------------------------------

    def _insert_reminders(self, rows: list[Reminder]) -> list[dict]:
        """Insert reminders, skipping any another run wrote first; return this run's own."""
        if not rows:
            return []
        rows.sort(key=lambda r: (r.case_id, r.stage, r.deadline))
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        return list(
            Reminder.objects.filter(sweep_token=self.token)
            .order_by("case_id", "stage")
            .values(
                "case_id", "stage", "deadline", "department_id", "percent", "case__code", "case__title",
                "case__center_id", "order__number",
            )
        )  # fmt: skip

    def _insert_orders(self, rows: list[SupervisionOrder]) -> list[dict]:
        """Insert orders, skipping any another run wrote first; number and return this run's own."""
        if not rows:
            return []
        # One global order of insertion: two runs inserting at once wait for each other instead
        # of deadlocking.
        rows.sort(key=lambda o: (o.case_id, o.stage, o.level, o.deadline or self.now))
        SupervisionOrder.objects.bulk_create(rows, ignore_conflicts=True)
        mine = list(
            SupervisionOrder.objects.filter(sweep_token=self.token)
            .order_by("-level", "case_id", "stage", "id")
            .values(
                "pk", "case_id", "department_id", "reason", "level", "stage", "deadline", "required_action",
                "respond_by", "case__code", "case__title", "case__center_id", "department__slug",
            )
        )  # fmt: skip
        numbers = allocate_order_numbers(year=timezone.localtime(self.now).year, count=len(mine))
        for order, number in zip(mine, numbers, strict=True):
            order["number"] = number
        if mine:
            SupervisionOrder.objects.bulk_update(
                [SupervisionOrder(pk=o["pk"], number=o["number"]) for o in mine], ["number"]
            )
        return mine

    def _link_raised_orders(self) -> list[tuple]:
        """Mark the orders this run's leader-level orders supersede as raised; return them."""
        # An order whose answer is overdue: the new order concerns its answer deadline.
        overdue = SupervisionOrder.objects.filter(
            sweep_token=self.token, level=Level.LEADER, stage=Stage.RESPOND,
            case_id=OuterRef("case_id"), deadline=OuterRef("respond_by"),
        )  # fmt: skip
        # An open order on a deadline that a red case missed: the leader-level order takes over.
        same_deadline = SupervisionOrder.objects.filter(
            sweep_token=self.token, level=Level.LEADER, case_id=OuterRef("case_id"),
            stage=OuterRef("stage"), deadline=OuterRef("deadline"),
        )  # fmt: skip
        groups = (
            (Q(status=OrderStatus.ISSUED), overdue),
            (
                Q(status__in=(OrderStatus.ISSUED, OrderStatus.RESPONDED), deadline__isnull=False),
                same_deadline,
            ),
        )
        raised = []
        for condition, target in groups:
            # Locked first: an answer arriving meanwhile waits, and the log says what they were.
            rows = list(
                SupervisionOrder.objects.select_for_update(of=("self",))
                .filter(condition, level=Level.ORDER)
                .filter(Exists(target))
                .annotate(target_number=Subquery(target.values("number")[:1]))
                .order_by("pk")
                .values_list("pk", "status", "number", "target_number", "case__code")
            )
            if rows:
                SupervisionOrder.objects.filter(pk__in=[r[0] for r in rows]).update(
                    status=OrderStatus.RAISED,
                    raised_to=Subquery(target.values("pk")[:1]),
                    updated_at=self.now,
                )
                raised += rows
        return raised

    def _log(self, orders: list[dict], raised: list[tuple]) -> None:
        """The orders' own history: issued, and raised (one INSERT)."""
        SupervisionOrderEvent.objects.bulk_create(
            [
                SupervisionOrderEvent(
                    order_id=o["pk"], action=SupervisionOrderEvent.Action.ISSUE, from_status="",
                    to_status=OrderStatus.ISSUED, data={"sweep": str(self.token)}, created_at=self.now,
                )
                for o in orders
            ]
            + [
                SupervisionOrderEvent(
                    order_id=pk, action=SupervisionOrderEvent.Action.RAISE, from_status=from_status,
                    to_status=OrderStatus.RAISED, data={"raised_to": to_number}, created_at=self.now,
                )
                for pk, from_status, _number, to_number, _case_code in raised
            ]
        )  # fmt: skip

    def _supervise(self, orders: list[dict]) -> list[int]:
        """Cases still in assigned or handling go under supervision (set-based).

        An order on the center's own duty (no department) supervises no department's handling.
        """
        orders = [o for o in orders if o["department_id"] is not None]
        if not orders:
            return []
        texts, reasons = self.texts, defaultdict(list)
        for o in orders:
            reasons[o["case_id"]].append(
                texts.supervise % {
                    "level": texts.levels[o["level"]], "number": o["number"], "reason": texts.reasons[o["reason"]],
                }
            )  # fmt: skip
        return cases_supervise_bulk(
            case_ids=reasons,
            reason_by_case={pk: "；".join(parts) for pk, parts in reasons.items()},
            data_by_case={pk: {"sweep": str(self.token)} for pk in reasons},
            now=self.now,
            webhooks=self.webhooks,
            notices=False,  # the order notices below tell the liaisons, once
        )

    def _notify(self, reminders: list[dict], orders: list[dict]) -> list[int]:
        """Inbox rows for this run's reminders and orders (a constant number of queries)."""
        if not reminders and not orders:
            return []
        texts = self.texts
        recipients = notify.Recipients(
            department_ids={r["department_id"] for r in reminders} | {o["department_id"] for o in orders},
            today=timezone.localdate(self.now),
        )
        rows = []
        for r in reminders:
            title = texts.reminder_title % {
                "code": display_code(r["case__code"]), "title": r["case__title"], "stage": texts.stages[r["stage"]],
                "deadline": _local(r["deadline"]),
            }  # fmt: skip
            body = texts.reminder_body % {"percent": r["percent"]}
            url = texts.url(r["order__number"]) if r["order__number"] else ""
            rows += [
                Notification(
                    user_id=user_id,
                    kind=notify.KIND_REMINDER,
                    title=title[:200],
                    body=body,
                    url=url,
                    case_id=r["case_id"],
                )
                for user_id in recipients.for_reminder(
                    department_id=r["department_id"], center_id=r["case__center_id"]
                )
            ]
        for o in orders:
            title = texts.order_title % {
                "level": texts.levels[o["level"]], "number": o["number"], "code": display_code(o["case__code"]),
                "title": o["case__title"],
            }  # fmt: skip
            body = texts.order_body % {"action": o["required_action"], "respond_by": _local(o["respond_by"])}
            kind = notify.KIND_LEADER if o["level"] == Level.LEADER else notify.KIND_ORDER
            users = recipients.for_order(
                department_id=o["department_id"], center_id=o["case__center_id"], level=o["level"]
            )
            rows += [
                Notification(
                    user_id=user_id,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    url=texts.url(o["number"]),
                    case_id=o["case_id"],
                )
                for user_id in users
            ]
        return notify.notify(rows)


def _payload(o: dict, now: dt.datetime) -> dict:
    return payload(
        number=o["number"], case_code=o["case__code"], department_slug=o["department__slug"], reason=o["reason"],
        level=o["level"], status=OrderStatus.ISSUED, stage=o["stage"], deadline=o["deadline"],
        respond_by=o["respond_by"], issued_at=now, by_system=True,
    )  # fmt: skip
