"""The dashboard's charts: weekly intake and the breakdowns by category, source and colour."""

import datetime as dt

from django.db.models import Case as DbCase
from django.db.models import Count, F, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Case,
    Category,
    RiskColour,
    Source,
)

from .figures import UNRATED, _in, scope_q

# --- Charts -------------------------------------------------------------------------------------


def weekly_intake(*, last_day: dt.date, weeks: int = 12, department=None, centers=None) -> list[dict]:
    """Cases received per week (Monday to Sunday) for ``weeks`` weeks ending with ``last_day``'s week.

    One conditional count per week over the span: the week boundaries are local midnights
    computed here, so the database only compares timestamps (an index-only scan of
    ``created_at``) instead of converting each row's time zone to truncate it.
    """
    monday = last_day - dt.timedelta(days=last_day.weekday())
    days = [monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    tz = timezone.get_current_timezone()
    bounds = [timezone.make_aware(dt.datetime.combine(day, dt.time()), tz) for day in days]
    bounds.append(timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(weeks=1), dt.time()), tz))
    cases = Case.objects.filter(_in("created_at", bounds[0], bounds[-1]), scope_q(centers))
    if department is not None:
        cases = cases.filter(lead_department=department)
    counts = cases.aggregate(
        **{
            f"w{i}": Count("created_at", filter=_in("created_at", bounds[i], bounds[i + 1]))
            for i in range(weeks)
        }
    )
    return [{"week": day, "count": counts[f"w{i}"]} for i, day in enumerate(days)]


def _breakdown(counts: dict, choices) -> list[dict]:
    counts = dict(counts)
    known = [{"key": value, "label": str(label), "count": counts.pop(value, 0)} for value, label in choices]
    if counts:  # values no longer among the choices, and blanks
        known.append({"key": UNRATED, "label": str(_("未定级/其他")), "count": sum(counts.values())})
    return known


def breakdowns(
    start: dt.datetime, end: dt.datetime, *, department=None, centers=None
) -> dict[str, list[dict]]:
    """Cases received in the period by category, source and risk colour (one grouped query)."""
    cases = Case.objects.filter(_in("created_at", start, end), scope_q(centers))
    if department is not None:
        cases = cases.filter(lead_department=department)
    shown_colour = DbCase(When(risk_colour="", then=F("proposed_colour")), default=F("risk_colour"))
    rows = cases.values("category", "source", colour=shown_colour).annotate(n=Count("id")).order_by()
    by: dict[str, dict[str, int]] = {"category": {}, "source": {}, "colour": {}}
    for row in rows:  # at most categories × sources × colours groups, summed per dimension
        for key in by:
            by[key][row[key]] = by[key].get(row[key], 0) + row["n"]
    return {
        "category": _breakdown(by["category"], Category.choices),
        "source": _breakdown(by["source"], Source.choices),
        "colour": _breakdown(by["colour"], RiskColour.choices),
    }
