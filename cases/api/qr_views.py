"""The receipt's QR code over the API, as SVG or PNG (it holds the party's secret key)."""

import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions

from common.api import JsonOnlyNegotiation, errors

from ..models import TRACKING_KEY_FIELDS
from ..permissions import may_print_receipt
from ..qr import case_qr_png, case_qr_svg
from ..selectors import cases_visible_to
from .base import CODE_PARAMETER, CaseApiView


class _QrApi(CaseApiView):
    content_negotiation_class = JsonOnlyNegotiation
    fmt = "svg"

    def get(self, request, code: str):
        case = self.get_case(
            code, cases_visible_to(request.user).only("id", "center_id", *TRACKING_KEY_FIELDS)
        )
        if not may_print_receipt(request.user, case):
            raise exceptions.PermissionDenied(_("回执二维码仅限窗口受理员和研判督办专员。"))
        etag = hashlib.sha256(f"{case.code}:{case.tracking_key}:{self.fmt}".encode()).hexdigest()[:32]
        if request.headers.get("If-None-Match", "").strip('"') == etag:
            response = HttpResponse(status=304)
        else:
            body = cache.get(f"qr:{etag}")
            if body is None:
                body = case_qr_svg(case) if self.fmt == "svg" else case_qr_png(case)
                cache.set(f"qr:{etag}", body, 60 * 60 * 24)
            response = HttpResponse(body, content_type="image/svg+xml" if self.fmt == "svg" else "image/png")
        response["ETag"] = f'"{etag}"'
        # The image holds the case's secret key: the client may keep it, shared caches may not.
        response["Cache-Control"] = "private, max-age=86400"
        return response


@extend_schema(tags=["cases"], parameters=[CODE_PARAMETER])
class CaseQrSvgApi(_QrApi):
    fmt = "svg"

    @extend_schema(
        operation_id="cases_qr_svg",
        summary="回执二维码（SVG）",
        responses={
            (200, "image/svg+xml"): OpenApiResponse(
                OpenApiTypes.BINARY, description="二维码，含带密钥的查询链接"
            ),
            **errors(400, 403, 404),
        },
    )
    def get(self, request, code: str):
        return super().get(request, code)


@extend_schema(tags=["cases"], parameters=[CODE_PARAMETER])
class CaseQrPngApi(_QrApi):
    fmt = "png"

    @extend_schema(
        operation_id="cases_qr_png",
        summary="回执二维码（PNG）",
        responses={
            (200, "image/png"): OpenApiResponse(
                OpenApiTypes.BINARY, description="二维码，含带密钥的查询链接"
            ),
            **errors(400, 403, 404),
        },
    )
    def get(self, request, code: str):
        return super().get(request, code)
