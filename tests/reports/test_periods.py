"""Reading the period from the query string."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from supervision.reports.periods import month_period, parse_period

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
