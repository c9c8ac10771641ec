"""Reading what is due: the stages, answers and problem cases near or past their deadlines."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, NullIf

from cases.models import (
    OPEN_STATES,
    WITH_DEPARTMENT_STATES,
    WORKING_STATES,
    Case,
    Referral,
    ReferralKind,
    ReferralStatus,
    RiskColour,
    State,
    WhistleSummons,
)
from departments.models import Stage

from ...expressions import ShareOfTimePassed
from ...models import Level, OrderStatus, Reason, Reminder, SupervisionOrder

WITH_DEPARTMENT = WITH_DEPARTMENT_STATES
# A deadline order whose case has left the department's hands is not raised any more; other
# orders (evaluations, callbacks, instructions) are, unless the case left the center.
STILL_HANDLED = WORKING_STATES
OFF_RAMP = (State.REJECTED, State.WITHDRAWN, State.ESCALATED)
# The center's own stage: assessing a case it has not yet assigned.
NOT_YET_ASSIGNED = (State.RECEIVED, State.ASSESSING)


def _colour(prefix: str):
    """The case's colour; until it is assessed, the one proposed at intake, else blue."""
    return Coalesce(
        NullIf(F(f"{prefix}risk_colour"), Value("")),
        NullIf(F(f"{prefix}proposed_colour"), Value("")),
        Value(RiskColour.BLUE),
    )


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
    issuing_center_id: int | None = None  # the center that supervises, when not the case's own


class ReadingMixin:
    """The sweep's queries: a fixed number, whatever the number of cases."""

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

    def _late_summonses(self) -> list[_Due]:
        """Summonses past their deadline still waiting for 报到, with no order yet (one query).

        The order goes to the summoned department; the center that blew the whistle supervises.
        A department that reported late before the sweep came by gets no order (it is counted).
        """
        ordered = SupervisionOrder.objects.filter(
            case_id=OuterRef("whistle__case_id"),
            department_id=OuterRef("department_id"),
            stage=Stage.WHISTLE,
            deadline=OuterRef("respond_by"),
        )
        rows = (
            WhistleSummons.objects.filter(
                status=WhistleSummons.Status.WAITING,
                respond_by__lte=self.now,
                whistle__case__state__in=OPEN_STATES,
            )
            .filter(~Exists(ordered))
            .annotate(colour=_colour("whistle__case__"))
            .order_by("pk")
            .values_list(
                "whistle__case_id", "whistle__case__center_id", "department_id", "respond_by",
                "colour", "whistle__case__category", "whistle__case__package_id",
                "whistle__center_id",
            )
        )  # fmt: skip
        return [
            _Due(case_id, center_id, department_id, Stage.WHISTLE, None, deadline, colour, category, package_id,
                 issuing_center_id=issuing_center_id)
            for case_id, center_id, department_id, deadline, colour, category, package_id, issuing_center_id in rows
        ]  # fmt: skip

    def _overdue_referrals(self) -> list[_Due]:
        """Cases assigned down (下派) and still worked by the child center past their deadline, with no order (one query).

        The order concerns the child center holding the case (no department); the parent supervises.
        """
        ordered = SupervisionOrder.objects.filter(
            case_id=OuterRef("case_id"), stage=Stage.REFERRAL, deadline=OuterRef("due_by"), level=Level.ORDER
        )
        rows = (
            Referral.objects.filter(kind=ReferralKind.DOWN, status=ReferralStatus.ACTIVE, due_by__lte=self.now)
            .filter(~Exists(ordered))
            .annotate(colour=_colour("case__"))
            .order_by("pk")
            .values_list(
                "case_id", "case__center_id", "due_by", "colour", "case__category", "case__package_id",
                "from_center_id",
            )
        )  # fmt: skip
        return [
            _Due(case_id, center_id, None, Stage.REFERRAL, None, deadline, colour, category, package_id,
                 issuing_center_id=issuing_center_id)
            for case_id, center_id, deadline, colour, category, package_id, issuing_center_id in rows
        ]  # fmt: skip
