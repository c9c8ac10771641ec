"""Files of a case for staff: the receipt QR images and attachments."""

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from ..codes import InvalidCaseCode
from ..models import TRACKING_KEY_FIELDS, Case
from ..permissions import may_print_receipt
from ..qr import case_qr_png, case_qr_svg
from ..selectors import case_by_code, cases_visible_to


def _qr_response(request, code: str, fmt: str) -> HttpResponse:
    # As the API: 404 for a case the user may not see, 403 for a role without the receipt.
    try:
        case = case_by_code(
            code, cases_visible_to(request.user).only("id", "center_id", *TRACKING_KEY_FIELDS)
        )
    except (InvalidCaseCode, Case.DoesNotExist) as exc:
        raise Http404 from exc
    if not may_print_receipt(request.user, case):
        raise PermissionDenied
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


@login_required
@require_GET
def attachment_download(request, code: str, pk: int):
    """Serve an attachment to staff who may see its case; 404 for everyone else."""
    from django.http import FileResponse

    from ..models import Attachment

    try:
        case = case_by_code(code, cases_visible_to(request.user))
    except (InvalidCaseCode, Case.DoesNotExist) as exc:
        raise Http404 from exc
    attachment = Attachment.objects.filter(case=case, pk=pk).first()
    if attachment is None:
        raise Http404
    from ..services import attachment_download_log

    attachment_download_log(case=case, attachment=attachment, actor=request.user, request=request)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
