"""Fixtures of the supervision tests: the duty board and cases brought to a stage at a given time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.services import case_accept, case_assign, case_start_assessment
from departments.models import DutyAssignment, Role

from ..factories import StaffFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
Position = DutyAssignment.Position


def at(*args) -> dt.datetime:
    """Return a Shanghai wall-clock time: at(2026, 10, 12, 10) is 10:00 on 12 October 2026."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def duty_board(center):
    """The directors and the duty director, each with an account, on the board all of 2026."""
    users = {}
    for position in (Position.FIRST_DIRECTOR, Position.SECOND_DIRECTOR, Position.DUTY_DIRECTOR):
        user = StaffFactory(role=Role.LEADER, center=center).user
        DutyAssignment.objects.create(
            center=center,
            position=position,
            person_name=f"{position}",
            user=user,
            start_date=dt.date(2026, 1, 1),
        )
        users[position] = user
    # A duty director whose turn has ended is not told.
    retired = StaffFactory(role=Role.LEADER, center=center).user
    DutyAssignment.objects.create(
        center=center,
        position=Position.DUTY_DIRECTOR,
        person_name="上一班",
        user=retired,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2025, 12, 31),
    )
    users["retired"] = retired
    return users


@pytest.fixture
def assigned(new_case, coordinator, department, liaison):
    """Bring a new case to assigned (or, with ``accept_at``, handling) at given moments."""

    def make(*, colour: str, when: dt.datetime, accept_at: dt.datetime | None = None, **case_fields):
        with time_machine.travel(when, tick=False):
            case = new_case(**case_fields)
            case = case_start_assessment(case=case, actor=coordinator)
            case = case_assign(case=case, actor=coordinator, risk_colour=colour, lead_department=department)
        if accept_at is not None:
            with time_machine.travel(accept_at, tick=False):
                case = case_accept(case=case, actor=liaison)
        return case

    return make


def sweep_at(when: dt.datetime):
    """Run the deadline sweep at ``when``."""
    from supervision.services import deadline_sweep

    with time_machine.travel(when, tick=False):
        return deadline_sweep()
