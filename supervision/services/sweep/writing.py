"""Writing what a run decided: reminders, orders, events, supervise transitions, notices."""

import datetime as dt
from collections import defaultdict

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from cases.codes import display_code
from cases.models import Notification
from cases.services import cases_supervise_bulk
from common.when import deadline_text, moment_text
from departments.models import Stage

from ... import notify
from ...models import Level, OrderStatus, Reason, Reminder, SupervisionOrder, SupervisionOrderEvent
from ...webhooks import payload
from ..orders import allocate_order_numbers


def _local(moment: dt.datetime) -> str:
    return moment_text(moment)


class WritingMixin:
    """The sweep's bulk inserts; each reads back by the run's token only the rows it really wrote."""

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

        An order on the center's own duty (no department) supervises no department's handling, nor
        does an order on a department summoned by a whistle (吹哨) that reported late.
        """
        # A summoned department's late 报到 does not put the lead department's handling under supervision.
        orders = [o for o in orders if o["department_id"] is not None and o["reason"] != Reason.WHISTLE_LATE]
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
            body = texts.order_body % {
                "action": o["required_action"],
                "respond_by": deadline_text(o["respond_by"]),
            }
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
