"""Loading a year's public holidays and make-up working days from the State Council notice.

The notice (国务院办公厅关于XXXX年部分节假日安排的通知) is copied into a small text file, one
line per date or date range::

    # date or first..last   holiday|workday   name
    2027-01-01              holiday           元旦
    2027-02-06..2027-02-12  holiday           春节
    2027-02-14              workday           春节调休上班

``休``/``班`` may stand for ``holiday``/``workday``; blank lines and ``#`` comments are ignored.
Loading replaces the year's entries in :class:`CalendarDay` (the days not listed follow the
official package, or Monday–Friday for a year it does not know).
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from audit.models import Action as AuditAction
from audit.services import access_log_record

from .models import CalendarDay

KINDS = {"holiday": False, "休": False, "workday": True, "班": True}


@dataclass(frozen=True)
class NoticeDay:
    date: dt.date
    is_workday: bool
    name: str


def _day(text: str, line: int) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(
            _("第 %(line)s 行：日期“%(text)s”应写作 YYYY-MM-DD。") % {"line": line, "text": text}
        ) from exc


def parse_notice(text: str, *, year: int) -> list[NoticeDay]:
    """Return the days a notice lists, in date order; raise ValidationError naming every bad line."""
    days: dict[dt.date, NoticeDay] = {}
    errors = []
    for number, raw in enumerate(str(text or "").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 3 or parts[1].lower() not in KINDS:
            errors.append(_("第 %(line)s 行：应为“日期或起..止 holiday/workday 名称”。") % {"line": number})
            continue
        span, kind, name = parts[0], parts[1].lower(), parts[2].strip()
        try:
            first_text, _sep, last_text = span.partition("..")
            first = _day(first_text, number)
            last = _day(last_text, number) if last_text else first
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if last < first or (last - first).days > 31:
            errors.append(_("第 %(line)s 行：日期区间无效。") % {"line": number})
            continue
        if first.year != year or last.year != year:
            errors.append(_("第 %(line)s 行：日期不在 %(year)s 年内。") % {"line": number, "year": year})
            continue
        day = first
        while day <= last:
            if day in days:
                errors.append(
                    _("第 %(line)s 行：%(day)s 重复出现。") % {"line": number, "day": day.isoformat()}
                )
            days[day] = NoticeDay(day, KINDS[kind], name[:100])
            day += dt.timedelta(days=1)
    if errors:
        raise ValidationError(errors)
    if not days:
        raise ValidationError(_("没有读到任何日期。"))
    return [days[d] for d in sorted(days)]


@transaction.atomic
def calendar_year_load(*, year: int, days: list[NoticeDay]) -> int:
    """Replace the year's calendar entries with the notice's days; return how many were written."""
    CalendarDay.objects.filter(date__year=year).delete()
    # With their history rows (bulk_create sends no save signal): who loaded the year is traceable.
    bulk_create_with_history(
        [CalendarDay(date=d.date, is_workday=d.is_workday, note=d.name) for d in days], CalendarDay
    )
    # A bulk insert sends no signal: the access log row is written here (the request's user, if any).
    access_log_record(
        action=AuditAction.CHANGE_CALENDAR,
        object_type="departments.calendarday",
        object_repr=str(year),
        details={
            "operation": "loaded",
            "year": year,
            "days": len(days),
            "workdays": [d.date.isoformat() for d in days if d.is_workday],
        },
    )
    return len(days)
