"""The screening queue (风险研判) and one lead's page with the decisions on it; each decision calls one service.

Coordinators of the center holding a lead act on it; leaders, and the coordinators of a center
above, read it (no forms). A decision posts the lead's version the coordinator saw: if someone
else decided meanwhile, the service refuses and the page says so.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases.models import Case
from common.exceptions import ActionForbidden, ConcurrentChange, DomainError
from common.forms import add_service_errors

from .. import selectors
from ..models import Lead
from ..permissions import may_act_on_lead, sees_leads
from ..services import decisions
from .queue_forms import (
    AttachForm,
    DismissForm,
    HandForm,
    LeadFilterForm,
    OpenCaseForm,
    ReopenForm,
    WatchForm,
)

PAGE_SIZE = 50


def _require_queue(user) -> None:
    if not sees_leads(user):
        raise PermissionDenied


def reason_texts(reasons) -> list[dict]:
    """The lead's reasons as {"text", "weight"}: each a dict with an explanation, or a plain string."""
    items = []
    for reason in reasons or []:
        if isinstance(reason, dict):
            text = reason.get("explanation") or reason.get("label") or reason.get("name") or ""
            items.append({"text": str(text), "weight": reason.get("weight")})
        elif reason:
            items.append({"text": str(reason), "weight": None})
    return [item for item in items if item["text"]]


def factor_texts(factors) -> list[dict]:
    """The grading's top factors as {"text", "detail"}: each a dict with a label, or a plain string."""
    items = []
    for factor in factors or []:
        if isinstance(factor, dict):
            label = factor.get("label") or factor.get("feature") or ""
            detail = factor.get("direction") or factor.get("value") or factor.get("weight")
            items.append({"text": str(label), "detail": "" if detail is None else str(detail)})
        elif factor:
            items.append({"text": str(factor), "detail": ""})
    return [item for item in items if item["text"]]


@login_required
@require_GET
def lead_list(request):
    """The screening queue: the leads the user sees, highest score first, filtered and paginated."""
    _require_queue(request.user)
    form = LeadFilterForm(request.GET or None, townships=selectors.townships_in_view(request.user))
    leads = selectors.leads_for(request.user, **form.filters())
    page = Paginator(leads, PAGE_SIZE).get_page(request.GET.get("page"))
    for lead in page.object_list:
        lead.reason_list = reason_texts(lead.reasons)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "risk/lead_list.html",
        {"form": form, "page": page, "leads": page.object_list, "query": query.urlencode()},
    )


@dataclass(frozen=True)
class Decision:
    label: Any
    form: type
    call: Any  # (lead, user, cleaned_data) -> message
    states: tuple
    button_class: str = "primary"


def _open_case(lead, user, data):
    case = decisions.lead_open_case(
        actor=user,
        lead=lead,
        version=data["version"],
        title=data["title"],
        category=data["category"],
        description=data["description"],
    )
    return _("已立案，案件编号 %(code)s。") % {"code": case.code_display}


def _attach(lead, user, data):
    case = Case.objects.filter(code=data["case_code"]).first()
    if case is None:
        raise ValidationError({"case_code": _("未找到该编号的案件。")})
    try:
        decisions.lead_attach(actor=user, lead=lead, version=data["version"], case=case, note=data["note"])
    except ValidationError as exc:
        raise ValidationError(
            {("case_code" if k == "case" else k): v for k, v in exc.message_dict.items()}
        ) from None
    return _("已并入案件 %(code)s。") % {"code": case.code_display}


def _hand(lead, user, data):
    lead = decisions.lead_hand_to_township(
        actor=user, lead=lead, version=data["version"], township=data["township"], note=data["note"]
    )
    return _("已交%(center)s研判处置。") % {"center": lead.center.name}


def _watch(lead, user, data):
    decisions.lead_watch(
        actor=user,
        lead=lead,
        version=data["version"],
        review_on=data["review_on"],
        measures=data["measures"],
        note=data["note"],
    )
    return _("已列入持续关注，并登记风险隐患台账。")


def _dismiss(lead, user, data):
    decisions.lead_dismiss(actor=user, lead=lead, version=data["version"], reason=data["reason"])
    return _("已排除该线索。")


