"""Supervision pages for staff: orders (list, detail, print, respond, verify, reject, issue), the case panel and reopening."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.codes import InvalidCaseCode
from cases.models import Case, State
from cases.selectors import case_by_code, case_search, cases_visible_to
from common.exceptions import DomainError
from common.when import deadline_text
from departments.models import Role
from departments.permissions import department_of, has_role, role_required
from departments.scope import has_centers_below

from .. import selectors
from ..forms import (
    CaseFindForm,
    OrderFilterForm,
    OrderIssueForm,
    RejectForm,
    ReopenForm,
    RespondForm,
    VerifyForm,
)
from ..models import OrderStatus, Reason, SupervisionOrder
from ..permissions import (
    CENTER_ROLES,
    INSTRUCTION_ROLES,
    ORDER_ROLES,
    STAFF_ROLES,
    VERIFY_ROLES,
    may_issue_order,
    may_reopen,
    may_respond_to_order,
    may_verify_order,
)
from ..services import (
    case_reopen_with_supervision,
    supervision_order_issue,
    supervision_order_reject,
    supervision_order_respond,
    supervision_order_verify,
)
from ..services.orders import SUPERVISABLE_STATES, respond_by_window, respond_deadline

PAGE_SIZE = 50
# The case picker shows this many matches: the leader narrows the search rather than scrolls.
FIND_LIMIT = 10


def _add_errors(form, exc: ValidationError) -> None:
    """Put a service's validation errors next to the fields they concern."""
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, errors in by_field.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _order_or_404(request, number: str) -> SupervisionOrder:
    try:
        return selectors.order_detail(number=number, user=request.user)
    except SupervisionOrder.DoesNotExist as exc:
        raise Http404 from exc


# --- Coordinators' and leaders' list ----------------------------------------------------------


@role_required(*CENTER_ROLES)
@require_GET
def order_list(request):
    """All supervision orders, filtered by status, level, reason and department."""
    form = OrderFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    orders = selectors.order_list(
        user=request.user,
        center=data.get("center"),
        status=data.get("status", ""),
        level=data.get("level", ""),
        reason=data.get("reason", ""),
        department=data.get("department"),
        overdue_at=now if data.get("overdue") else None,
    )
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/order_list.html",
        {
            "form": form,
            "page": page,
            "orders": page.object_list,
            "counts": selectors.order_counts(user=request.user),
            "now": now,
            "query": query.urlencode(),
            "can_issue": may_issue_order(request.user),
            # A leader or coordinator above a township filters by the centers under theirs.
            "show_center_filter": has_centers_below(request.user),
        },
    )


# --- One order --------------------------------------------------------------------------------


def _answer_by_assignment(order: SupervisionOrder) -> dict:
    """An order on the center's assessment of a case assigned since: the answer points at the assignment."""
    case = order.case
    if not order.is_center_order or case.assigned_at is None or case.lead_department is None:
        return {}
    text = _("案件已于 %(at)s 交办%(department)s。") % {
        "at": timezone.localtime(case.assigned_at).strftime("%Y-%m-%d %H:%M"),
        "department": case.lead_department.name,
    }
    return {"response": text}


def _render_detail(request, order: SupervisionOrder, *, status: int = 200, **forms):
    user = request.user
    context = {
        "order": order,
        "case": order.case,
        "now": timezone.now(),
        "can_respond": may_respond_to_order(user, order) and order.status == OrderStatus.ISSUED,
        "can_verify": may_verify_order(user, order) and order.status == OrderStatus.RESPONDED,
        "can_reopen": may_reopen(user, order.case)
        and order.is_open
        and order.case.state in (State.CLOSED, State.EVALUATED),
        "respond_form": forms.get("respond_form") or RespondForm(initial=_answer_by_assignment(order)),
        "verify_form": forms.get("verify_form") or VerifyForm(),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
    }
    return render(request, "supervision/order_detail.html", context, status=status)


@role_required(*ORDER_ROLES)
@require_GET
def order_detail(request, number: str):
    """One order: the case, the requirement, the answer, the history, and what the user may do."""
    return _render_detail(request, _order_or_404(request, number))


