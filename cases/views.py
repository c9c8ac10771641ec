"""Case pages: the public tracking page and the receipt QR images."""

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from departments.models import Role
from departments.permissions import has_role

from .codes import InvalidCaseCode, display_code
from .models import Case
from .qr import case_qr_png, case_qr_svg
from .selectors import case_by_code, public_timeline


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


QR_ROLES = (Role.RECEPTION, Role.COORDINATOR, Role.ADMIN)


def _qr_response(request, code: str, fmt: str) -> HttpResponse:
    if not has_role(request.user, *QR_ROLES):
        raise Http404
    try:
        case = case_by_code(code, Case.objects.only("id", "code", "tracking_key"))
    except (InvalidCaseCode, Case.DoesNotExist) as exc:
        raise Http404 from exc
    etag = hashlib.sha256(f"{case.code}:{case.tracking_key}:{fmt}".encode()).hexdigest()[:32]
    if request.headers.get("If-None-Match", "").strip('"') == etag:
        response = HttpResponse(status=304)
    else:
        cache_key = f"qr:{etag}"
        body = cache.get(cache_key)
        if body is None:
            body = case_qr_svg(case) if fmt == "svg" else case_qr_png(case)
            cache.set(cache_key, body, 60 * 60 * 24)
        response = HttpResponse(body, content_type="image/svg+xml" if fmt == "svg" else "image/png")
        if fmt == "png":
            response["Content-Disposition"] = f'attachment; filename="{case.code}.png"'
    response["ETag"] = f'"{etag}"'
    # The image holds the case's secret key: staff browsers may keep it, shared caches may not.
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_GET
def case_qr_svg_view(request, code: str):
    """The receipt QR as SVG, for pages."""
    return _qr_response(request, code, "svg")


@login_required
@require_GET
def case_qr_png_view(request, code: str):
    """The receipt QR as PNG, for download."""
    return _qr_response(request, code, "png")
