"""The grading of one case (风险分级): the learned chance it escalates, its top factors, the model's record."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.codes import InvalidCaseCode
from cases.models import Case
from cases.permissions import sees_case
from cases.selectors import case_by_code
from departments.models import Role
from departments.permissions import role_required

from ..grading import grade_case


@role_required(Role.COORDINATOR, Role.LEADER)
@require_GET
def case_grading(request, code: str):
    """Show a case's escalation probability and why, for coordinators and leaders who see the case."""
    queryset = Case.objects.select_related("center", "intake_center", "place__township", "lead_department")
    try:
        case = case_by_code(code, queryset)
    except (InvalidCaseCode, Case.DoesNotExist) as exc:
        raise Http404 from exc
    if not sees_case(request.user, case):
        raise Http404
    grading = grade_case(case)
    context = {"case": case, "grading": grading}
    if grading is not None:
        context["percent"] = round(grading["probability"] * 100, 1)
        context["threshold_percent"] = f"{(grading['threshold'] or 0) * 100:.1f}%"
    return render(request, "risk/case_grading.html", context)
