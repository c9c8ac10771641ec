"""The risk ledger (风险隐患台账): a lead put under watch, or a case marked as a risk, becomes a line."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from common.exceptions import ActionForbidden
from departments.models import Department, Level, Role
from departments.permissions import role_of
from departments.scope import works_at

from ..models import Lead, RiskEntry


def _require_coordinator_at(actor, center_id: int) -> None:
    if not (role_of(actor) == Role.COORDINATOR and works_at(actor, center_id)):
        raise ActionForbidden(_("仅本中心研判督办专员可登记风险隐患。"))


@transaction.atomic
def risk_entry_from_lead(
    *,
    actor,
    lead: Lead,
    measures: str = "",
    review_on: dt.date | None = None,
    department: Department | None = None,
    colour: str = "",
) -> RiskEntry:
    """Put a lead on the center's risk ledger (or update its line): a lead under watch is a risk."""
    _require_coordinator_at(actor, lead.center_id)
    entry, _created = RiskEntry.objects.update_or_create(
        lead=lead,
        defaults={
            "center_id": lead.center_id,
            "title": lead.text[:200],
            "colour": colour or lead.proposed_colour or "blue",
            "township_id": lead.township_id
            or (lead.center_id if lead.center.level == Level.TOWNSHIP else None),
            "place_id": lead.place_id,
            "department": department,
            "measures": measures,
            "review_on": review_on,
            "state": RiskEntry.State.OPEN,
            "resolved_at": None,
            "created_by": actor,
        },
    )
    return entry


@transaction.atomic
def risk_entry_from_case(
    *,
    actor,
    case: Case,
    measures: str = "",
    review_on: dt.date | None = None,
    colour: str = "",
) -> RiskEntry:
    """Mark a case as a risk (or update its line): the case's department is responsible."""
    _require_coordinator_at(actor, case.center_id)
    entry, _created = RiskEntry.objects.update_or_create(
        case=case,
        defaults={
            "center_id": case.center_id,
            "title": case.title,
            "colour": colour or case.risk_colour or case.proposed_colour or "blue",
            "township_id": case.place.township_id if case.place_id else None,
            "place_id": case.place_id,
            "department_id": case.lead_department_id,
            "measures": measures,
            "review_on": review_on,
            "state": RiskEntry.State.OPEN,
            "resolved_at": None,
            "created_by": actor,
        },
    )
    return entry


@transaction.atomic
def risk_entry_resolve(*, actor, entry: RiskEntry, note: str = "") -> RiskEntry:
    """Mark a ledger line resolved (已化解), with what was done."""
    _require_coordinator_at(actor, entry.center_id)
    entry.state = RiskEntry.State.RESOLVED
    entry.resolved_at = timezone.now()
    if note:
        entry.measures = f"{entry.measures}\n{note}".strip()
    entry.save(update_fields=["state", "resolved_at", "measures", "updated_at"])
    return entry
