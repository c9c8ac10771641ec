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
from dataclasses import asdict, dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import RiskColour
from departments.deadlines import DeadlineTable, reminder_moment
from departments.models import Stage

from ...models import Level, Reason, Reminder, SupervisionOrder
from ...webhooks import ORDER_ISSUED, ORDER_RAISED, WebhookBatch
from ..orders import default_action, site_language
from .reading import ReadingMixin, _Due
from .writing import WritingMixin, _local, _payload


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


class _Texts:
    """Every text a run writes, translated once (not once per row)."""

    def __init__(self):
        self.assess_missed = _("研判交办期限（%(deadline)s）已过，请立即研判交办，并说明延误原因。")
        self.accept_missed = _("签收期限（%(deadline)s）已过，请立即签收，并说明延误原因。")
        self.handle_missed = _("办结期限（%(deadline)s）已过，请说明办理进展、延误原因和预计办结时间。")
        self.red = _("红色预警案件逾期，挂牌督办。")
        self.whistle_late = _("未按时报到：吹哨报到期限（%(deadline)s）已过，请立即报到，并说明延误原因。")
        self.referral_overdue = _(
            "下派案件办结期限（%(deadline)s）已过，请说明办理进展、延误原因和预计办结时间。"
        )
        self.raised = _("督办单 %(number)s 逾期未答复，升级为挂牌督办，请立即答复。")
        self.problem = default_action(Reason.PROBLEM_CASE)
        self.supervise = _("%(level)s %(number)s：%(reason)s")
        self.reminder_title = _("期限提醒：%(code)s %(title)s 的%(stage)s期限为 %(deadline)s")
        self.reminder_body = _("时限已过 %(percent)s%%，请抓紧办理。")
        self.order_title = _("%(level)s %(number)s：%(code)s %(title)s")
        self.order_body = _("%(action)s\n请于%(respond_by)s答复。")
        self.levels = {value: str(label) for value, label in Level.choices}
        self.reasons = {value: str(label) for value, label in Reason.choices}
        self.stages = {value: str(label) for value, label in Stage.choices}
        # One reverse() per run; each order's link is the same path with its number in it.
        self.order_url = reverse("supervision:order_detail", args=["DB0000000000"])

    def url(self, number: str) -> str:
        return self.order_url.replace("DB0000000000", number)


@transaction.atomic
def deadline_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Send the reminders, issue the orders and raise the levels that are due at ``now``."""
    now = now or timezone.now()
    with site_language():
        return _Sweep(now).run()


class _Sweep(ReadingMixin, WritingMixin):
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
        # The network of centers: departments summoned by a whistle that did not report in time,
        # and cases assigned down that the child center has not finished by the parent's deadline.
        orders += [self._network_order(due, Reason.WHISTLE_LATE) for due in self._late_summonses()]
        orders += [self._network_order(due, Reason.REFERRAL_OVERDUE) for due in self._overdue_referrals()]

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

    def _network_order(self, due: _Due, reason: str) -> SupervisionOrder:
        template = self.texts.whistle_late if reason == Reason.WHISTLE_LATE else self.texts.referral_overdue
        order = self._order(
            due,
            reason=reason,
            level=Level.ORDER,
            stage=due.stage,
            deadline=due.deadline,
            action=template % {"deadline": _local(due.deadline)},
        )
        order.issuing_center_id = due.issuing_center_id
        return order

    def _problem_order(self, due: _Due) -> SupervisionOrder:
        return self._order(
            due,
            reason=Reason.PROBLEM_CASE,
            level=Level.LEADER,
            stage="",
            deadline=None,
            action=self.texts.problem,
        )
