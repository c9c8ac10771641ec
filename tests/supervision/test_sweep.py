"""The deadline sweep across working days, a weekend, public holidays and a make-up work day.

Each level fires once, at the right moment, for each colour: a reminder at 80% of the time
allowed, a supervision order when the deadline passes (leader level for a red case), and
leader-level supervision when the order's own answer is overdue. Time moves with time-machine.
"""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import CaseEvent, Notification, RiskColour, State
from cases.services import case_assign, case_return_to_center, case_start_assessment
from departments.deadlines import DeadlineTable
from departments.models import DeadlineRule, Stage
from supervision.models import Level, OrderStatus, Reason, Reminder, SupervisionOrder, SupervisionOrderEvent

from .conftest import Position, at, sweep_at

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)


def counts():
    return (Reminder.objects.count(), SupervisionOrder.objects.count())


def inbox(user, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=kind))


# Assigned on Monday 12 October 2026 at 10:00 (an ordinary week): accept within 1, 2 or 3 working days.
MONDAY = at(2026, 10, 12, 10)
ACCEPT_BY = {
    RiskColour.RED: at(2026, 10, 14),  # end of Tuesday
    RiskColour.YELLOW: at(2026, 10, 15),  # end of Wednesday
    RiskColour.BLUE: at(2026, 10, 16),  # end of Thursday
}


@pytest.mark.parametrize("colour", [RiskColour.RED, RiskColour.YELLOW, RiskColour.BLUE])
def test_each_level_fires_once_at_the_right_moment(colour, assigned, liaison, duty_board):
    case = assigned(colour=colour, when=MONDAY)
    assert case.accept_by == ACCEPT_BY[colour]
    remind_at = MONDAY + (case.accept_by - MONDAY) * 0.8

    assert sweep_at(remind_at - SECOND).reminders == 0
    assert counts() == (0, 0)

    result = sweep_at(remind_at + SECOND)
    assert (result.reminders, result.orders, result.leader_orders) == (1, 0, 0)
    reminder = Reminder.objects.get()
    assert (reminder.case, reminder.stage, reminder.deadline, reminder.percent) == (
        case, Stage.ACCEPT, case.accept_by, 80,
    )  # fmt: skip
    assert len(inbox(liaison, "supervision_reminder")) == 1
    assert not inbox(duty_board[Position.DUTY_DIRECTOR], "supervision_reminder")

    assert sweep_at(remind_at + dt.timedelta(hours=1)).as_dict() == dict.fromkeys(
        ["reminders", "orders", "leader_orders", "raised", "supervised_cases", "notifications"], 0
    )
    assert sweep_at(case.accept_by - SECOND).orders == 0
    assert counts() == (1, 0)

    result = sweep_at(case.accept_by + SECOND)
    expected_level = Level.LEADER if colour == RiskColour.RED else Level.ORDER
    order = SupervisionOrder.objects.get()
    assert (order.level, order.reason, order.stage, order.deadline) == (
        expected_level, Reason.DEADLINE_MISSED, Stage.ACCEPT, case.accept_by,
    )  # fmt: skip
    assert (order.status, order.issued_by, order.department) == (
        OrderStatus.ISSUED,
        None,
        case.lead_department,
    )
    assert order.number.startswith("DB2026") and len(order.number) == 12
    assert order.respond_by > order.issued_at == case.accept_by + SECOND
    assert result.supervised_cases == 1

    case.refresh_from_db()
    assert case.state == State.SUPERVISED and case.version == 4
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.transition, event.from_state, event.to_state, event.actor) == (
        "supervise", State.ASSIGNED, State.SUPERVISED, None,
    )  # fmt: skip
    assert order.number in event.reason
    assert list(order.events.values_list("action", flat=True)) == [SupervisionOrderEvent.Action.ISSUE]

    kind = "supervision_leader" if expected_level == Level.LEADER else "supervision_order"
    assert len(inbox(liaison, kind)) == 1
    assert len(inbox(duty_board[Position.DUTY_DIRECTOR], kind)) == 1
    assert not inbox(duty_board["retired"], kind)
    directors_told = [
        bool(inbox(duty_board[p], kind)) for p in (Position.SECOND_DIRECTOR, Position.FIRST_DIRECTOR)
    ]
    assert directors_told == [expected_level == Level.LEADER] * 2

    # Nothing fires twice.
    assert sweep_at(case.accept_by + dt.timedelta(minutes=10)).orders == 0
    assert counts() == (1, 1)


