"""Working days: the official Chinese calendar, administrators' overrides, and a safe fallback.

chinese-calendar knows each year's holidays and make-up work days only up to its release
(1.11.0 covers 2004–2026). Entries in :class:`CalendarDay` override it; for a year it does not
know and that has no entries, Monday–Friday are working days, and :func:`years_missing_data`
tells administrators which years still need loading.
"""

import datetime as dt
import functools

import chinese_calendar

from .models import CalendarDay


@functools.cache
def official_year_range() -> tuple[int, int]:
    """Return the first and last year the installed chinese-calendar package knows."""
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


def _official_is_workday(day: dt.date) -> bool:
    first, last = official_year_range()
    if first <= day.year <= last:
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            pass
    return day.weekday() < 5


class WorkCalendar:
    """Answer "is this a working day?" for a span of dates with one query for overrides."""

    def __init__(self, start: dt.date, end: dt.date):
        self.overrides = dict(
            CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday")
        )

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _official_is_workday(day)


def is_workday(day: dt.date) -> bool:
    """Return whether ``day`` is a working day."""
    return WorkCalendar(day, day).is_workday(day)


def add_working_days(day: dt.date, count: int) -> dt.date:
    """Return the ``count``-th working day after ``day`` (``day`` itself is not counted)."""
    # Long holidays (Spring Festival, National Day) add at most ~10 days per 5 working days.
    calendar = WorkCalendar(day, day + dt.timedelta(days=count * 3 + 30))
    current = day
    remaining = count
    while remaining > 0:
        current += dt.timedelta(days=1)
        if calendar.is_workday(current):
            remaining -= 1
    return current


def years_missing_data(today: dt.date) -> list[int]:
    """Return this year and next if neither the package nor the administrators cover them.

    Always one query, whatever the date: pages that show the warning keep a fixed query count.
    """
    _, last = official_year_range()
    years = (today.year, today.year + 1)
    loaded = {
        day.year
        for day in CalendarDay.objects.filter(
            date__gte=dt.date(years[0], 1, 1), date__lte=dt.date(years[-1], 12, 31)
        ).dates("date", "year")
    }
    return [year for year in years if year > last and year not in loaded]


def years_without_data(first: dt.date, last: dt.date) -> list[int]:
    """Return the years from ``first`` to ``last`` counted Monday–Friday for want of data.

    Always one query, whatever the years: the pages and services that ask keep a query count
    that does not depend on the date.
    """
    _, known = official_year_range()
    loaded = {
        day.year
        for day in CalendarDay.objects.filter(
            date__gte=dt.date(first.year, 1, 1), date__lte=dt.date(last.year, 12, 31)
        ).dates("date", "year")
    }
    return [year for year in range(first.year, last.year + 1) if year > known and year not in loaded]
