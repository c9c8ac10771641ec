"""吹哨报到 on the staff case page: the panel, blowing the whistle, and a summoned department's 报到."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.exceptions import ActionForbidden, DomainError
from common.forms import add_service_errors
from departments.models import Role
from departments.permissions import role_required

from .. import services
from ..forms import SummonsReportForm, WhistleForm
from ..models import Case, WhistleSummons
from ..permissions import may_blow_whistle, may_report_summons, may_summon_for
from ..selectors import case_whistles


def summons_status(summons: WhistleSummons, now) -> tuple[str, str]:
    """Return (text, css class) of a summons' status: 待报到, 已报到 按时, 已报到 超时 N 小时, 超时未报到."""
    if summons.status == WhistleSummons.Status.REPORTED:
        hours = services.late_hours(summons)
        if hours:
            return _("已报到 超时 %(n)s 小时") % {"n": hours}, "soon"
        return _("已报到 按时"), "ok"
    if summons.respond_by < now:
        return _("超时未报到"), "overdue"
    return _("待报到"), ""


def whistle_panel(user, case: Case, *, bound: dict | None = None) -> dict | None:
    """Return the 吹哨报到 panel's context for the case page, or None if there is nothing to show."""
    bound = bound or {}
    whistles = case_whistles(case)
    form = None
    if may_blow_whistle(user, case):
        form = bound.get("whistle") or WhistleForm(case=case, prefix="whistle")
    if not whistles and form is None:
        return None
    now = timezone.now()
    rows = []
    for whistle in whistles:
        summonses = []
        for summons in whistle.summonses.all():
            text, css = summons_status(summons, now)
            report_form = None
            if may_report_summons(user, summons):
                key = f"report-{summons.pk}"
                report_form = bound.get(key) or SummonsReportForm(prefix=key)
            summonses.append(
                {"summons": summons, "status_text": text, "status_class": css, "form": report_form}
            )
        rows.append({"whistle": whistle, "summonses": summonses})
    return {"form": form, "whistles": rows, "open": "whistle" in bound}


def _render(request, case_id: int, bound: dict, status: int):
    from .case_page import _render_page

    return _render_page(request, case_id, bound=bound, status=status)


@role_required(Role.COORDINATOR)
@require_POST
def whistle_blow(request, code: str):
    """Blow the whistle on the case (吹哨)."""
    from .case_page import _visible_case

    case = Case.objects.select_related("center").get(pk=_visible_case(request, code).pk)
    if not may_summon_for(request.user, case):
        raise PermissionDenied
    form = WhistleForm(request.POST, case=case, prefix="whistle")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            whistle = services.whistle_blow(
                case=case,
                actor=request.user,
                departments=list(data["departments"]),
                urgency=data["urgency"],
                reason=data["reason"],
            )
        except ActionForbidden as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = exc.status
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("已吹哨，召集%(departments)s于%(hours)s小时内报到。")
                % {
                    "departments": "、".join(d.display_name for d in data["departments"]),
                    "hours": whistle.hours,
                },
            )
            return redirect("cases:detail", code=case.code)
    return _render(request, case.pk, {"whistle": form}, status)


@role_required(Role.LIAISON)
@require_POST
def summons_report(request, code: str, pk: int):
    """Report to a whistle (报到) for the liaison's department."""
    from .case_page import _visible_case

    case = _visible_case(request, code)
    summons = WhistleSummons.objects.filter(pk=pk, whistle__case_id=case.pk).first()
    if summons is None:
        raise PermissionDenied
    if not may_report_summons(request.user, summons):
        if request.user.staff_profile.department_id != summons.department_id:
            raise PermissionDenied
        messages.error(request, str(services.AlreadyReported.default_message))
        return redirect("cases:detail", code=case.code)
    key = f"report-{summons.pk}"
    form = SummonsReportForm(request.POST, prefix=key)
    status = 400
    if form.is_valid():
        try:
            services.summons_report(summons=summons, actor=request.user, **form.cleaned_data)
        except ActionForbidden as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = exc.status
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已报到。本单位已作为协办单位参与办理。"))
            return redirect("cases:detail", code=case.code)
    return _render(request, case.pk, {key: form}, status)
