"""One service per lifecycle transition (研—交—办—督—结—评 and the off-ramps)."""

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.exceptions import ActionForbidden, DomainError
from departments.deadlines import StageDeadline, is_provisional, legal_limit_for, stage_deadline
from departments.models import Department, ServicePackage, Stage
from departments.permissions import department_of

from ..models import (
    Case,
    Category,
    Evaluation,
    Party,
    Rating,
    RedirectTarget,
    ResultKind,
    RiskColour,
    State,
)
from ..permissions import party_may_evaluate
from ..selectors import default_mediator, mediating_organisations, party_evaluation
from .base import _lead_liaison, _log, _refresh_problem_flag, _require_may, _required, _transition
from .network import referral_data, referral_end_on_withdrawal, referral_report_closing


class EvaluationForbidden(ActionForbidden):
    """The party who verified is not on the applicant side: they follow the case, not evaluate it."""

    code = "applicant_only"
    default_message = _("结案评价由申请人一方作出。您可以查看办理进度和结果，但不能评价。")


class AlreadyEvaluated(DomainError):
    """This party has already evaluated the case since it was closed."""

    code = "already_evaluated"
    status = 409
    default_message = _("本案件您已经评价过了，每位申请人只能评价一次。")


@transaction.atomic
def case_start_assessment(*, case: Case, actor) -> Case:
    """Start assessing a received case (研判)."""
    _require_may(actor, "start_assessment")
    return _transition(case, actor=actor, name="start_assessment", fire=lambda c: c.start_assessment())


def assignment_stage_deadlines(
    *,
    case: Case,
    risk_colour: str,
    package: ServicePackage | None,
    start: dt.datetime,
    category: str | None = None,
) -> tuple[StageDeadline, StageDeadline]:
    """Return the accept (签收) and handle (办结) stages' deadlines, each with its legal ceiling.

    What :func:`case_assign` stores and what the assign form previews live (a test holds them equal).
    """
    services = list(package.services.all()) if package else []
    category = case.category if category is None else category
    return tuple(
        stage_deadline(stage=stage, colour=risk_colour, start=start, services=services, category=category)
        for stage in (Stage.ACCEPT, Stage.HANDLE)
    )


