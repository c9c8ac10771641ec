"""Working days and the deadline policy: weekends, holidays, make-up days, unknown years."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from cases.services import case_assign, case_start_assessment
from departments.deadlines import deadline_for, legal_limit_for, rule_for
from departments.models import CalendarDay, DeadlineRule, Stage
from departments.workdays import add_working_days, is_workday, years_missing_data

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (dt.date(2026, 11, 27), 1, dt.date(2026, 11, 30)),  # Friday → Monday: the weekend is skipped
        (dt.date(2026, 11, 27), 5, dt.date(2026, 12, 4)),
        (dt.date(2026, 9, 30), 1, dt.date(2026, 10, 8)),  # National Day holiday 1–7 October
        (dt.date(2026, 10, 9), 1, dt.date(2026, 10, 10)),  # Saturday 10 October is a make-up work day
        (dt.date(2026, 9, 18), 1, dt.date(2026, 9, 20)),  # Sunday 20 September is a make-up work day
        (dt.date(2027, 1, 1), 1, dt.date(2027, 1, 4)),  # 2027: not in the package → Monday–Friday
    ],
)
def test_add_working_days(db, start, count, expected):
    assert add_working_days(start, count) == expected


def test_administrators_override_the_calendar(db):
    CalendarDay.objects.create(date=dt.date(2027, 1, 4), is_workday=False, note="假设的调休")
    CalendarDay.objects.create(date=dt.date(2027, 1, 9), is_workday=True, note="假设的补班")
    assert not is_workday(dt.date(2027, 1, 4))
    assert is_workday(dt.date(2027, 1, 9))
    assert add_working_days(dt.date(2027, 1, 1), 1) == dt.date(2027, 1, 5)


def test_missing_years_are_reported_until_loaded(db):
    assert years_missing_data(dt.date(2026, 11, 27)) == [2027]
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, note="元旦")
    assert years_missing_data(dt.date(2026, 11, 27)) == []


def test_default_policy_is_loaded(db):
    assert (
        DeadlineRule.objects.filter(service=None, category="", is_legal_limit=False).count() == 12
    )  # 4 stages × 3 colours


def test_deadline_in_working_days_ends_at_local_midnight(db):
    start = dt.datetime(2026, 11, 27, 10, 0, tzinfo=SH)  # a Friday
    assert deadline_for(stage=Stage.ACCEPT, colour="yellow", start=start) == dt.datetime(
        2026, 12, 2, tzinfo=SH
    )


def test_deadline_over_a_holiday_and_into_an_unknown_year(db):
    start = dt.datetime(2026, 12, 30, 9, 0, tzinfo=SH)
    # 30 Dec (Wed) + 3 working days: 31 Dec, then 1 Jan 2027 — a holiday nobody has loaded yet, so
    # it counts as a Friday working day — then Monday 4 January.
    assert deadline_for(stage=Stage.ACCEPT, colour="blue", start=start) == dt.datetime(2027, 1, 5, tzinfo=SH)


def test_most_specific_rule_applies(db):
    DeadlineRule.objects.create(colour="yellow", stage=Stage.HANDLE, category="labour", amount=10)
    assert rule_for(stage=Stage.HANDLE, colour="yellow", category="labour").amount == 10
    assert rule_for(stage=Stage.HANDLE, colour="yellow", category="neighbour").amount == 15


def test_legal_limit_caps_the_deadline(db):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SH)
    DeadlineRule.objects.create(
        colour="blue", stage=Stage.HANDLE, category="petition", amount=90, unit="days"
    )
    limit, rule = legal_limit_for(stage=Stage.HANDLE, colour="blue", start=start, category="petition")
    assert rule.is_legal_limit
    assert limit == dt.datetime(2026, 5, 2, tzinfo=SH)  # 60 days after 2 March, end of day
    assert deadline_for(stage=Stage.HANDLE, colour="blue", start=start, category="petition") == limit


def test_assign_refuses_an_adjustment_past_the_legal_limit(new_case, coordinator, department):
    case = case_start_assessment(case=new_case(category="petition"), actor=coordinator)
    with pytest.raises(ValidationError) as exc:
        case_assign(
            case=case,
            actor=coordinator,
            risk_colour="blue",
            lead_department=department,
            due_by=dt.datetime(2099, 1, 1, tzinfo=SH),
            due_by_reason="当事人申请延期",
        )
    assert "due_by" in exc.value.message_dict
    case.refresh_from_db()
    assert case.state == "assessing"


def test_assign_adjustment_needs_a_reason(new_case, coordinator, department):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    with pytest.raises(ValidationError) as exc:
        case_assign(
            case=case,
            actor=coordinator,
            risk_colour="blue",
            lead_department=department,
            due_by=dt.datetime(2099, 1, 1, tzinfo=SH),
        )
    assert "due_by_reason" in exc.value.message_dict