def test_an_overdue_order_is_raised_to_leader_level_once(assigned, liaison, duty_board):
    case = assigned(colour=RiskColour.YELLOW, when=MONDAY)
    sweep_at(ACCEPT_BY[RiskColour.YELLOW] + SECOND)
    order = SupervisionOrder.objects.get()
    # Yellow: answer within 3 working days of Thursday 00:00:01 → by the end of Tuesday 20 October.
    assert order.respond_by == at(2026, 10, 21)
    answer_remind_at = order.respond_from + (order.respond_by - order.respond_from) * 0.8

    result = sweep_at(answer_remind_at + SECOND)
    assert (result.reminders, result.leader_orders) == (1, 0)
    assert Reminder.objects.get(stage=Stage.RESPOND).order == order

    assert sweep_at(order.respond_by - SECOND).leader_orders == 0
    result = sweep_at(order.respond_by + SECOND)
    assert (result.leader_orders, result.raised, result.supervised_cases) == (1, 1, 0)
    order.refresh_from_db()
    leader = SupervisionOrder.objects.get(level=Level.LEADER)
    assert (order.status, order.raised_to) == (OrderStatus.RAISED, leader)
    assert (leader.stage, leader.deadline, leader.reason, leader.status) == (
        Stage.RESPOND, order.respond_by, Reason.DEADLINE_MISSED, OrderStatus.ISSUED,
    )  # fmt: skip
    assert order.number in leader.required_action
    assert list(order.events.values_list("action", "from_status", "to_status")) == [
        ("issue", "", "issued"),
        ("raise", "issued", "raised"),
    ]
    for position in (Position.SECOND_DIRECTOR, Position.FIRST_DIRECTOR, Position.DUTY_DIRECTOR):
        assert len(inbox(duty_board[position], "supervision_leader")) == 1
    assert len(inbox(liaison, "supervision_leader")) == 1
    case.refresh_from_db()
    assert case.state == State.SUPERVISED

    # A leader-level order is the top: it is not raised again, and nothing repeats.
    assert sweep_at(leader.respond_by + dt.timedelta(days=3)).as_dict()["leader_orders"] == 0
    assert SupervisionOrder.objects.count() == 2


def test_a_red_case_over_a_holiday_and_a_weekend(assigned, duty_board):
    # Thursday 24 September 2026; Friday 25 is the Mid-Autumn Festival, then the weekend.
    case = assigned(colour=RiskColour.RED, when=at(2026, 9, 24, 10))
    assert case.accept_by == at(2026, 9, 29)  # one working day: Monday 28 September
    assert sweep_at(at(2026, 9, 25, 12)).reminders == 0  # the festival
    assert sweep_at(at(2026, 9, 27, 23)).reminders == 0  # Sunday night, 77% of the time gone
    assert sweep_at(at(2026, 9, 28, 2, 1)).reminders == 1  # 80% is Monday 02:00
    assert sweep_at(at(2026, 9, 28, 23, 59)).leader_orders == 0
    result = sweep_at(at(2026, 9, 29, 0, 0, 1))
    assert (result.orders, result.leader_orders) == (0, 1)
    assert SupervisionOrder.objects.get().level == Level.LEADER
    assert len(inbox(duty_board[Position.FIRST_DIRECTOR], "supervision_leader")) == 1
    case.refresh_from_db()
    assert case.state == State.SUPERVISED


def test_national_day_and_the_saturday_make_up_day(assigned):
    # Wednesday 30 September 2026, blue: 1–7 October are holidays, Saturday 10 October is a working day.
    case = assigned(colour=RiskColour.BLUE, when=at(2026, 9, 30, 10))
    assert case.accept_by == at(2026, 10, 11)  # 8, 9 and 10 October
    assert sweep_at(at(2026, 10, 5, 12)).reminders == 0
    assert sweep_at(at(2026, 10, 8, 21, 0)).reminders == 0
    assert sweep_at(at(2026, 10, 8, 21, 30)).reminders == 1  # 80% of 254 hours: Thursday 21:12
    assert sweep_at(at(2026, 10, 10, 23, 59)).orders == 0  # the make-up Saturday still counts
    assert sweep_at(at(2026, 10, 11, 0, 0, 1)).orders == 1
    assert SupervisionOrder.objects.get().level == Level.ORDER


def test_handling_deadline_counts_from_acceptance_and_a_red_case_goes_to_leader_level(assigned, liaison):
    case = assigned(colour=RiskColour.RED, when=MONDAY, accept_at=at(2026, 10, 13, 9))
    # Red: 7 working days from Monday → the end of Wednesday 21 October.
    assert case.due_by == at(2026, 10, 22) and case.state == State.HANDLING
    remind_at = case.accepted_at + (case.due_by - case.accepted_at) * 0.8
    assert sweep_at(remind_at - SECOND).reminders == 0
    assert sweep_at(remind_at + SECOND).reminders == 1
    assert Reminder.objects.get().stage == Stage.HANDLE
    result = sweep_at(case.due_by + SECOND)
    assert result.leader_orders == 1
    order = SupervisionOrder.objects.get()
    assert (order.stage, order.deadline, order.level) == (Stage.HANDLE, case.due_by, Level.LEADER)
    case.refresh_from_db()
    event = case.events.latest("id")
    assert (event.transition, event.from_state) == ("supervise", State.HANDLING)