def _reopen(lead, user, data):
    decisions.lead_reopen(actor=user, lead=lead, version=data["version"], note=data["note"])
    return _("已恢复研判。")


DECISIONS: dict[str, Decision] = {
    "open_case": Decision(gettext_lazy("立案"), OpenCaseForm, _open_case, decisions.DECIDABLE),
    "attach": Decision(gettext_lazy("并入已有案件"), AttachForm, _attach, decisions.DECIDABLE, "secondary"),
    "hand": Decision(gettext_lazy("交乡镇处置"), HandForm, _hand, decisions.DECIDABLE, "secondary"),
    "watch": Decision(gettext_lazy("持续关注"), WatchForm, _watch, decisions.DECIDABLE, "secondary"),
    "dismiss": Decision(gettext_lazy("排除"), DismissForm, _dismiss, decisions.DECIDABLE, "secondary"),
    "reopen": Decision(gettext_lazy("恢复研判"), ReopenForm, _reopen, decisions.REOPENABLE, "secondary"),
}


def _form(name: str, lead: Lead, data=None):
    kwargs: dict = {"prefix": name, "initial": {"version": lead.version}}
    if name == "open_case":
        kwargs["initial"].update(title=lead.text[:60], category=lead.category or "other")
    if name == "hand":
        kwargs["townships"] = selectors.child_townships(lead.center)
        if lead.township_id and lead.township.parent_id == lead.center_id:
            kwargs["initial"]["township"] = lead.township_id  # where it happened, if directly below
    if name == "watch" and lead.review_on:
        kwargs["initial"]["review_on"] = lead.review_on
    return DECISIONS[name].form(data, **kwargs)


def _render_lead(request, lead: Lead, *, bound: dict | None = None, status: int = 200):
    user = request.user
    actions = []
    if may_act_on_lead(user, lead):
        for name, decision in DECISIONS.items():
            if lead.state not in decision.states:
                continue
            if name == "hand" and not selectors.child_townships(lead.center).exists():
                continue
            form = (bound or {}).get(name) or _form(name, lead)
            actions.append(
                {
                    "name": name,
                    "label": decision.label,
                    "form": form,
                    "button_class": decision.button_class,
                    "open": name in (bound or {}),
                }
            )
    context = {
        "lead": lead,
        "people": list(lead.people.all()),
        "history": selectors.person_history(lead, user),
        "reasons": reason_texts(lead.reasons),
        "factors": factor_texts(lead.grading_factors),
        "events": list(lead.events.all()),
        "actions": actions,
        "read_only": not may_act_on_lead(user, lead),
    }
    return render(request, "risk/lead_detail.html", context, status=status)


@login_required
@require_GET
def lead_detail(request, pk: int):
    """One lead: its text, people (masked), reasons, grading, people's history, log and decisions."""
    _require_queue(request.user)
    return _render_lead(request, selectors.lead_detail(request.user, pk))


@login_required
@require_POST
def lead_action(request, pk: int, action: str):
    """Take one decision on the lead; field errors and conflicts come back on the lead page."""
    _require_queue(request.user)
    if action not in DECISIONS:
        raise Http404
    lead = selectors.lead_detail(request.user, pk)
    if not may_act_on_lead(request.user, lead):
        raise PermissionDenied
    form = _form(action, lead, request.POST)
    if form.is_valid():
        try:
            message = DECISIONS[action].call(lead, request.user, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ConcurrentChange as exc:
            messages.error(request, exc.message)
            return _render_lead(request, selectors.lead_detail(request.user, pk), status=409)
        except ActionForbidden:
            raise PermissionDenied from None
        except DomainError as exc:
            messages.error(request, exc.message)
            return _render_lead(request, selectors.lead_detail(request.user, pk), status=409)
        else:
            messages.success(request, message)
            if action == "open_case":
                lead = Lead.objects.select_related("case").get(pk=pk)
                return redirect("cases:detail", lead.case.code)
            return redirect("risk:lead", pk=pk)
    return _render_lead(request, lead, bound={action: form}, status=400)
