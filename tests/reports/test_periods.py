"""Reading the period from the query string."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from supervision.reports.periods import default_period, month_period, parse_period

TODAY = dt.date(2026, 10, 20)


def parse(query: str):
    return parse_period(QueryDict(query), today=TODAY)


def test_this_month_by_default():
    period = parse("")
    assert (period.first, period.last, period.is_month) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31), True)
    assert period.label == "2026年10月" and period.query == "month=2026-10"
    assert period.start.isoformat() == "2026-10-01T00:00:00+08:00"
    assert period.end.isoformat() == "2026-11-01T00:00:00+08:00"


@pytest.mark.parametrize(
    ("query", "first", "last", "is_month"),
    [
        ("month=2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28), True),
        ("month=2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), True),
        ("from=2026-10-03&to=2026-10-09", dt.date(2026, 10, 3), dt.date(2026, 10, 9), False),
        ("from=2026-09-01&to=2026-09-30", dt.date(2026, 9, 1), dt.date(2026, 9, 30), True),  # a whole month
        ("from=2026-10-05", dt.date(2026, 10, 5), TODAY, False),  # to today
        ("to=2026-09-12", dt.date(2026, 9, 1), dt.date(2026, 9, 12), False),  # from the first of its month
        ("month=2026-01&from=2026-10-03&to=2026-10-04", dt.date(2026, 10, 3), dt.date(2026, 10, 4), False),
        ("from=2026-10-03&to=2026-10-03", dt.date(2026, 10, 3), dt.date(2026, 10, 3), False),
    ],
)
def test_months_and_ranges(query, first, last, is_month):
    period = parse(query)
    assert (period.first, period.last, period.is_month) == (first, last, is_month)


@pytest.mark.parametrize(
    "query",
    [
        "month=2026-13",
        "month=10/2026",
        "month=",
        "from=2026-10-09&to=2026-10-01",
        "from=2026年10月1日",
        "from=1990-01-01&to=2026-01-01",
    ],
)
def test_what_cannot_be_read_is_refused(query):
    if query == "month=":
        assert parse(query).is_month  # empty means the default
        return
    with pytest.raises(ValidationError):
        parse(query)


def test_neighbouring_months():
    october = month_period(dt.date(2026, 10, 15))
    assert october.previous_month().first == dt.date(2026, 9, 1)
    assert october.next_month().first == dt.date(2026, 11, 1)
    assert month_period(dt.date(2026, 1, 31)).previous_month().last == dt.date(2025, 12, 31)
    assert month_period(dt.date(2026, 12, 1)).next_month().first == dt.date(2027, 1, 1)


# --- The default period: this month from its 5th working day, the last complete month before ----


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "shown"),
    [
        # December 2026: Tue 1, Wed 2, Thu 3, Fri 4 are working days 1–4; Mon 7 is the 5th.
        (dt.date(2026, 12, 1), (2026, 11)),
        (dt.date(2026, 12, 4), (2026, 11)),
        (dt.date(2026, 12, 6), (2026, 11)),  # a Sunday: still four working days
        (dt.date(2026, 12, 7), (2026, 12)),
        (dt.date(2026, 12, 31), (2026, 12)),
        # January 2026: New Year's Day off, Sunday the 4th a make-up working day, so the 5th is Thu 8.
        (dt.date(2026, 1, 1), (2025, 12)),
        (dt.date(2026, 1, 7), (2025, 12)),
        (dt.date(2026, 1, 8), (2026, 1)),
        # October 2026: the National Day holiday runs to the 7th; the 5th working day is Tue 13.
        (dt.date(2026, 10, 12), (2026, 9)),
        (dt.date(2026, 10, 13), (2026, 10)),
    ],
)
def test_the_default_period_waits_for_the_fifth_working_day(today, shown):
    period = default_period(today)
    assert period.is_month and (period.first.year, period.first.month) == shown
    assert period.last == month_period(period.first).last  # a whole month, never a part


@pytest.mark.django_db
def test_the_default_period_follows_the_administrators_calendar():
    """A working day declared by an administrator counts (here a Saturday in a year the package lacks)."""
    from departments.models import CalendarDay

    # March 2027: Mon 1 – Thu 4 are working days 1–4; Friday the 5th would be the 5th.
    assert default_period(dt.date(2027, 3, 4)).first == dt.date(2027, 2, 1)
    assert default_period(dt.date(2027, 3, 5)).first == dt.date(2027, 3, 1)
    CalendarDay.objects.create(date=dt.date(2027, 3, 2), is_workday=False, note="调休")
    assert default_period(dt.date(2027, 3, 5)).first == dt.date(2027, 2, 1)
    assert default_period(dt.date(2027, 3, 8)).first == dt.date(2027, 3, 1)


def test_an_empty_query_takes_the_default_given():
    november = month_period(dt.date(2026, 11, 1))
    assert parse_period(QueryDict(""), today=dt.date(2026, 12, 2), default=november) == november
    assert parse_period(
        QueryDict("month=2026-12"), today=dt.date(2026, 12, 2), default=november
    ).first == dt.date(2026, 12, 1)
