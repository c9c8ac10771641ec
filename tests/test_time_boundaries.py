"""Month and year boundaries are Asia/Shanghai boundaries: codes, reports, callbacks, the desk.

Every moment here is written as a Shanghai wall-clock time next to its UTC instant, because
the two fall on different days (and, on 31 December, in different years).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import State
from cases.queues import department_dashboard, recently_closed_since
from common.validators import id_number_check_character, validate_id_number
from supervision.reports.periods import month_period
from supervision.reports.selectors import summary_figures
from supervision.services import callback_round_sample, sampling_population

from .factories import CaseFactory, PartyFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def closed(department, when: dt.datetime, phone: str):
    case = CaseFactory(
        state=State.CLOSED, closed_at=when, lead_department=department, center=department.center
    )
    PartyFactory(case=case, phone=phone, id_number="")
    return case


# --- Case codes ------------------------------------------------------------------------------


def test_case_code_year_and_sequence_follow_shanghai_new_year(new_case):
    with time_machine.travel(at(2026, 12, 31, 23, 30), tick=False):
        last_of_2026 = new_case()
        also_2026 = new_case()
    # 00:10 on 1 January in Shanghai is still 31 December in UTC.
    with time_machine.travel(utc(2026, 12, 31, 16, 10), tick=False):
        first_of_2027 = new_case()
    with time_machine.travel(at(2027, 1, 1, 0, 30), tick=False):
        second_of_2027 = new_case()
    assert last_of_2026.code[6:10] == also_2026.code[6:10] == "2026"
    assert int(also_2026.code[10:16]) == int(last_of_2026.code[10:16]) + 1
    assert first_of_2027.code[6:16] == "2027000001"
    assert second_of_2027.code[6:16] == "2027000002"


# --- Reports and callbacks ----------------------------------------------------------------------


@pytest.fixture
def around_december(department):
    """One case closed ten minutes before Shanghai's 1 December, one ten minutes after."""
    return (
        closed(department, at(2026, 11, 30, 23, 50), "13800000001"),  # 15:50 UTC on 30 November
        closed(department, at(2026, 12, 1, 0, 10), "13800000002"),  # 16:10 UTC on 30 November
    )


def test_report_months_are_shanghai_months(around_december):
    november, december = month_period(dt.date(2026, 11, 1)), month_period(dt.date(2026, 12, 1))
    now = at(2026, 12, 1, 9)
    assert summary_figures(november.start, november.end, now)["closed"] == 1
    assert summary_figures(december.start, december.end, now)["closed"] == 1
    assert november.end == december.start == utc(2026, 11, 30, 16)


def test_callback_population_is_the_shanghai_month(around_december):
    late_november, early_december = around_december
    assert [c.case_id for c in sampling_population(dt.date(2026, 11, 1))] == [late_november.pk]
    assert [c.case_id for c in sampling_population(dt.date(2026, 12, 1))] == [early_december.pk]


def test_november_can_be_sampled_as_soon_as_it_ends_in_shanghai(around_december):
    late_november, _early_december = around_december
    with time_machine.travel(at(2026, 11, 30, 23, 59), tick=False), pytest.raises(ValidationError):
        callback_round_sample(month=dt.date(2026, 11, 1), seed=7)
    with time_machine.travel(utc(2026, 11, 30, 16, 5), tick=False):  # 00:05 on 1 December
        round, created = callback_round_sample(month=dt.date(2026, 11, 1), seed=7)
    assert created
    assert list(round.callbacks.values_list("case_id", flat=True)) == [late_november.pk]


def test_the_monthly_report_defaults_to_the_shanghai_month(client, coordinator):
    """The default is this month from its 5th working day (in Shanghai), the last complete month before."""
    with time_machine.travel(utc(2026, 12, 31, 16, 30), tick=False):  # 00:30 on 1 January 2027
        client.force_login(coordinator)
        response = client.get(reverse("supervision:reports_monthly"))
    assert response.status_code == 200
    assert "2026年12月督办工作月报" in response.content.decode()
    # 00:30 on Thursday 8 January 2026, the month's 5th working day; in UTC still the 4th, the 7th.
    with time_machine.travel(utc(2026, 1, 7, 16, 30), tick=False):
        client.force_login(coordinator)
        response = client.get(reverse("supervision:reports_monthly"))
    assert "2026年1月督办工作月报" in response.content.decode()


# --- The department desk ------------------------------------------------------------------------


def test_closed_in_the_last_30_days_counts_whole_shanghai_days(department):
    now = at(2026, 11, 18, 0, 30)  # 16:30 UTC on 17 November
    assert recently_closed_since(now) == at(2026, 10, 19)
    kept = closed(department, at(2026, 10, 19, 0, 10), "13800000003")  # 16:10 UTC on 18 October
    closed(department, at(2026, 10, 18, 23, 50), "13800000004")
    assert department_dashboard(department=department, now=now).closed_recently == [kept]


# --- Dates read from ID numbers ----------------------------------------------------------------


def test_a_birth_date_of_today_in_shanghai_is_valid_while_utc_is_still_yesterday():
    body = "11010520270101002"
    id_number = body + id_number_check_character(body)
    with time_machine.travel(utc(2026, 12, 31, 16, 30), tick=False):
        validate_id_number(id_number)
    with time_machine.travel(utc(2026, 12, 31, 15, 30), tick=False), pytest.raises(ValidationError):
        validate_id_number(id_number)  # 23:30 on 31 December: not born yet
