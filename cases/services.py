"""Every write to a case goes through one of these services, for the web pages and the API alike.

Each service checks the actor's role (and department), locks the case row, refuses a stale
view of the case (someone else changed it meanwhile), fires the django-fsm transition, saves
with ``update_fields``, writes its :class:`CaseEvent` in the same transaction and queues
notifications after commit.
"""

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from common.exceptions import ConcurrentChange, InvalidTransition
from departments.deadlines import deadline_for, legal_limit_for
from departments.models import Center, Department, Desk, Role, Service, ServicePackage, Stage
from departments.permissions import department_of, require_liaison_of, require_role
from integrations.services import webhook_emit

from .attachments import max_files, validate_upload
from .codes import make_code
from .models import (
    Attachment,
    Case,
    CaseEvent,
    CaseSequence,
    Category,
    Evaluation,
    HandlingRecord,
    Party,
    Rating,
    RedirectTarget,
    ResultKind,
    RiskColour,
    State,
    Visit,
)
from .permissions import LEAD_LIAISON, TRANSITION_ROLES
from .selectors import repeat_visit_counts
from .tasks import notify_case_event

# A case returned or sent back this many times, or handed across this many departments, is a
# problem case (问题工单).
PROBLEM_THRESHOLD = 3


@dataclass(frozen=True)
class PartyData:
    """What the desk or an API client says about one party."""

    name: str
    phone: str = ""
    id_number: str = ""
    role: str = Party.Role.APPLICANT
    is_representative: bool = False
    address: str = ""


# --- Codes ------------------------------------------------------------------------------------


def next_case_number(*, county_code: str, year: int) -> int:
    """Take the next number of the county's yearly sequence inside the current transaction.

    One upsert that locks the sequence row until commit: concurrent intakes queue behind it,
    so numbers never repeat, and a rolled-back intake gives its number back (no gaps).
    """
    table = CaseSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (county_code, year, last_number) VALUES (%s, %s, 1) "
            f"ON CONFLICT (county_code, year) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [county_code, year],
        )
        return cursor.fetchone()[0]


def default_center() -> Center:
    """Return the county center this deployment runs."""
    from django.conf import settings

    return Center.objects.get(code=settings.ZONGZHI_COUNTY_CODE)


# --- Intake -----------------------------------------------------------------------------------


MAX_REPRESENTATIVES = 5


