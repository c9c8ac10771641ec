"""The reporting period: a month (``?month=2026-10``) or a date range (``?from=&to=``).

Without either, :func:`default_period`: this month once enough of it has passed, the last
complete month before that.
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from common import parsing
from departments.workdays import WorkCalendar

MAX_DAYS = 3660  # ten years: wider ranges are a typo, not a question
# This month is the default from its 5th working day on; before, the last complete month is:
# on 1 December three cases and "0.0%" say nothing, November says what the leader wants to know.
CURRENT_MONTH_FROM_WORKING_DAY = 5


@dataclass(frozen=True)
class Period:
    """A half-open span of local days [first, last + 1 day), as aware datetimes in the center's zone."""

    first: dt.date
    last: dt.date
    is_month: bool

    @property
    def start(self) -> dt.datetime:
        return _local_midnight(self.first)

    @property
    def end(self) -> dt.datetime:
        return _local_midnight(self.last + dt.timedelta(days=1))

    @property
    def month_param(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def label(self) -> str:
        if self.is_month:
            return _("%(year)s年%(month)s月") % {"year": self.first.year, "month": self.first.month}
        return _("%(first)s 至 %(last)s") % {"first": self.first.isoformat(), "last": self.last.isoformat()}

    @property
    def query(self) -> str:
        """The query string that selects this period again."""
        if self.is_month:
            return f"month={self.month_param}"
        return f"from={self.first.isoformat()}&to={self.last.isoformat()}"

    def previous_month(self) -> "Period":
        return month_period((self.first.replace(day=1) - dt.timedelta(days=1)).replace(day=1))

    def next_month(self) -> "Period":
        return month_period(self.first.replace(day=28) + dt.timedelta(days=4))


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_current_timezone())


def month_period(day: dt.date) -> Period:
    """Return the calendar month that contains ``day``."""
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(day.replace(day=1), day.replace(day=last), is_month=True)


def parse_month(text: str) -> Period:
    try:
        return month_period(parsing.parse_month(text))
    except parsing.ParseError as exc:
        raise ValidationError(_("月份格式应为 YYYY-MM，如 2026-10。"), code="month") from exc


def _parse_day(text: str, field: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text.strip())
        if not 1900 <= day.year <= 9998:  # the days before and after must exist
            raise ValueError(day)
        return day
    except ValueError as exc:
        raise ValidationError({field: _("日期格式应为 YYYY-MM-DD。")}, code="date") from exc


def working_day_of_month(today: dt.date) -> int:
    """How many working days of ``today``'s month have begun by ``today`` (today included if one)."""
    first = today.replace(day=1)
    calendar = WorkCalendar(first, today)
    return sum(calendar.is_workday(first + dt.timedelta(days=n)) for n in range((today - first).days + 1))


def default_period(today: dt.date) -> Period:
    """The period a report page shows when none is asked for (``today`` in the center's zone).

    This month from its ``CURRENT_MONTH_FROM_WORKING_DAY``-th working day on; before that, the
    last complete month (in January, December of the year before).
    """
    this_month = month_period(today)
    if working_day_of_month(today) >= CURRENT_MONTH_FROM_WORKING_DAY:
        return this_month
    return this_month.previous_month()


def parse_period(params, *, today: dt.date, default: Period | None = None) -> Period:
    """Read the period from query parameters; raise ValidationError for what cannot be read.

    ``from``/``to`` win over ``month``; a range missing its start begins on the first of the
    end's month, one missing its end runs to today. Neither: ``default`` (this month if none).
    """
    first_text, last_text = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    if first_text or last_text:
        last = _parse_day(last_text, "to") if last_text else max(today, _parse_day(first_text, "from"))
        first = _parse_day(first_text, "from") if first_text else last.replace(day=1)
        if first > last:
            raise ValidationError({"to": _("结束日期不能早于开始日期。")}, code="order")
        if (last - first).days > MAX_DAYS:
            raise ValidationError({"from": _("统计区间不能超过十年。")}, code="too_long")
        if first.day == 1 and last == month_period(first).last:
            return month_period(first)
        return Period(first, last, is_month=False)
    if month_text := (params.get("month") or "").strip():
        return parse_month(month_text)
    return default or month_period(today)