def assignment_deadlines(
    *, case: Case, risk_colour: str, package: ServicePackage | None, start: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """Return (accept by, handle by) under the deadline policy for this case and colour."""
    accept, handle = assignment_stage_deadlines(
        case=case, risk_colour=risk_colour, package=package, start=start
    )
    return accept.deadline, handle.deadline


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
    # A center assigns to the departments stationed at it; a case for another center is referred.
    if lead_department.center_id != case.center_id or any(
        d.center_id != case.center_id for d in co_departments
    ):
        raise ValidationError({"lead_department": _("只能交办给本中心的入驻单位。")})
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
        c.deadlines_provisional = is_provisional(now, accept_by, policy_due_by)

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
            "deadlines_provisional",
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
    mediated_by: Department | None = None,
) -> Case:
    """Submit the department's result for the center's review (办结).

    A mediation agreement carries its terms (printed as the 调解协议书), whether it goes to
    the court for judicial confirmation (司法确认), and the organisation that mediated it and
    seals it (``mediated_by``: one of :func:`mediating_organisations`; by default the case's own
    mediation body, else its lead department).
    """
    _require_may(actor, "submit_result")
    result = _required(result, "result", _("请填写办理结果。"))
    if result_kind and result_kind not in ResultKind.values:
        raise ValidationError({"result_kind": _("请选择有效的结果类型。")})
    if result_kind == ResultKind.MEDIATION_AGREEMENT:
        agreement_terms = _required(agreement_terms, "agreement_terms", _("达成调解协议的，请填写协议条款。"))
    else:
        agreement_terms, judicial_confirmation, mediated_by = "", False, None
    now = timezone.now()
    data = {"result_kind": result_kind, "judicial_confirmation": judicial_confirmation}

    def fire(c: Case) -> None:
        mediator = None
        if result_kind == ResultKind.MEDIATION_AGREEMENT:
            organisations = mediating_organisations(c)
            mediator = mediated_by or default_mediator(organisations)
            if mediator is None or mediator.pk not in {d.pk for d in organisations}:
                raise ValidationError({"mediated_by": _("调解组织须是本案的牵头单位、协办单位或调解组织。")})
            data["mediated_by"] = mediator.slug
        c.submit_result(result=result, now=now)
        c.result_kind, c.agreement_terms, c.judicial_confirmation, c.mediated_by = (
            result_kind,
            agreement_terms,
            judicial_confirmation,
            mediator,
        )

    return _transition(
        case,
        actor=actor,
        name="submit_result",
        guard=_lead_liaison(actor),
        fire=fire,
        fields=[
            "result",
            "submitted_at",
            "result_kind",
            "agreement_terms",
            "judicial_confirmation",
            "mediated_by",
        ],
        reason=result,
        data=data,
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
    case = _transition(
        case,
        actor=actor,
        name="close",
        fire=lambda c: c.close(now=now),
        fields=["closed_at"],
        reason=reason,
        now=now,
        log=False,
    )
    # A case assigned down (下派) and closed by the child goes up for the parent's review.
    referral = referral_report_closing(case, now=now)
    data = referral_data(referral, report_to=referral.from_center.code) if referral is not None else None
    _log(case, actor, "close", State.REVIEWING, case.state, reason=reason, data=data, now=now)
    return case


@transaction.atomic
def case_evaluate(
    *,
    case: Case,
    actor,
    rating: str,
    comment: str = "",
    channel: str = Evaluation.Channel.TRACKING,
    party_id: int | None = None,
    applicant_side: bool = True,
) -> tuple[Case, Evaluation]:
    """Record the party's evaluation of a closed case (评价).

    ``actor`` None is the party itself, verified by the tracking page: ``party_id`` and
    ``applicant_side`` say who (:class:`cases.tracking.Proof`). The evaluation belongs to the
    applicant side; each applicant evaluates once, the first one moves the case to evaluated and
    the others are recorded beside it. Staff record callbacks.
    """
    if actor is not None:
        _require_may(actor, "evaluate")
    elif channel != Evaluation.Channel.TRACKING:
        raise ValidationError({"channel": _("当事人只能通过查询页面评价。")})
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择评价：满意、基本满意或不满意。")})
    if actor is None:
        party = Party.objects.filter(case=case, pk=party_id).first() if party_id is not None else None
        if (party_id is not None and party is None) or not party_may_evaluate(
            party, applicant_side=applicant_side
        ):
            raise EvaluationForbidden()
    if actor is None and party is not None:
        # Each applicant once: under the case's lock, so a double click records one evaluation.
        locked = (
            Case.objects.select_for_update(of=("self",)).select_related("lead_department").get(pk=case.pk)
        )
        if locked.state in (State.CLOSED, State.EVALUATED) and party_evaluation(locked, party_id=party_id):
            raise AlreadyEvaluated()
        if locked.state == State.EVALUATED:
            # Another applicant evaluated first: this one is recorded beside it, no transition.
            evaluation = Evaluation.objects.create(
                case=locked, rating=rating, comment=comment, channel=channel, party=party
            )
            return locked, evaluation
    case = _transition(
        case,
        actor=actor,
        name="evaluate",
        fire=lambda c: c.evaluate(),
        reason=comment,
        data={"rating": rating, "channel": channel},
    )
    evaluation = Evaluation.objects.create(
        case=case, rating=rating, comment=comment, channel=channel, recorded_by=actor, party_id=party_id
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
    case = _transition(case, actor=actor, name="withdraw", fire=lambda c: c.withdraw(), reason=reason)
    # A case withdrawn on its way between centers ends its open hop there (nobody decides on it).
    referral_end_on_withdrawal(case, actor=actor, reason=reason)
    return case