@transaction.atomic
def case_create(
    *,
    actor,
    title: str,
    description: str,
    category: str,
    source: str,
    parties: Sequence[PartyData],
    location: str = "",
    center: Center | None = None,
    desk: Desk | None = None,
    requested_services: Sequence[Service] = (),
    proposed_colour: str = "",
    colour_reason: str = "",
    is_collective: bool = False,
    people_count: int | None = None,
    intake_key: str | None = None,
) -> Case:
    """Record a new matter and give it its code (受理).

    ``intake_key`` makes a submission idempotent: a form posted twice gives the first case back.
    The risk colour proposed by repeat visits (3 in 90 days: yellow, 5: red) and by collective
    visits (5 people or more: red) is added here, so every channel applies the same rule.
    """
    require_role(actor, Role.RECEPTION, Role.COORDINATOR, Role.ADMIN)
    if intake_key and (existing := Case.objects.filter(intake_key=intake_key).first()):
        return existing
    if not parties:
        raise ValidationError({"parties": _("至少登记一名当事人。")})
    if sum(1 for p in parties if p.is_representative) > MAX_REPRESENTATIVES:
        raise ValidationError({"parties": _("集体访最多推选 5 名代表。")})
    people_count = max(people_count or 0, len(parties))
    center = center or default_center()
    now = timezone.now()
    case = Case(
        center=center,
        desk=desk,
        title=title,
        description=description,
        category=category,
        source=source,
        location=location,
        created_by=actor,
        is_collective=is_collective or people_count >= COLLECTIVE_PEOPLE,
        people_count=people_count,
        intake_key=intake_key or None,
    )
    case.full_clean(
        exclude=["code", "state", "center", "desk", "created_by", "package", "lead_department", "intake_key"]
    )
    party_rows = [
        Party(
            name=p.name,
            phone=p.phone,
            id_number=p.id_number,
            role=p.role,
            is_representative=p.is_representative,
            address=p.address,
            order=i,
        )
        for i, p in enumerate(parties)
    ]
    errors = {}
    for i, party in enumerate(party_rows):
        try:
            party.full_clean(exclude=["case"])
        except ValidationError as exc:
            errors.update({f"parties[{i}].{field}": msgs for field, msgs in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)

    visits = 1 + max(
        repeat_visit_counts(
            phones=[p.phone for p in party_rows], id_numbers=[p.id_number for p in party_rows], now=now
        ).values(),
        default=0,
    )
    colour, reason = stronger_colour(
        (proposed_colour, colour_reason), propose_colour(visits=visits, people=people_count)
    )
    case.proposed_colour, case.colour_reason = colour, reason

    year = timezone.localtime(now).year
    county = center.county
    try:
        with transaction.atomic():
            case.code = make_code(county.code, year, next_case_number(county_code=county.code, year=year))
            case.save()
    except IntegrityError:
        # The same form, posted twice at once: the first one won; its number is not consumed twice.
        if intake_key and (existing := Case.objects.filter(intake_key=intake_key).first()):
            return existing
        raise
    for party in party_rows:
        party.case = case
    Party.objects.bulk_create(party_rows)
    if requested_services:
        through = Case.requested_services.through
        through.objects.bulk_create([through(case_id=case.pk, service_id=s.pk) for s in requested_services])
    _log(
        case,
        actor,
        "create",
        "",
        case.state,
        now=now,
        data={"proposed_colour": colour, "colour_reason": reason} if colour else None,
    )
    return case


# --- Repeat and collective visits -------------------------------------------------------------

REPEAT_WINDOW = dt.timedelta(days=90)
REPEAT_YELLOW, REPEAT_RED = 3, 5
COLLECTIVE_PEOPLE = 5
_SEVERITY = {"": 0, RiskColour.BLUE: 1, RiskColour.YELLOW: 2, RiskColour.RED: 3}


def propose_colour(*, visits: int, people: int) -> tuple[str, str]:
    """Return the colour proposed by visits in 90 days (this one included) and head count."""
    if people >= COLLECTIVE_PEOPLE:
        return RiskColour.RED, str(_("集体访 %(n)s 人（5 人及以上建议红色）") % {"n": people})
    if visits >= REPEAT_RED:
        return RiskColour.RED, str(_("90 日内第 %(n)s 次来访（5 次及以上建议红色）") % {"n": visits})
    if visits >= REPEAT_YELLOW:
        return RiskColour.YELLOW, str(_("90 日内第 %(n)s 次来访（3 次及以上建议黄色）") % {"n": visits})
    return "", ""


def stronger_colour(first: tuple[str, str], second: tuple[str, str]) -> tuple[str, str]:
    """Return whichever (colour, reason) is the more severe."""
    return second if _SEVERITY[second[0]] > _SEVERITY[first[0]] else first


@transaction.atomic
def case_record_visit(
    *, case: Case, actor, visitor: PartyData, desk: Desk | None = None, people_count: int = 1, note: str = ""
) -> Visit:
    """Record a return visit on an open case (no new code), raising its colour if visits warrant it."""
    require_role(actor, Role.RECEPTION, Role.COORDINATOR, Role.ADMIN)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise InvalidTransition(_("该案件已办结或终止，请登记为新案件。"))
    visit = Visit(
        case=case,
        desk=desk,
        recorded_by=actor,
        visitor_name=visitor.name,
        phone=visitor.phone,
        id_number=visitor.id_number,
        people_count=max(1, people_count),
        note=note,
    )
    visit.full_clean(exclude=["case", "desk", "recorded_by"])
    now = timezone.now()
    counts = repeat_visit_counts(phones=[visit.phone], id_numbers=[visit.id_number], now=now)
    visits = 1 + max(counts.values(), default=0)
    visit.save()
    proposal = propose_colour(visits=visits, people=visit.people_count)
    fields = []
    colour, reason = stronger_colour((case.proposed_colour, case.colour_reason), proposal)
    if colour != case.proposed_colour:
        case.proposed_colour, case.colour_reason = colour, reason
        fields += ["proposed_colour", "colour_reason"]
    if case.risk_colour and _SEVERITY[proposal[0]] > _SEVERITY[case.risk_colour]:
        case.risk_colour = proposal[0]
        fields.append("risk_colour")
    if fields:
        case.save(update_fields=[*fields, "updated_at"])
    _log(
        case,
        actor,
        "visit",
        case.state,
        case.state,
        reason=note,
        now=now,
        data={"visits_90d": visits, "people": visit.people_count, "raised_to": proposal[0] if fields else ""},
    )
    return visit


# --- The lifecycle ----------------------------------------------------------------------------


def _transition(
    case: Case,
    *,
    actor,
    name: str,
    fire: Callable[[Case], None],
    fields: Sequence[str] = (),
    reason: str = "",
    data: dict | None = None,
    guard: Callable[[Case], None] | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Lock the case, check it is unchanged and in a state that allows ``name``, fire, log."""
    locked = Case.objects.select_for_update(of=("self",)).select_related("lead_department").get(pk=case.pk)
    if locked.version != case.version:
        raise ConcurrentChange()
    if not can_proceed(getattr(locked, name)):
        raise InvalidTransition(
            _("案件处于“%(state)s”状态，不能执行此操作。") % {"state": locked.get_state_display()},
            code="invalid_transition",
        )
    # After the state check: the lead department the guard checks exists only once assigned.
    if guard is not None:
        guard(locked)
    from_state = locked.state
    fire(locked)
    locked.version += 1
    locked.save(update_fields=["state", "version", "updated_at", *fields])
    _log(locked, actor, name, from_state, locked.state, reason=reason, data=data, now=now)
    return locked


def _log(case, actor, name, from_state, to_state, *, reason="", data=None, now=None) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        transition=name,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
        created_at=now or timezone.now(),
    )
    # A lambda, not functools.partial: Django's robust path logs func.__qualname__, which a partial lacks.
    transaction.on_commit(lambda: notify_case_event.delay(event.pk), robust=True)
    webhook_emit(
        event_type="case.created" if name == "create" else "case.transition",
        event_id=f"case-event-{event.pk}",
        payload={
            "event_id": event.pk,
            "case": case.code,
            "transition": name,
            "from_state": from_state,
            "to_state": to_state,
            "risk_colour": case.risk_colour,
            "lead_department": case.lead_department.slug if case.lead_department_id else None,
            "created_at": event.created_at.isoformat(),
        },
    )
    return event


def _required(value: str, field: str, message=None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message or _("请填写原因。")})
    return value


def _require_may(actor, name: str) -> None:
    """Check the actor's role against the transition table (the department is checked on the case)."""
    roles = [r for r in TRANSITION_ROLES[name] if r != LEAD_LIAISON]
    if LEAD_LIAISON in TRANSITION_ROLES[name]:
        roles.append(Role.LIAISON)
    require_role(actor, *roles)


def _lead_liaison(actor):
    def guard(case: Case) -> None:
        require_liaison_of(actor, case.lead_department)

    return guard


@transaction.atomic
def case_start_assessment(*, case: Case, actor) -> Case:
    """Start assessing a received case (研判)."""
    _require_may(actor, "start_assessment")
    return _transition(case, actor=actor, name="start_assessment", fire=lambda c: c.start_assessment())


def assignment_deadlines(
    *, case: Case, risk_colour: str, package: ServicePackage | None, start: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """Return (accept by, handle by) under the deadline policy for this case and colour."""
    services = list(package.services.all()) if package else []
    accept_by = deadline_for(
        stage=Stage.ACCEPT, colour=risk_colour, start=start, services=services, category=case.category
    )
    due_by = deadline_for(
        stage=Stage.HANDLE, colour=risk_colour, start=start, services=services, category=case.category
    )
    return accept_by, due_by


@transaction.atomic
def case_assign(
    *,
    case: Case,
    actor,
    risk_colour: str,
    lead_department: Department,
    co_departments: Sequence[Department] = (),
    package: ServicePackage | None = None,
    instructions: str = "",
    due_by: dt.datetime | None = None,
    due_by_reason: str = "",
    category: str = "",
) -> Case:
    """Hand an assessed case to its lead department with deadlines from the policy (交办)."""
    _require_may(actor, "assign")
    if category and category not in Category.values:
        raise ValidationError({"category": _("请选择有效的类别。")})
    if category and category != case.category:
        case.category = category  # the deadline rules below follow the assessed category
    if risk_colour not in RiskColour.values:
        raise ValidationError({"risk_colour": _("请选择风险等级（红、黄、蓝）。")})
    if case.is_problem and risk_colour != RiskColour.RED:
        raise ValidationError({"risk_colour": _("问题工单须按红色预警交办。")})
    if lead_department is None:
        raise ValidationError({"lead_department": _("请选择牵头单位。")})
    if not lead_department.is_active:
        raise ValidationError({"lead_department": _("该单位已不在驻，不能交办。")})
    now = timezone.now()
    accept_by, policy_due_by = assignment_deadlines(
        case=case, risk_colour=risk_colour, package=package, start=now
    )
    data = {
        "lead_department": lead_department.slug,
        "risk_colour": risk_colour,
        "co_departments": [d.slug for d in co_departments if d != lead_department],
    }
    if due_by is not None and due_by != policy_due_by:
        _required(due_by_reason, "due_by_reason", _("调整办结期限须说明理由。"))
        _check_legal_limit(case=case, risk_colour=risk_colour, package=package, start=now, due_by=due_by)
        if due_by <= now:
            raise ValidationError({"due_by": _("办结期限必须晚于当前时间。")})
        data.update(policy_due_by=policy_due_by.isoformat(), due_by_reason=due_by_reason)
    else:
        due_by = policy_due_by

    def fire(c: Case) -> None:
        c.category = case.category
        c.assign(
            risk_colour=risk_colour,
            lead_department=lead_department,
            package=package,
            instructions=instructions,
            accept_by=accept_by,
            due_by=due_by,
            now=now,
        )

    case = _transition(
        case,
        actor=actor,
        name="assign",
        fire=fire,
        reason=instructions,
        data=data,
        now=now,
        fields=[
            "category",
            "risk_colour",
            "lead_department",
            "package",
            "instructions",
            "accept_by",
            "due_by",
            "assigned_at",
            "accepted_at",
        ],
    )
    case.co_departments.set([d for d in co_departments if d != lead_department])
    _refresh_problem_flag(case)
    return case


def _check_legal_limit(*, case, risk_colour, package, start, due_by) -> None:
    services = list(package.services.all()) if package else []
    limit, rule = legal_limit_for(
        stage=Stage.HANDLE, colour=risk_colour, start=start, services=services, category=case.category
    )
    if limit is not None and due_by > limit:
        raise ValidationError(
            {"due_by": _("调整后的期限超过法定时限（%(note)s）。") % {"note": rule.note or rule}}
        )


@transaction.atomic
def case_accept(*, case: Case, actor) -> Case:
    """Accept an assigned case on behalf of the lead department (签收)."""
    _require_may(actor, "accept")
    now = timezone.now()
    return _transition(
        case,
        actor=actor,
        name="accept",
        guard=_lead_liaison(actor),
        fire=lambda c: c.accept(now=now),
        fields=["accepted_at"],
        now=now,
    )


@transaction.atomic
def case_return_to_center(*, case: Case, actor, reason: str) -> Case:
    """Return an assigned case to the center, e.g. as not the department's matter (退回)."""
    _require_may(actor, "return_to_center")
    reason = _required(reason, "reason")
    case = _transition(
        case,
        actor=actor,
        name="return_to_center",
        guard=_lead_liaison(actor),
        fire=lambda c: c.return_to_center(),
        fields=["return_count"],
        reason=reason,
        data={"department": getattr(department_of(actor), "slug", "")},
    )
    _refresh_problem_flag(case)
    return case


@transaction.atomic
def case_supervise(*, case: Case, actor, reason: str, data: dict | None = None) -> Case:
    """Put a case under supervision (督办); ``actor`` None is the system's deadline sweep."""
    if actor is not None:
        _require_may(actor, "supervise")
    reason = _required(reason, "reason")
    return _transition(
        case, actor=actor, name="supervise", fire=lambda c: c.supervise(), reason=reason, data=data
    )


@transaction.atomic
def case_end_supervision(*, case: Case, actor, reason: str = "") -> Case:
    """Return a supervised case to ordinary handling once its orders are settled."""
    if actor is not None:
        _require_may(actor, "end_supervision")
    return _transition(
        case, actor=actor, name="end_supervision", fire=lambda c: c.end_supervision(), reason=reason
    )


@transaction.atomic
def case_submit_result(
    *,
    case: Case,
    actor,
    result: str,
    result_kind: str = "",
    agreement_terms: str = "",
    judicial_confirmation: bool = False,
) -> Case:
    """Submit the department's result for the center's review (办结).

    A mediation agreement carries its terms (printed as the 调解协议书) and whether it goes to
    the court for judicial confirmation (司法确认).
    """
    _require_may(actor, "submit_result")
    result = _required(result, "result", _("请填写办理结果。"))
    if result_kind and result_kind not in ResultKind.values:
        raise ValidationError({"result_kind": _("请选择有效的结果类型。")})
    if result_kind == ResultKind.MEDIATION_AGREEMENT:
        agreement_terms = _required(agreement_terms, "agreement_terms", _("达成调解协议的，请填写协议条款。"))
    else:
        agreement_terms, judicial_confirmation = "", False
    now = timezone.now()

    def fire(c: Case) -> None:
        c.submit_result(result=result, now=now)
        c.result_kind, c.agreement_terms, c.judicial_confirmation = (
            result_kind,
            agreement_terms,
            judicial_confirmation,
        )

    return _transition(
        case,
        actor=actor,
        name="submit_result",
        guard=_lead_liaison(actor),
        fire=fire,
        fields=["result", "submitted_at", "result_kind", "agreement_terms", "judicial_confirmation"],
        reason=result,
        data={"result_kind": result_kind, "judicial_confirmation": judicial_confirmation},
        now=now,
    )


@transaction.atomic
def case_send_back(*, case: Case, actor, reason: str) -> Case:
    """Send a submitted result back to the department (审核退回)."""
    _require_may(actor, "send_back")
    reason = _required(reason, "reason")
    case = _transition(
        case,
        actor=actor,
        name="send_back",
        fire=lambda c: c.send_back(),
        fields=["send_back_count"],
        reason=reason,
    )
    _refresh_problem_flag(case)
    return case


@transaction.atomic
def case_close(*, case: Case, actor, reason: str = "") -> Case:
    """Close a case after reviewing its result (结案)."""
    _require_may(actor, "close")
    now = timezone.now()
    return _transition(
        case,
        actor=actor,
        name="close",
        fire=lambda c: c.close(now=now),
        fields=["closed_at"],
        reason=reason,
        now=now,
    )


@transaction.atomic
def case_evaluate(
    *, case: Case, actor, rating: str, comment: str = "", channel: str = Evaluation.Channel.TRACKING
) -> tuple[Case, Evaluation]:
    """Record the party's evaluation of a closed case (评价).

    ``actor`` None is the party itself, verified by the tracking page; staff record callbacks.
    """
    if actor is not None:
        _require_may(actor, "evaluate")
    elif channel != Evaluation.Channel.TRACKING:
        raise ValidationError({"channel": _("当事人只能通过查询页面评价。")})
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择评价：满意、基本满意或不满意。")})
    case = _transition(
        case,
        actor=actor,
        name="evaluate",
        fire=lambda c: c.evaluate(),
        reason=comment,
        data={"rating": rating, "channel": channel},
    )
    evaluation = Evaluation.objects.create(
        case=case, rating=rating, comment=comment, channel=channel, recorded_by=actor
    )
    return case, evaluation


@transaction.atomic
def case_reopen(*, case: Case, actor, reason: str, supervised: bool = False) -> Case:
    """Reopen a closed or evaluated case; it goes under supervision if an order is open."""
    _require_may(actor, "reopen")
    reason = _required(reason, "reason")
    return _transition(
        case,
        actor=actor,
        name="reopen",
        fire=lambda c: c.reopen(supervised=supervised),
        fields=["closed_at"],
        reason=reason,
    )


@transaction.atomic
def case_reject(*, case: Case, actor, reason: str, redirect_target: str = "") -> Case:
    """Refuse the matter or direct the party elsewhere (不予受理 / 引导)."""
    _require_may(actor, "reject")
    reason = _required(reason, "reason")
    if redirect_target and redirect_target not in RedirectTarget.values:
        raise ValidationError({"redirect_target": _("请选择有效的引导去向。")})
    return _transition(
        case,
        actor=actor,
        name="reject",
        fire=lambda c: c.reject(redirect_target=redirect_target),
        fields=["redirect_target"],
        reason=reason,
        data={"redirect_target": redirect_target},
    )


@transaction.atomic
def case_withdraw(*, case: Case, actor, reason: str) -> Case:
    """Record that the party withdrew the matter (撤回)."""
    _require_may(actor, "withdraw")
    reason = _required(reason, "reason")
    return _transition(case, actor=actor, name="withdraw", fire=lambda c: c.withdraw(), reason=reason)


@transaction.atomic
def case_escalate(*, case: Case, actor, reason: str) -> Case:
    """Escalate the case to the city level (上报)."""
    _require_may(actor, "escalate")
    reason = _required(reason, "reason")
    return _transition(case, actor=actor, name="escalate", fire=lambda c: c.escalate(), reason=reason)


# --- Handling records -------------------------------------------------------------------------


@transaction.atomic
def handling_record_add(
    *, case: Case, actor, text: str, kind: str = HandlingRecord.Kind.PROGRESS, is_public: bool = False
) -> HandlingRecord:
    """Add a handling record by the lead or a co-operating department, or a center note."""
    require_role(actor, Role.LIAISON, Role.COORDINATOR)
    text = _required(text, "text", _("请填写办理情况。"))
    department = None
    if department_of(actor) is not None and actor.staff_profile.role == Role.LIAISON:
        department = department_of(actor)
        involved = (
            case.lead_department_id == department.pk or case.co_departments.filter(pk=department.pk).exists()
        )
        if not involved or case.state not in (
            State.ASSIGNED,
            State.HANDLING,
            State.SUPERVISED,
            State.REVIEWING,
        ):
            from common.exceptions import ActionForbidden

            raise ActionForbidden(_("只有参与办理的单位可以在办理期间添加记录。"))
    if kind not in HandlingRecord.Kind.values:
        raise ValidationError({"kind": _("记录类型无效。")})
    record = HandlingRecord(
        case=case, department=department, author=actor, kind=kind, text=text, is_public=is_public
    )
    record.full_clean(exclude=["case", "department", "author"])
    record.save()
    return record


# --- Attachments ------------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, case: Case, actor, upload, record: HandlingRecord | None = None) -> Attachment:
    """Attach an uploaded file to a case (at intake) or to one of its handling records."""
    require_role(actor, Role.RECEPTION, Role.COORDINATOR, Role.LIAISON, Role.ADMIN)
    content_type = validate_upload(upload)
    if case.attachments.count() >= max_files() * 5:
        raise ValidationError({"attachments": _("该案件的附件数量已达上限。")})
    attachment = Attachment(
        case=case,
        record=record,
        original_name=os.path.basename(upload.name)[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    return attachment


# --- Problem cases ----------------------------------------------------------------------------


def _refresh_problem_flag(case: Case) -> None:
    """Flag a case returned or sent back three times, or handed across three departments."""
    if case.is_problem:
        return
    departments = {
        (e.get("lead_department") or "")
        for e in case.events.filter(transition="assign").values_list("data", flat=True)
    }
    departments.discard("")
    if case.return_count + case.send_back_count >= PROBLEM_THRESHOLD or len(departments) >= PROBLEM_THRESHOLD:
        Case.objects.filter(pk=case.pk).update(is_problem=True, risk_colour=RiskColour.RED)
        case.is_problem, case.risk_colour = True, RiskColour.RED
        _log(
            case,
            None,
            "flag_problem",
            case.state,
            case.state,
            reason=str(_("退回或改派次数达到 %(n)s 次，列为问题工单。") % {"n": PROBLEM_THRESHOLD}),
        )
