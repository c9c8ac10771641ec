"""Helpers of the ledger and risk-map tests: cases, leads and risk-ledger lines written with exact times.

Dates are relative to the suite's "now" (the month before the current one is the period), so the
tests hold on any day, at any month or year boundary in Asia/Shanghai.
"""

import datetime as dt

from django.utils import timezone

from cases.models import Case, HandlingRecord
from risk.models import Lead, RiskEntry
from supervision.reports.periods import Period, month_period

from ..factories import CaseFactory


def last_month() -> Period:
    """The complete month before the current one (local days)."""
    return month_period(timezone.localdate()).previous_month()


def make_case(*, center, created: dt.datetime, **fields) -> Case:
    """Write a case row with its creation time (auto_now_add would overwrite it)."""
    case = CaseFactory(center=center, **fields)
    Case.objects.filter(pk=case.pk).update(created_at=created)
    case.created_at = created
    return case


def make_record(case: Case, text: str, when: dt.datetime) -> HandlingRecord:
    record = HandlingRecord.objects.create(case=case, text=text)
    HandlingRecord.objects.filter(pk=record.pk).update(created_at=when)
    return record


def make_lead(*, center, external_id: str, occurred: dt.datetime, colour: str = "", **fields) -> Lead:
    fields.setdefault("feed", "police")
    fields.setdefault("text", "工地讨薪，二十余名工人聚集")
    return Lead.objects.create(
        center=center,
        received_center=center,
        external_id=external_id,
        occurred_at=occurred,
        proposed_colour=colour,
        **fields,
    )


def set_created(entry: RiskEntry, created: dt.datetime, resolved: dt.datetime | None = None) -> RiskEntry:
    """Move a risk-ledger line's registration (and resolution) time."""
    changes = {"created_at": created}
    if resolved is not None:
        changes.update(resolved_at=resolved, state=RiskEntry.State.RESOLVED)
    RiskEntry.objects.filter(pk=entry.pk).update(**changes)
    entry.refresh_from_db()
    return entry