@role_required(*ORDER_ROLES)
@require_GET
def order_print(request, number: str):
    """The order as the center prints, seals and sends it (督办通知书): for whoever may open the order."""
    order = _order_or_404(request, number)
    return render(request, "supervision/order_print.html", {"order": order, "case": order.case})


@role_required(*ORDER_ROLES)
@require_POST
def order_respond(request, number: str):
    """The department's answer to an order (答复); the coordinators' to an order on the center's own duty."""
    order = _order_or_404(request, number)
    if not may_respond_to_order(request.user, order):
        raise PermissionDenied
    form = RespondForm(request.POST)
    if form.is_valid():
        try:
            supervision_order_respond(order=order, actor=request.user, response=form.cleaned_data["response"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("supervision:order_detail", number=number)
        else:
            messages.success(request, _("已答复督办单 %(number)s，等待中心核查。") % {"number": number})
            if order.is_center_order:
                return redirect("supervision:order_detail", number=number)
            return redirect("supervision:orders_to_answer")
    return _render_detail(request, order, respond_form=form, status=400)


@role_required(*VERIFY_ROLES)
@require_POST
def order_verify(request, number: str):
    """Accept the department's answer (核查办结)."""
    order = _order_or_404(request, number)
    if not may_verify_order(request.user, order):
        raise PermissionDenied
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            order = supervision_order_verify(order=order, actor=request.user, note=form.cleaned_data["note"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            message = _("督办单 %(number)s 已核查办结。") % {"number": number}
            if order.case.state == State.HANDLING:
                message += _("案件已无未结督办单，恢复正常办理。")
            messages.success(request, message)
        return redirect("supervision:order_detail", number=number)
    return _render_detail(request, order, verify_form=form, status=400)


@role_required(*VERIFY_ROLES)
@require_POST
def order_reject(request, number: str):
    """Send the answer back (退回重办) with a reason and a new answer deadline."""
    order = _order_or_404(request, number)
    if not may_verify_order(request.user, order):
        raise PermissionDenied
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            supervision_order_reject(order=order, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("supervision:order_detail", number=number)
        else:
            messages.success(
                request, _("已退回督办单 %(number)s 的答复，请部门重新办理。") % {"number": number}
            )
            return redirect("supervision:order_detail", number=number)
    return _render_detail(request, order, reject_form=form, status=400)


# --- A leader's order with an instruction -----------------------------------------------------


def _case_to_order(user, code: str) -> Case:
    """Return the case a code (any grouping) names among the user's; InvalidCaseCode or DoesNotExist."""
    return case_by_code(
        code,
        cases_visible_to(user)
        .select_related("lead_department", "package")
        .prefetch_related("package__services"),
    )


def _preview(request, form, code: str) -> dict:
    """The chosen case's preview: its facts, the default answer deadline and the days one may choose."""
    if not code:
        return {}
    try:
        case = _case_to_order(request.user, code)
    except InvalidCaseCode as exc:
        return {"preview_error": exc.message}
    except Case.DoesNotExist:
        return {"preview_error": _("没有找到该案件。")}
    now = timezone.now()
    first, last = respond_by_window(case, start=now)
    widget = form.fields["respond_by"].widget
    widget.attrs.update({"min": first.isoformat(), "max": last.isoformat()})
    return {
        "preview": case,
        "supervisable": case.state in SUPERVISABLE_STATES,
        "default_respond_by": respond_deadline(case, start=now),
        "window_first": first,
        "window_last": last,
        "now": now,
    }


@role_required(*INSTRUCTION_ROLES)
@require_http_methods(["GET", "POST"])
def order_issue(request):
    """A leader issues an order with an instruction (领导批示督办) on a case found by search or by its code."""
    form = OrderIssueForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = _case_to_order(request.user, data["code"])
        except InvalidCaseCode as exc:
            form.add_error("code", exc.message)
        except Case.DoesNotExist:
            form.add_error("code", _("没有找到该案件。"))
        else:
            try:
                order = supervision_order_issue(
                    case=case,
                    actor=request.user,
                    reason=Reason.LEADER_INSTRUCTION,
                    level=data["level"],
                    department=data["department"],
                    instruction=data["instruction"],
                    required_action=data["required_action"],
                    respond_by=data["respond_by"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("已下发督办单 %(number)s，%(department)s须于%(respond_by)s答复。")
                    % {
                        "number": order.number,
                        "department": order.department.name,
                        "respond_by": deadline_text(order.respond_by),
                    },
                )
                return redirect("supervision:order_detail", number=order.number)
    code = (form.data.get("code") if form.is_bound else form.initial.get("code")) or ""
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "find_form": CaseFindForm(), **_preview(request, form, code.strip())}
    return render(request, "supervision/order_issue.html", context, status=status)


@role_required(*INSTRUCTION_ROLES)
@require_POST
def order_case_find(request):
    """The order form's case picker (htmx POST: a party's number never lands in a URL): matching cases."""
    form = CaseFindForm(request.POST)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    cases = case_search(user=request.user, query=query, limit=FIND_LIMIT) if query else None
    if cases is not None:
        # Only what the user may supervise: their center's cases and those below it (not a case
        # that merely passed through their center on its way elsewhere).
        cases = [case for case in cases if may_issue_order(request.user, case=case)]
    return render(
        request,
        "supervision/_order_case_choices.html",
        {"cases": cases, "query": query, "limit": FIND_LIMIT, "supervisable": SUPERVISABLE_STATES},
    )


@role_required(*INSTRUCTION_ROLES)
@require_GET
def order_case_preview(request):
    """The chosen case's preview and answer-deadline field (an htmx fragment of the order form)."""
    code = request.GET.get("code", "").strip()
    form = OrderIssueForm(initial={"code": code, "respond_by": request.GET.get("respond_by", "")})
    return render(
        request, "supervision/_order_case_preview.html", {"form": form, **_preview(request, form, code)}
    )


# --- The department's orders to answer --------------------------------------------------------


@role_required(Role.LIAISON)
@require_GET
def orders_to_answer(request):
    """A liaison's list: their department's orders to answer, awaiting verification, verified."""
    department = department_of(request.user)
    groups = selectors.orders_to_answer(department=department, now=timezone.now())
    return render(
        request,
        "supervision/orders_to_answer.html",
        {"department": department, "now": timezone.now(), **groups},
    )


# --- The case page's supervision panel --------------------------------------------------------


def _visible_case(request, code: str) -> Case:
    try:
        return case_by_code(code, cases_visible_to(request.user))
    except (InvalidCaseCode, Case.DoesNotExist) as exc:
        raise Http404 from exc


@role_required(*STAFF_ROLES)
@require_GET
def case_panel(request, code: str):
    """The supervision panel of a case (an HTML fragment the case page loads with htmx)."""
    case = _visible_case(request, code)
    user = request.user
    panel = selectors.case_panel(case)
    if has_role(user, Role.LIAISON):
        mine = department_of(user)
        panel["orders"] = [o for o in panel["orders"] if o.department_id == mine.pk]
        panel["open_orders"] = [o for o in panel["open_orders"] if o.department_id == mine.pk]
    return render(
        request,
        "supervision/_case_panel.html",
        {
            "case": case,
            "now": timezone.now(),
            "can_issue": may_issue_order(user, case=case),
            "can_reopen": may_reopen(user, case)
            and case.state in (State.CLOSED, State.EVALUATED)
            and bool(panel["open_orders"]),
            "reopen_form": ReopenForm(),
            **panel,
        },
    )


@role_required(*STAFF_ROLES)
@require_POST
def case_reopen(request, code: str):
    """Reopen a closed case for more handling, under supervision while an order is open."""
    case = _visible_case(request, code)
    if not may_reopen(request.user, case):
        raise PermissionDenied
    form = ReopenForm(request.POST)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("supervision:order_list")
    if not form.is_valid():
        messages.error(request, _("请填写重新办理理由。"))
        return redirect(target)
    try:
        case = case_reopen_with_supervision(case=case, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("案件 %(code)s 已重新办理（%(state)s）。")
            % {"code": case.code_display, "state": case.get_state_display()},
        )
    return redirect(target)
