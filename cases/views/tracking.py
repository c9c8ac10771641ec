"""The parties' public tracking pages: no account, mobile first."""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..codes import InvalidCaseCode, display_code
from ..models import Case
from ..selectors import case_by_code, public_timeline


@require_GET
def tracking_start(request):
    """Ask for a case code (the entry of /t/)."""
    code = request.GET.get("code", "").strip()
    error = None
    if code:
        try:
            case = case_by_code(code)
        except InvalidCaseCode as exc:
            error = exc.message
        except Case.DoesNotExist:
            error = _("未找到该案件编号，请核对后重新输入。")
        else:
            return redirect("tracking:case", code=case.code)
    return render(
        request, "cases/tracking_start.html", {"code": code, "error": error}, status=400 if error else 200
    )


@require_GET
def tracking_case(request, code: str):
    """Show a case's stage and dates: nothing personal, no department, no deadline."""
    try:
        case = case_by_code(code, Case.objects.only("id", "code", "state", "created_at"))
    except InvalidCaseCode as exc:
        return render(request, "cases/tracking_start.html", {"code": code, "error": exc.message}, status=400)
    except Case.DoesNotExist:
        return render(
            request,
            "cases/tracking_start.html",
            {"code": code, "error": _("未找到该案件编号，请核对后重新输入。")},
            status=404,
        )
    return render(
        request,
        "cases/tracking_case.html",
        {
            "code_display": display_code(case.code),
            "state_label": case.get_state_display(),
            "timeline": public_timeline(case),
            "created_at": case.created_at,
        },
    )
