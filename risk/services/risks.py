"""The risk ledger (风险隐患台账): a lead put under watch, or a case marked as a risk, becomes a line.

Only a coordinator of the center that holds the lead or case (for a line: of the line's center,
:func:`risk.permissions.may_edit_risk_entry`) writes to the ledger. Each write validates the
colour, the review date and the responsible department (one of the center's own or of a center
above it) and raises ValidationError with field errors otherwise.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, RiskColour
from common.exceptions import ActionForbidden
from departments.models import Department, Level, Role
from departments.permissions import role_of
from departments.scope import works_at

from ..models import Lead, RiskEntry


def _require_coordinator_at(actor, center_id: int) -> None:
    if not (role_of(actor) == Role.COORDINATOR and works_at(actor, center_id)):
        raise ActionForbidden(_("仅本中心研判督办专员可登记风险隐患。"))


def _check(*, center_id: int, colour: str = "", review_on=None, department=None, measures: str = "") -> None:
    """Raise ValidationError (by field) for a colour, review date, department or measures the ledger cannot hold."""
    errors = {}
    if colour and colour not in RiskColour.values:
        errors["colour"] = [_("风险等级应为红色、黄色或蓝色。")]
    if review_on is not None and not isinstance(review_on, dt.date):
        errors["review_on"] = [_("复查日期格式应为 YYYY-MM-DD。")]
    if department is not None:
        from departments.models import Center

        center = Center.objects.only("path").get(pk=center_id)
        chain = [code for code in center.path.split("/") if code]
        if not Center.objects.filter(pk=department.center_id, code__in=chain).exists():
            errors["department"] = [_("责任单位应为本中心或上级中心的入驻单位。")]
    if len(measures) > 5000:
        errors["measures"] = [_("管控措施最多 5000 个字符。")]
    if errors:
        raise ValidationError(errors)


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
    _check(
        center_id=lead.center_id, colour=colour, review_on=review_on, department=department, measures=measures
    )
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
    _check(center_id=case.center_id, colour=colour, review_on=review_on, measures=measures)
    entry, _created = RiskEntry.objects.update_or_create(
        case=case,
        defaults={
            "center_id": case.center_id,
            "title": case.title,
            "colour": colour or case.risk_colour or case.proposed_colour or "blue",
            "township_id": case.place.township_id
            if case.place_id
            else (case.center_id if case.center.level == Level.TOWNSHIP else None),
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
def risk_entry_update(
    *,
    actor,
    entry: RiskEntry,
    measures: str,
    review_on: dt.date | None = None,
    department: Department | None = None,
) -> RiskEntry:
    """Change a ledger line's measures, review date and responsible department."""
    _require_coordinator_at(actor, entry.center_id)
    _check(center_id=entry.center_id, review_on=review_on, department=department, measures=measures)
    entry.measures = measures.strip()
    entry.review_on = review_on
    entry.department = department
    entry.save(update_fields=["measures", "review_on", "department", "updated_at"])
    return entry


@transaction.atomic
def risk_entry_resolve(*, actor, entry: RiskEntry, note: str = "") -> RiskEntry:
    """Mark a ledger line resolved (已化解), with what was done."""
    _require_coordinator_at(actor, entry.center_id)
    if entry.state == RiskEntry.State.RESOLVED:
        raise ValidationError({"state": [_("该风险隐患已化解。")]})
    entry.state = RiskEntry.State.RESOLVED
    entry.resolved_at = timezone.now()
    if note:
        entry.measures = f"{entry.measures}\n{note}".strip()
    entry.save(update_fields=["state", "resolved_at", "measures", "updated_at"])
    return entry
