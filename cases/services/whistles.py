"""吹哨报到: a center summons departments of the level above to a case, and each reports (报到)."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.exceptions import ActionForbidden, DomainError, InvalidTransition
from departments.models import Department, Role, WhistleRule
from departments.permissions import department_of, require_role
from integrations.events import WebhookEvent, case_sequence_key
from integrations.services import webhook_emit

from ..models import Case, Whistle, WhistleSummons
from ..permissions import may_report_summons, may_summon_for, whistle_state_allows
from ..selectors import summonable_departments
from .base import _log, _required


class AlreadyReported(DomainError):
    """The summoned department has already reported (报到) to this whistle."""

    code = "already_reported"
    status = 409
    default_message = _("该单位已经报到，无需重复报到。")


def late_hours(summons: WhistleSummons, now: dt.datetime | None = None) -> int:
    """Return how many whole hours (rounded up) the summons' answer is, or is by ``now``, past its deadline."""
    moment = summons.reported_at or now or timezone.now()
    late = moment - summons.respond_by
    if late <= dt.timedelta(0):
        return 0
    return int(-(-late.total_seconds() // 3600))


@transaction.atomic
def whistle_blow(
    *, case: Case, actor, departments: Iterable[Department | int], urgency: str, reason: str
) -> Whistle:
    """Blow the whistle on the case (吹哨): summon departments of the level above to report within the rule's hours."""
    require_role(actor, Role.COORDINATOR)
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("center", "lead_department")
        .get(pk=case.pk)
    )
    if not may_summon_for(actor, locked):
        raise ActionForbidden(_("只有案件所在综治中心的研判督办专员可以吹哨。"))
    if not whistle_state_allows(locked):
        raise InvalidTransition(
            _("案件处于“%(state)s”状态，不能吹哨。") % {"state": locked.get_state_display()},
            code="invalid_transition",
        )
    reason = _required(reason, "reason", _("请填写吹哨事由。"))
    if urgency not in WhistleRule.Urgency.values:
        raise ValidationError({"urgency": _("请选择紧急程度。")})
    ids = [d.pk if isinstance(d, Department) else int(d) for d in departments]
    if not ids:
        raise ValidationError({"departments": _("请至少选择一个被召单位。")})
    if len(set(ids)) != len(ids):
        raise ValidationError({"departments": _("被召单位不能重复。")})
    chosen = {d.pk: d for d in summonable_departments(locked).filter(pk__in=ids)}
    if len(chosen) != len(ids):
        raise ValidationError({"departments": _("只能召集上一级综治中心的在驻单位。")})

    now = timezone.now()
    hours = WhistleRule.hours_for(urgency)
    respond_by = now + dt.timedelta(hours=hours)  # clock hours: an urgent call waits for no working day
    whistle = Whistle.objects.create(
        case=locked,
        center=locked.center,
        urgency=urgency,
        hours=hours,
        reason=reason,
        blown_by=actor,
        blown_at=now,
    )
    summoned = [chosen[pk] for pk in ids]
    WhistleSummons.objects.bulk_create(
        [WhistleSummons(whistle=whistle, department=d, respond_by=respond_by) for d in summoned]
    )
    slugs = [d.slug for d in summoned]
    event = _log(
        locked,
        actor,
        "whistle",
        locked.state,
        locked.state,
        reason=reason,
        data={
            "whistle": whistle.pk,
            "departments": slugs,
            "urgency": urgency,
            "hours": hours,
            "respond_by": respond_by.isoformat(),
        },
        now=now,
    )
    webhook_emit(
        event_type=WebhookEvent.CASE_WHISTLE,
        event_id=f"whistle-{whistle.pk}",
        sequence_key=case_sequence_key(locked.code),
        payload={
            "event_id": event.pk,
            "case": locked.code,
            "whistle": whistle.pk,
            "center": locked.center.code,
            "departments": slugs,
            "urgency": urgency,
            "hours": hours,
            "respond_by": respond_by.isoformat(),
            "blown_at": now.isoformat(),
        },
    )
    return whistle


@transaction.atomic
def summons_report(*, summons: WhistleSummons, actor, attendee: str, note: str = "") -> WhistleSummons:
    """Record the summoned department's answer (报到); it then works the case as a co-department."""
    require_role(actor, Role.LIAISON)
    locked = (
        WhistleSummons.objects.select_for_update(of=("self",))
        .select_related("department", "whistle")
        .get(pk=summons.pk)
    )
    department = department_of(actor)
    if department is None or department.pk != locked.department_id:
        raise ActionForbidden(_("只有被召单位的联络员可以报到。"))
    if not may_report_summons(actor, locked):
        raise AlreadyReported()
    attendee = _required(attendee, "attendee", _("请填写到场人员的姓名和职务。"))
    if len(attendee) > WhistleSummons._meta.get_field("attendee").max_length:
        raise ValidationError({"attendee": _("到场人员不能超过 100 个字。")})
    note = (note or "").strip()

    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("lead_department")
        .get(pk=locked.whistle.case_id)
    )
    now = timezone.now()
    locked.status = WhistleSummons.Status.REPORTED
    locked.reported_at, locked.reported_by = now, actor
    locked.attendee, locked.note = attendee, note
    locked.save(update_fields=["status", "reported_at", "reported_by", "attendee", "note", "updated_at"])
    if case.lead_department_id != locked.department_id:
        case.co_departments.add(locked.department)  # a no-op if it already is one
    hours_late = late_hours(locked)
    event = _log(
        case,
        actor,
        "report_in",
        case.state,
        case.state,
        reason=note,
        data={
            "whistle": locked.whistle_id,
            "summons": locked.pk,
            "department": locked.department.slug,
            "attendee": attendee,
            "late": hours_late > 0,
            "late_hours": hours_late,
        },
        now=now,
    )
    webhook_emit(
        event_type=WebhookEvent.CASE_REPORT_IN,
        event_id=f"summons-{locked.pk}-report",
        sequence_key=case_sequence_key(case.code),
        payload={
            "event_id": event.pk,
            "case": case.code,
            "whistle": locked.whistle_id,
            "summons": locked.pk,
            "department": locked.department.slug,
            "respond_by": locked.respond_by.isoformat(),
            "reported_at": now.isoformat(),
            "late": hours_late > 0,
        },
    )
    return locked
