"""The reporting period: a month (``?month=2026-10``) or a date range (``?from=&to=``), this month by default."""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from common import parsing

MAX_DAYS = 3660  # ten years: wider ranges are a typo, not a question


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


def parse_period(params, *, today: dt.date) -> Period:
    """Read the period from query parameters; raise ValidationError for what cannot be read.

    ``from``/``to`` win over ``month``; a range missing its start begins on the first of the
    end's month, one missing its end runs to today.
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
    return month_period(today)
