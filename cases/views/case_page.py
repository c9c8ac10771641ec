"""The staff case page and every action on it; each action calls one service.

Actions post a form carrying the case version the user saw: if someone else changed the case
meanwhile the service refuses, and the page comes back with the typed text and a clear
message. With htmx the page section is swapped in place; without it, a normal redirect.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from audit.models import Action as AuditAction
from audit.services import access_log_record
from common.exceptions import ActionForbidden, DomainError
from common.forms import add_service_errors
from common.when import deadline_text
from departments.models import Department, Role, ServicePackage
from departments.permissions import role_of, role_required
from departments.scope import visible_centers_q, works_at

from .. import services
from ..codes import InvalidCaseCode, normalize_code
from ..forms import (
    AssignDownForm,
    AssignForm,
    EscalateForm,
    InstructionsForm,
    OptionalReasonForm,
    ReasonForm,
    RecordForm,
    RejectForm,
    RevealForm,
    SubmitResultForm,
    TransferForm,
)
from ..models import Case, Category, HandlingRecord, Party, RedirectTarget, ResultKind, RiskColour
from ..permissions import (
    STAFF_ROLES,
    available_transitions,
    deciding_center_id,
    holds_case,
    may_add_record,
    may_print_receipt,
    may_review_referral,
    record_kinds_for,
    role_may_fire,
    sees_personal_data,
)
from ..queues import case_page
from ..selectors import case_by_code, case_referrals, cases_visible_to
from .whistles import whistle_panel

STAFF = STAFF_ROLES


def _end_of_day(day: dt.date) -> dt.datetime:
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(end, timezone.get_current_timezone())


@dataclass(frozen=True)
class Action:
    label: Any
    form: type
    call: Any  # (case, user, cleaned_data) -> None
    button_class: str = "primary"


# Supervision (督办), reopening and recording evaluations belong to the supervision app, whose
# panel the case page loads: they must issue or consult supervision orders.
ACTIONS: dict[str, Action] = {
    "start_assessment": Action(
        gettext_lazy("开始研判"),
        OptionalReasonForm,
        lambda c, u, d: services.case_start_assessment(case=c, actor=u),
    ),
    "assign": Action(
        gettext_lazy("交办"),
        AssignForm,
        lambda c, u, d: services.case_assign(
            case=c,
            actor=u,
            risk_colour=d["risk_colour"],
            category=d["category"],
            lead_department=d["lead_department"],
            co_departments=list(d["co_departments"]),
            package=d["package"],
            instructions=d["instructions"],
            due_by=_end_of_day(d["due_date"]) if d.get("due_date") else None,
            due_by_reason=d["due_by_reason"],
        ),
    ),
    "accept": Action(
        gettext_lazy("签收"), OptionalReasonForm, lambda c, u, d: services.case_accept(case=c, actor=u)
    ),
    "return_to_center": Action(
        gettext_lazy("退回中心"),
        ReasonForm,
        lambda c, u, d: services.case_return_to_center(case=c, actor=u, reason=d["reason"]),
        "secondary",
    ),
    "submit_result": Action(
        gettext_lazy("提交办结"),
        SubmitResultForm,
        lambda c, u, d: services.case_submit_result(
            case=c,
            actor=u,
            result=d["result"],
            result_kind=d["result_kind"],
            agreement_terms=d["agreement_terms"],
            judicial_confirmation=d["judicial_confirmation"],
            mediated_by=d["mediated_by"],
        ),
    ),
    "close": Action(
        gettext_lazy("审核通过，结案"),
        OptionalReasonForm,
        lambda c, u, d: services.case_close(case=c, actor=u, reason=d["reason"]),
    ),
    "send_back": Action(
        gettext_lazy("退回重办"),
        ReasonForm,
        lambda c, u, d: services.case_send_back(case=c, actor=u, reason=d["reason"]),
        "secondary",
    ),
    "reject": Action(
        gettext_lazy("不予受理/引导"),
        RejectForm,
        lambda c, u, d: services.case_reject(
            case=c, actor=u, reason=d["reason"], redirect_target=d["redirect_target"]
        ),
        "secondary",
    ),
    "withdraw": Action(
        gettext_lazy("登记撤回"),
        ReasonForm,
        lambda c, u, d: services.case_withdraw(case=c, actor=u, reason=d["reason"]),
        "secondary",
    ),
    "escalate": Action(
        gettext_lazy("上报上级中心"),
        EscalateForm,
        lambda c, u, d: services.case_escalate(
            case=c, actor=u, reason=d["reason"], reason_kind=d["reason_kind"]
        ),
        "secondary",
    ),
    "take_over": Action(
        gettext_lazy("接收上报"),
        OptionalReasonForm,
        lambda c, u, d: services.case_take_over(case=c, actor=u, note=d["reason"]),
    ),
    "return_down": Action(
        gettext_lazy("退回下级"),
        InstructionsForm,
        lambda c, u, d: services.case_return_down(case=c, actor=u, instructions=d["instructions"]),
        "secondary",
    ),
    "assign_down": Action(
        gettext_lazy("下派"),
        AssignDownForm,
        lambda c, u, d: services.case_assign_down(
            case=c,
            actor=u,
            center=d["center"],
            instructions=d["instructions"],
            due_by=_end_of_day(d["due_date"]),
        ),
        "secondary",
    ),
    "transfer": Action(
        gettext_lazy("移交"),
        TransferForm,
        lambda c, u, d: services.case_transfer(case=c, actor=u, to_center=d["to_center"], reason=d["reason"]),
        "secondary",
    ),
    "transfer_accept": Action(
        gettext_lazy("同意移交"),
        OptionalReasonForm,
        lambda c, u, d: services.case_transfer_accept(case=c, actor=u, note=d["reason"]),
    ),
    "transfer_decline": Action(
        gettext_lazy("不予移交"),
        ReasonForm,
        lambda c, u, d: services.case_transfer_decline(case=c, actor=u, reason=d["reason"]),
        "secondary",
    ),
}

# The parent's review of a child's closing of a case it assigned down (下派): not a transition of
# the case, offered when ``may_review_referral`` says so.
REVIEW_ACTIONS: dict[str, Action] = {
    "referral_approve": Action(
        gettext_lazy("审核通过"),
        OptionalReasonForm,
        lambda c, u, d: services.referral_approve(case=c, actor=u, note=d["reason"]),
    ),
    "referral_send_back": Action(
        gettext_lazy("退回重办"),
        ReasonForm,
        lambda c, u, d: services.referral_send_back(case=c, actor=u, reason=d["reason"]),
        "secondary",
    ),
}


# What each transition's confirmation says happened, filled with the case's facts after it.
SUCCESS_MESSAGES: dict[str, Any] = {
    "start_assessment": gettext_lazy("已开始研判，研判期限%(assess_by)s。"),
    "assign": gettext_lazy("已交办%(department)s，签收期限%(accept_by)s，办结期限%(due_by)s。"),
    "accept": gettext_lazy("已签收，办结期限%(due_by)s。"),
    "return_to_center": gettext_lazy("已退回中心重新研判。"),
    "submit_result": gettext_lazy("已提交办结，等待中心审核。"),
    "close": gettext_lazy("已审核通过，案件结案。"),
    "send_back": gettext_lazy("已退回%(department)s重办，办结期限%(due_by)s。"),
    "reject": gettext_lazy("已不予受理，可打印不予受理告知书。"),
    "redirect": gettext_lazy("已引导当事人至%(redirect_target)s。"),
    "withdraw": gettext_lazy("已登记撤回，案件终结。"),
    "escalate": gettext_lazy("已上报%(parent)s，等待上级中心接收。"),
    "take_over": gettext_lazy("已接收上报，本案现由%(center)s承办，研判期限%(assess_by)s。"),
    "return_down": gettext_lazy("已退回%(center)s办理。"),
    "assign_down": gettext_lazy("已下派%(center)s办理。"),
    "transfer": gettext_lazy("已申请移交，等待上级中心决定。"),
    "transfer_accept": gettext_lazy("已同意移交，本案现由%(center)s承办。"),
    "transfer_decline": gettext_lazy("已不予移交，案件仍由%(center)s承办。"),
    "referral_approve": gettext_lazy("已审核通过下级的办结。"),
    "referral_send_back": gettext_lazy("已退回%(center)s重办。"),
}


def success_message(name: str, case: Case) -> str:
    """Return what the confirmation of transition ``name`` on ``case`` (as it now is) says."""
    if name == "reject" and case.redirect_target:
        name = "redirect"
    facts = {
        "department": case.lead_department.display_name if case.lead_department_id else "—",
        "assess_by": deadline_text(case.assess_by),
        "accept_by": deadline_text(case.accept_by),
        "due_by": deadline_text(case.due_by),
        "redirect_target": RedirectTarget(case.redirect_target).label if case.redirect_target else "",
        "center": case.center.name,
        "parent": case.center.parent.name if case.center.parent_id else "—",
    }
    template = SUCCESS_MESSAGES.get(name)
    if template is None:
        label = (
            ACTIONS[name].label
            if name in ACTIONS
            else REVIEW_ACTIONS[name].label
            if name in REVIEW_ACTIONS
            else name
        )
        return _("%(action)s：已完成。") % {"action": label}
    return str(template) % facts


def _visible_case(request, code: str) -> Case:
    """Return the case if the user may see it.

    404 if there is none, or if it is held at a center the user does not see (another branch of
    the tree: not even its existence shows); 403 if it is at their center but not theirs.
    """
    try:
        return case_by_code(code, cases_visible_to(request.user).only("id", "code"))
    except InvalidCaseCode as exc:
        raise Http404 from exc
    except Case.DoesNotExist as exc:
        if Case.objects.filter(visible_centers_q(request.user), code=normalize_code(code)).exists():
            raise PermissionDenied from exc
        raise Http404 from exc


def _render_page(request, case_id: int, *, bound: dict | None = None, status: int = 200):
    case = case_page(case_id=case_id)
    # Every hop of the case in one query; the open one (if any) primes ``case.open_referral``.
    referrals = case_referrals(case)
    case.__dict__["_open_referral"] = next((r for r in referrals if r.is_open), None)
    names = [n for n in available_transitions(case, request.user) if n in ACTIONS]
    if may_review_referral(request.user, case):
        names += list(REVIEW_ACTIONS)
    assign_preview = None
    bound = bound or {}
    actions = []
    for name in names:
        spec = ACTIONS.get(name) or REVIEW_ACTIONS[name]
        form = bound.get(name) or spec.form(case=case, prefix=name)
        if name == "assign":
            assign_preview = _assign_preview(case, form.data if form.is_bound else None, form=form)
        actions.append(
            {
                "name": name,
                "label": spec.label,
                "form": form,
                "button_class": spec.button_class,
                "open": name in bound,
            }
        )
    co_parts = [
        r for r in case.records.all() if r.department_id and r.department_id != case.lead_department_id
    ]
    kinds = record_kinds_for(request.user, case)
    context = {
        "case": case,
        "actions": actions,
        "assign_preview": assign_preview,
        "record_form": bound.get("record") or (RecordForm(prefix="record", kinds=kinds) if kinds else None),
        # Names in full for those who need them; numbers always masked, each shown only by "显示".
        "full_personal": sees_personal_data(request.user, case),
        "may_reveal": sees_personal_data(request.user, case),
        "reveal_reasons": services.REVEAL_REASONS,
        "co_parts": co_parts,
        "can_print_receipt": may_print_receipt(request.user, case),
        "is_agreement": case.result_kind == ResultKind.MEDIATION_AGREEMENT,
        "now": timezone.now(),
        "whistle_panel": whistle_panel(request.user, case, bound=bound),
        # Between centers: who holds the case now (a read-only view for the others), and every hop.
        "held_elsewhere": role_of(request.user) != Role.LIAISON
        and not holds_case(request.user, case)
        and not works_at(request.user, deciding_center_id(case)),
        "referrals": referrals,
        "open_referral": case.open_referral,
    }
    return render(request, "cases/case_page.html", context, status=status)


@role_required(*STAFF)
@require_GET
def case_detail(request, code: str):
    """Everything the viewer may see of a case, and the actions they may take now."""
    case = _visible_case(request, code)
    return _render_page(request, case.pk)


def _next_or_case(request, case: Case):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("cases:detail", code=case.code)


@role_required(*STAFF)
@require_POST
def case_action(request, code: str, name: str):
    """Fire one transition through its service."""
    spec = ACTIONS.get(name) or REVIEW_ACTIONS.get(name)
    if spec is None:
        raise Http404
    case = _visible_case(request, code)
    full = Case.objects.select_related("lead_department", "center").get(pk=case.pk)
    may = may_review_referral if name in REVIEW_ACTIONS else (lambda u, c: role_may_fire(u, c, name))
    if not may(request.user, full):
        raise PermissionDenied
    form = spec.form(request.POST, request.FILES, case=full, prefix=name)
    status = 400
    if form.is_valid():
        full.version = form.cleaned_data["version"]  # what the user saw
        try:
            with transaction.atomic():
                done = spec.call(full, request.user, form.cleaned_data)
        except ActionForbidden as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = exc.status
            form.add_error(None, exc.message)
            messages.error(request, exc.message)
        else:
            done = done if isinstance(done, Case) else full
            messages.success(request, success_message(name, done))
            return _next_or_case(request, full)
    return _render_page(request, case.pk, bound={name: form}, status=status)


@role_required(Role.COORDINATOR, Role.LIAISON)
@require_POST
def record_add(request, code: str):
    """Add a handling record (with attachments) to a case."""
    case = _visible_case(request, code)
    full = Case.objects.prefetch_related("co_departments").get(pk=case.pk)
    if not may_add_record(request.user, full):
        raise PermissionDenied
    form = RecordForm(
        request.POST, request.FILES, prefix="record", kinds=record_kinds_for(request.user, full)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                record = services.handling_record_add(
                    case=full,
                    actor=request.user,
                    text=data["text"],
                    kind=data["kind"],
                    is_public=data["is_public"],
                )
                for upload in data["attachments"]:
                    services.attachment_add(case=full, actor=request.user, upload=upload, record=record)
        except ActionForbidden as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("办理记录已保存。"))
            return _next_or_case(request, full)
    return _render_page(request, case.pk, bound={"record": form}, status=400)


def _assign_preview(case: Case, data=None, *, form=None) -> dict:
    """Return what the assign form would set, from what is chosen so far (``data``: the form's input).

    The deadlines come from :func:`cases.services.lifecycle.assignment_stage_deadlines`, the very
    function :func:`cases.services.case_assign` stores them with.
    """
    prefix = "assign-"
    initial = form.initial if form is not None else {}

    def value(name):
        if data is not None and data.get(prefix + name):
            return data.get(prefix + name)
        return initial.get(name)

    colour = value("risk_colour")
    colour = (
        colour if colour in RiskColour.values else case.risk_colour or case.proposed_colour or RiskColour.BLUE
    )
    category = value("category")
    category = category if category in Category.values else case.category
    package = _pk_or_none(value("package"))
    package = (
        ServicePackage.objects.filter(is_active=True, pk=package).prefetch_related("services").first()
        if package
        else None
    )
    lead = _pk_or_none(value("lead_department"))
    lead = Department.objects.filter(is_active=True, pk=lead).first() if lead else None
    accept, handle = services.assignment_stage_deadlines(
        case=case, risk_colour=colour, package=package, start=timezone.now(), category=category
    )
    return {
        "colour": RiskColour(colour).label,
        "package": package,
        "lead": lead,
        "stages": [
            {"label": _("签收期限"), "deadline": accept},
            {"label": _("办结期限"), "deadline": handle},
        ],
    }


def _pk_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@role_required(Role.COORDINATOR)
@require_GET
def assign_preview(request, code: str):
    """The assign form's live preview: the deadlines each stage would get (htmx fragment)."""
    case = _visible_case(request, code)
    case = Case.objects.select_related("lead_department").get(pk=case.pk)
    if not role_may_fire(request.user, case, "assign"):
        raise PermissionDenied
    return render(
        request, "cases/_assign_preview.html", {"preview": _assign_preview(case, request.GET), "case": case}
    )


@role_required(*STAFF)
@require_GET
def rejection_notice(request, code: str):
    """The printable notice of non-acceptance (不予受理告知书)."""
    case = _visible_case(request, code)
    case = Case.objects.select_related("center").prefetch_related("parties").get(pk=case.pk)
    if case.state != "rejected":
        raise Http404
    event = case.events.filter(transition="reject").order_by("-created_at").first()
    applicants = [p for p in case.parties.all() if p.role == Party.Role.APPLICANT]
    return render(
        request, "cases/rejection_notice.html", {"case": case, "event": event, "applicants": applicants}
    )


@role_required(*STAFF)
@require_GET
def mediation_agreement(request, code: str):
    """The printable mediation agreement (调解协议书) filled from the case."""
    case = _visible_case(request, code)
    case = (
        Case.objects.select_related("center", "lead_department", "mediated_by")
        .prefetch_related("parties")
        .get(pk=case.pk)
    )
    if case.result_kind != ResultKind.MEDIATION_AGREEMENT:
        raise Http404
    full_personal = sees_personal_data(request.user, case)
    if full_personal:
        # The printed agreement carries the parties' full numbers: who printed it is logged.
        access_log_record(
            action=AuditAction.PRINT_PERSONAL,
            request=request,
            case_code=case.code,
            obj=case,
            object_repr=case.code_display,
            reason=_("打印调解协议书"),
            details={"document": "mediation_agreement"},
        )
    return render(
        request,
        "cases/mediation_agreement.html",
        {
            "case": case,
            "full_personal": full_personal,
            "kinds": HandlingRecord.Kind,
            # Agreements submitted before the mediator was recorded are sealed by the lead department.
            "mediator": case.mediated_by or case.lead_department,
        },
    )


@role_required(*STAFF)
@require_POST
def party_reveal(request, code: str, party_id: int, field: str):
    """Show one party's full phone or ID number, with a reason, and log it (htmx fragment or page)."""
    if field not in services.REVEALABLE_FIELDS:
        raise Http404
    case = _visible_case(request, code)
    case = Case.objects.select_related("lead_department").get(pk=case.pk)
    party = Party.objects.filter(case=case, pk=party_id).first()
    if party is None:
        raise Http404
    form = RevealForm(request.POST)
    context = {"case": case, "party": party, "field": field, "field_label": services.REVEALABLE_FIELDS[field]}
    if not form.is_valid():
        return render(
            request, "cases/party_reveal.html", {**context, "form": form, "value": None}, status=400
        )
    try:
        value = services.party_personal_reveal(
            case=case,
            party=party,
            actor=request.user,
            field=field,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ActionForbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc
    template = "cases/_revealed.html" if request.htmx else "cases/party_reveal.html"
    response = render(request, template, {**context, "value": value})
    response["Cache-Control"] = "private, no-store"
    return response
