"""Recomputing deadlines that were counted Monday–Friday once the year's holidays are loaded."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from departments.deadlines import DeadlineTable
from departments.holidays import calendar_year_load
from departments.models import Stage
from departments.workdays import years_without_data

from ..models import OPEN_STATES, Case, CaseEvent, State
from .bulk import record_history

RECOMPUTE = "recompute_deadlines"
FIELDS = ("assess_by", "accept_by", "due_by")
_ASSESSING = (State.RECEIVED, State.ASSESSING)


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


@transaction.atomic
def case_deadlines_recompute(*, actor=None, now: dt.datetime | None = None) -> list[int]:
    """Recompute the open cases' provisional deadlines under today's calendar; return the changed ids.

    Each changed case gets a :class:`CaseEvent` with its old and new deadlines. A handling
    deadline a coordinator set by hand (with a reason) is kept. A constant number of queries.
    """
    now = now or timezone.now()
    cases = list(
        Case.objects.select_for_update()
        .filter(deadlines_provisional=True, state__in=OPEN_STATES)
        .only(
            "id", "state", "created_at", "updated_at", "assigned_at", "proposed_colour", "risk_colour", "category",
            "package_id", "assess_by", "accept_by", "due_by", "deadlines_provisional", "version",
        )
        .order_by("pk")
    )  # fmt: skip
    if not cases:
        return []
    adjusted = set(
        CaseEvent.objects.filter(
            case_id__in=[c.pk for c in cases], transition="assign", data__has_key="due_by_reason"
        ).values_list("case_id", flat=True)
    )
    table = DeadlineTable()
    changed, events = [], []
    new_values = {}
    for case in cases:
        new = {name: getattr(case, name) for name in FIELDS}
        if case.state in _ASSESSING and case.assess_by:
            new["assess_by"] = table.deadline(
                stage=Stage.ASSESS, colour=case.proposed_colour, start=case.created_at, category=case.category
            )
        if case.assigned_at:
            kwargs = {
                "colour": case.risk_colour,
                "start": case.assigned_at,
                "package_id": case.package_id,
                "category": case.category,
            }
            new["accept_by"] = table.deadline(stage=Stage.ACCEPT, **kwargs)
            if case.pk not in adjusted:
                new["due_by"] = table.deadline(stage=Stage.HANDLE, **kwargs)
        new_values[case.pk] = new
    # Which years still lack data, over every span at once (one query at most).
    spans = [
        (
            timezone.localdate(c.assigned_at or c.created_at),
            timezone.localdate(max(d for d in v.values() if d)),
        )
        for c in cases
        if (v := new_values[c.pk]) and any(v.values())
    ]
    missing = set(years_without_data(min(s[0] for s in spans), max(s[1] for s in spans))) if spans else set()
    for case in cases:
        new = new_values[case.pk]
        old = {name: getattr(case, name) for name in FIELDS}
        ends = [d for d in new.values() if d]
        start = timezone.localdate(case.assigned_at or case.created_at)
        provisional = bool(ends) and any(
            year in missing for year in range(start.year, timezone.localdate(max(ends)).year + 1)
        )
        if new == old and provisional == case.deadlines_provisional:
            continue
        for name, value in new.items():
            setattr(case, name, value)
        case.deadlines_provisional = provisional
        case.version += 1  # a page showing the old deadlines is now stale
        case.updated_at = now
        changed.append(case)
        if new != old:
            events.append(
                CaseEvent(
                    case_id=case.pk,
                    actor=actor if getattr(actor, "is_authenticated", False) else None,
                    transition=RECOMPUTE,
                    from_state=case.state,
                    to_state=case.state,
                    data={
                        "old": {k: _iso(v) for k, v in old.items()},
                        "new": {k: _iso(v) for k, v in new.items()},
                        "provisional": provisional,
                    },
                    created_at=now,
                )
            )
    if changed:
        Case.objects.bulk_update(changed, [*FIELDS, "deadlines_provisional", "version", "updated_at"])
        CaseEvent.objects.bulk_create(events)
        # bulk_update sends no save signal: the history rows are written here, in one INSERT.
        record_history(
            [case.pk for case in changed],
            actor=actor,
            reasons=dict.fromkeys((case.pk for case in changed), RECOMPUTE),
            now=now,
        )
    return [event.case_id for event in events]


@transaction.atomic
def calendar_notice_load(*, year: int, days, actor=None) -> tuple[int, list[int]]:
    """Load a year's holidays and make-up days, then recompute provisional deadlines.

    Returns ``(dates loaded, ids of the cases whose deadlines changed)``. The calendar belongs to
    ``departments``; the cases it moves belong here, so the one entry point is a cases service,
    used by the admin page and by ``manage.py load_calendar_year`` alike.
    """
    count = calendar_year_load(year=year, days=days)
    return count, case_deadlines_recompute(actor=actor)
