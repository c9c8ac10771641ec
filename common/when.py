"""How a deadline reads to people: the one rule, used by pages, notices, SMS and exports.

A deadline that falls at midnight is the end of the day before ("12月4日24时前"), never
"12月5日 00:00" — people read that as the wrong day. Machines (the API) keep ISO 8601.
"""

import datetime as dt

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _


def end_of_day_date(moment: dt.datetime) -> dt.date | None:
    """Return the local day a midnight deadline closes, or None when it is not at midnight."""
    local = timezone.localtime(moment)
    if local.time() != dt.time(0, 0):
        return None
    return local.date() - dt.timedelta(days=1)


def day_text(day: dt.date, now: dt.datetime | None = None) -> str:
    """Return a day as people read it: "12月4日" this year, "2027年1月4日" another."""
    this_year = timezone.localtime(now or timezone.now()).year
    # Translators: a day without the year, in Django's date format ("12月4日" / "4 Dec").
    fmt = _("n月j日") if day.year == this_year else _("Y年n月j日")
    return date_format(day, fmt)


def deadline_text(moment: dt.datetime | None, *, now: dt.datetime | None = None) -> str:
    """Return "12月4日24时前" for a midnight deadline, "12月4日17:30前" otherwise, "—" for none."""
    if moment is None:
        return "—"
    day = end_of_day_date(moment)
    if day is not None:
        return _("%(date)s24时前") % {"date": day_text(day, now)}
    local = timezone.localtime(moment)
    return _("%(date)s%(time)s前") % {
        "date": day_text(local.date(), now),
        "time": local.strftime("%H:%M"),
    }


def moment_text(moment: dt.datetime | None, *, now: dt.datetime | None = None) -> str:
    """Return a deadline as a point in time for lists ("12月4日24时" / "12月4日 17:30")."""
    if moment is None:
        return "—"
    day = end_of_day_date(moment)
    if day is not None:
        return _("%(date)s24时") % {"date": day_text(day, now)}
    local = timezone.localtime(moment)
    return _("%(date)s %(time)s") % {"date": day_text(local.date(), now), "time": local.strftime("%H:%M")}