def test_a_case_turned_red_after_its_order_gets_leader_level_and_the_order_is_raised(assigned):
    case = assigned(colour=RiskColour.YELLOW, when=MONDAY, accept_at=at(2026, 10, 12, 15))
    sweep_at(case.due_by + SECOND)
    ordinary = SupervisionOrder.objects.get()
    assert (ordinary.stage, ordinary.level) == (Stage.HANDLE, Level.ORDER)
    case.__class__.objects.filter(pk=case.pk).update(risk_colour=RiskColour.RED)
    result = sweep_at(case.due_by + dt.timedelta(minutes=10))
    assert (result.leader_orders, result.raised) == (1, 1)
    ordinary.refresh_from_db()
    leader = SupervisionOrder.objects.get(level=Level.LEADER)
    assert (ordinary.status, ordinary.raised_to) == (OrderStatus.RAISED, leader)
    assert (leader.stage, leader.deadline) == (Stage.HANDLE, ordinary.deadline)


def test_a_problem_case_gets_one_leader_level_order(new_case, coordinator, liaison, department):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    for _n in range(3):
        case = case_assign(
            case=case, actor=coordinator, risk_colour=RiskColour.BLUE, lead_department=department
        )
        case = case_return_to_center(case=case, actor=liaison, reason="不属于本单位职责")
    case.refresh_from_db()
    assert case.is_problem and case.risk_colour == RiskColour.RED and case.state == State.ASSESSING
    from supervision.services import deadline_sweep

    assert deadline_sweep().leader_orders == 0  # no department holds it now
    case = case_assign(case=case, actor=coordinator, risk_colour=RiskColour.RED, lead_department=department)
    result = deadline_sweep()
    assert (result.leader_orders, result.supervised_cases) == (1, 1)
    order = SupervisionOrder.objects.get()
    assert (order.reason, order.level, order.stage, order.deadline) == (
        Reason.PROBLEM_CASE,
        Level.LEADER,
        "",
        None,
    )
    assert deadline_sweep().leader_orders == 0


def test_the_reminder_point_is_policy_data(assigned):
    DeadlineRule.objects.filter(stage=Stage.ACCEPT, colour=RiskColour.BLUE, is_legal_limit=False).update(
        reminder_percent=50
    )
    case = assigned(colour=RiskColour.BLUE, when=MONDAY)
    halfway = MONDAY + (case.accept_by - MONDAY) / 2
    assert sweep_at(halfway - SECOND).reminders == 0
    assert sweep_at(halfway + SECOND).reminders == 1
    assert Reminder.objects.get().percent == 50


def test_a_missed_deadline_without_an_earlier_sweep_gets_its_order_but_no_late_reminder(assigned):
    # The sweep was not running for days (say, the broker was down): the next run catches up.
    case = assigned(colour=RiskColour.BLUE, when=MONDAY)
    result = sweep_at(case.accept_by + dt.timedelta(days=3))
    assert (result.reminders, result.orders) == (0, 1)


def test_cases_in_other_states_are_left_alone(new_case, coordinator):
    # Assessing cases are watched on their assess_by (test_sweep_assess.py); one refused at the
    # desk, and one received before assess_by was stored, have nothing for the sweep.
    from cases.models import Case
    from cases.services import case_reject

    case_reject(case=new_case(), actor=coordinator, reason="不属于受理范围")
    old = case_start_assessment(case=new_case(title="另一案件"), actor=coordinator)
    Case.objects.filter(pk=old.pk).update(assess_by=None)
    assert sweep_at(timezone.now() + dt.timedelta(days=60)).as_dict() == dict.fromkeys(
        ["reminders", "orders", "leader_orders", "raised", "supervised_cases", "notifications"], 0
    )


def test_the_deadline_table_agrees_with_deadline_for(center):
    from departments.deadlines import deadline_for
    from departments.models import Service, ServicePackage

    arbitration = Service.objects.create(name="仲裁", slug="arbitration")
    package = ServicePackage.objects.create(name="劳动争议套餐", slug="labour")
    package.services.set([arbitration])
    DeadlineRule.objects.create(
        colour="yellow", stage=Stage.HANDLE, amount=45, unit=DeadlineRule.Unit.DAYS, service=arbitration,
        is_legal_limit=True,
    )  # fmt: skip
    DeadlineRule.objects.create(
        colour="blue", stage=Stage.RESPOND, amount=2, unit=DeadlineRule.Unit.WORKING_DAYS, category="labour"
    )
    DeadlineRule.objects.create(
        colour="red", stage=Stage.RESPOND, amount=6, unit=DeadlineRule.Unit.HOURS, service=arbitration
    )
    DeadlineRule.objects.filter(stage=Stage.ASSESS, colour="yellow").delete()  # the fallback applies
    table = DeadlineTable()
    for start in (at(2026, 9, 24, 10), at(2026, 9, 30, 16, 30)):
        for stage in (Stage.ASSESS, Stage.ACCEPT, Stage.HANDLE, Stage.RESPOND):
            for colour in ("red", "yellow", "blue", ""):  # "": not yet assessed
                for package_id, services in ((None, []), (package.pk, [arbitration])):
                    for category in ("labour", "petition"):
                        expected = deadline_for(
                            stage=stage, colour=colour, start=start, services=services, category=category
                        )
                        got = table.deadline(
                            stage=stage, colour=colour, start=start, package_id=package_id, category=category
                        )
                        assert got == expected, (stage, colour, package_id, category, start)
