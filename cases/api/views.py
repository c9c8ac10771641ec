"""The staff cases API: thin views over the case services and selectors.

Each view finds the case among those the caller may see (404 otherwise), checks that the
caller's role and department may act (403) before it reads a body, then calls one service.
"""

import hashlib
import json

from django.core.cache import cache
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ApiError, JsonOnlyNegotiation, errors
from common.parsers import JSONParser
from integrations.idempotency import IDEMPOTENCY_HEADER, idempotency_key, replay_or_run

from ..codes import InvalidCaseCode
from ..models import TRANSITION_LABELS, Case
from ..permissions import (
    available_transitions,
    may_add_record,
    may_print_receipt,
    may_take_in,
    sees_personal_data,
)
from ..qr import case_qr_png, case_qr_svg
from ..selectors import (
    case_by_code,
    case_events_for,
    case_list_for,
    case_records_for,
    case_rows_for,
    cases_visible_to,
)
from ..services import PartyData, attachment_add, case_create, handling_record_add
from .filters import CaseFilter
from .pagination import CasePagination, LogPagination
from .serializers import (
    AvailableTransitionSerializer,
    CaseCreateSerializer,
    CaseEventSerializer,
    CaseSerializer,
    CaseSummarySerializer,
    HandlingRecordCreateSerializer,
    HandlingRecordSerializer,
)

CODE_PARAMETER = OpenApiParameter(
    "code",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="案件编号，任意分组与大小写（如 420923-2026-000123-7）。",
)


FORM_BOOLEANS = {"true": True, "1": True, "on": True, "false": False, "0": False, "": False}


def find_case(code: str, queryset) -> Case:
    """Return the case a code names within ``queryset``: 400 if mistyped or malformed, 404 if absent."""
    try:
        return case_by_code(code, queryset)
    except InvalidCaseCode as exc:
        raise ApiError(
            exc.message, code=exc.code, status_code=400, fields={"code": [str(exc.message)]}
        ) from None
    except Case.DoesNotExist:
        raise exceptions.NotFound(_("案件不存在或您无权查看。")) from None


class CaseApiView(APIView):
    """A view on one case the caller may see."""

    def get_case(self, code: str, queryset=None) -> Case:
        return find_case(code, queryset if queryset is not None else cases_visible_to(self.request.user))

    def case_response(self, case: Case, status_code: int = status.HTTP_200_OK) -> Response:
        """Answer with the case in full, as the caller may see it, and its version as the ETag."""
        context = {"request": self.request, "personal_data": sees_personal_data(self.request.user, case)}
        return Response(
            CaseSerializer(case, context=context).data,
            status=status_code,
            headers={"ETag": f'"{case.version}"'},
        )


def case_detail_queryset(user):
    return case_list_for(user)


@extend_schema(tags=["cases"])
class CaseListCreateApi(generics.GenericAPIView):
    """List the cases the caller may see; record a new case (受理)."""

    pagination_class = CasePagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter
    serializer_class = CaseSummarySerializer
    parser_classes = [JSONParser]

    def get_queryset(self):
        return case_rows_for(self.request.user)

    @extend_schema(
        operation_id="cases_list",
        summary="案件列表",
        description="游标分页（默认 -created_at,-id）。列表中当事人信息一律脱敏。",
        responses={200: CaseSummarySerializer(many=True), **errors(400)},
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="cases_create",
        summary="受理登记",
        description=(
            "窗口受理员、研判督办专员可调用。带 Idempotency-Key 头重试时返回首次的响应（同一编号），"
            "不会重复立案；同一键配不同请求体返回 422。"
        ),
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="每个调用方唯一的请求键（1–200 个可见 ASCII 字符）。",
                pattern=r"^[\x21-\x7e]{1,200}$",
            )
        ],
        request=CaseCreateSerializer,
        responses={201: CaseSerializer, **errors(400, 403, 422)},
    )
    def post(self, request):
        if not may_take_in(request.user):
            raise exceptions.PermissionDenied(_("只有窗口受理员、研判督办专员可以登记案件。"))
        key = idempotency_key(request)
        if key is None:
            status_code, body, replayed = (*self._render(self._create(request)), False)
        else:
            status_code, body, replayed = replay_or_run(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path,
                body=request.data,
                run=lambda: self._render(self._create(request)),
            )
        headers = {"ETag": f'"{body["version"]}"', "Location": body["url"]}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(body, status=status_code, headers=headers)

    def _create(self, request) -> Response:
        serializer = CaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = case_create(
            actor=request.user,
            title=data["title"],
            description=data["description"],
            category=data["category"],
            source=data["source"],
            location=data["location"],
            parties=[PartyData(**party) for party in data["parties"]],
            requested_services=data["requested_services"],
            is_collective=data["is_collective"],
            people_count=data.get("people_count"),
        )
        case = case_list_for(request.user).get(pk=case.pk)
        context = {"request": request, "personal_data": sees_personal_data(request.user, case)}
        return Response(CaseSerializer(case, context=context).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _render(response: Response) -> tuple[int, dict]:
        # What is stored for a replay is exactly what the client received: plain JSON.
        return response.status_code, json.loads(JSONRenderer().render(response.data))


@extend_schema(tags=["cases"], parameters=[CODE_PARAMETER])
class CaseDetailApi(CaseApiView):
    @extend_schema(
        operation_id="cases_retrieve",
        summary="案件详情",
        description="当事人电话、身份证号仅对研判督办专员、牵头单位联络员及登记该案的窗口受理员完整显示。",
        responses={200: CaseSerializer, **errors(400, 404)},
    )
    def get(self, request, code: str):
        return self.case_response(self.get_case(code, case_detail_queryset(request.user)))


@extend_schema(tags=["cases"], parameters=[CODE_PARAMETER])
class CaseEventListApi(CaseApiView, generics.GenericAPIView):
    pagination_class = LogPagination
    serializer_class = CaseEventSerializer
    queryset = Case.objects.none()  # the schema generator's hint; rows come from the selector

    @extend_schema(
        operation_id="cases_events_list",
        summary="流转记录",
        responses={200: CaseEventSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request, code: str):
        case = self.get_case(code)
        page = self.paginate_queryset(case_events_for(case))
        return self.get_paginated_response(CaseEventSerializer(page, many=True).data)


@extend_schema(tags=["cases"], parameters=[CODE_PARAMETER])
class CaseRecordListCreateApi(CaseApiView, generics.GenericAPIView):
    pagination_class = LogPagination
    serializer_class = HandlingRecordSerializer
    queryset = Case.objects.none()  # the schema generator's hint; rows come from the selector
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="cases_records_list",
        summary="办理记录",
        responses={200: HandlingRecordSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request, code: str):
        case = self.get_case(code)
        page = self.paginate_queryset(case_records_for(case))
        context = {"request": request, "case_code": case.code}
        return self.get_paginated_response(HandlingRecordSerializer(page, many=True, context=context).data)

    @extend_schema(
        operation_id="cases_records_create",
        summary="添加办理记录",
        description="参与办理的单位（牵头或协办）在办理期间，或研判督办专员随时可添加；附件用 multipart/form-data 上传。",
        request={
            "application/json": HandlingRecordCreateSerializer,
            "multipart/form-data": HandlingRecordCreateSerializer,
        },
        responses={201: HandlingRecordSerializer, **errors(400, 403, 404)},
    )
    def post(self, request, code: str):
        case = self.get_case(code, case_detail_queryset(request.user))
        if not may_add_record(request.user, case):
            raise exceptions.PermissionDenied(_("只有参与办理的单位可以在办理期间添加记录。"))
        data = request.data
        if hasattr(data, "getlist"):  # a form: several files under one name, text for true and false
            data = {**data.dict(), "attachments": data.getlist("attachments")}
            if "public" in data:
                data["public"] = FORM_BOOLEANS.get(str(data["public"]).lower(), data["public"])
        serializer = HandlingRecordCreateSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        # The record and its files stand or fall together.
        with transaction.atomic():
            record = handling_record_add(
                case=case,
                actor=request.user,
                text=values["text"],
                kind=values["kind"],
                is_public=values["public"],
            )
            for upload in values["attachments"]:
                attachment_add(case=case, actor=request.user, upload=upload, record=record)
        record = case_records_for(case).get(pk=record.pk)
        context = {"request": request, "case_code": case.code}
        return Response(
            HandlingRecordSerializer(record, context=context).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["cases"], parameters=[CODE_PARAMETER])
class CaseAttachmentApi(CaseApiView):
    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema(
        operation_id="cases_attachments_retrieve",
        summary="下载附件",
        parameters=[
            OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="附件 id")
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="附件文件"),
            **errors(400, 404),
        },
    )
    def get(self, request, code: str, attachment_id: int):
        case = self.get_case(code)
        attachment = case.attachments.filter(pk=attachment_id).first() if attachment_id < 2**63 else None
        if attachment is None:
            raise exceptions.NotFound(_("附件不存在。"))
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class _QrApi(CaseApiView):
    content_negotiation_class = JsonOnlyNegotiation
    fmt = "svg"

    def get(self, request, code: str):
        case = self.get_case(code, cases_visible_to(request.user).only("id", "code", "tracking_key"))
        if not may_print_receipt(request.user):
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


@extend_schema(tags=["transitions"], parameters=[CODE_PARAMETER])
class CaseTransitionListApi(CaseApiView):
    @extend_schema(
        operation_id="cases_transitions_list",
        summary="可执行的操作",
        description="调用方此刻可对该案件执行的流转（按角色、所属单位和案件状态）。",
        responses={
            200: inline_serializer(
                "AvailableTransitionList",
                fields={
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "state": serializers.CharField(),
                    "version": serializers.IntegerField(),
                    "results": AvailableTransitionSerializer(many=True),
                },
            ),
            **errors(400, 404),
        },
    )
    def get(self, request, code: str):
        case = self.get_case(code, cases_visible_to(request.user).select_related("lead_department"))
        results = [
            {
                "name": name,
                "label": str(TRANSITION_LABELS.get(name, name)),
                "url": request.build_absolute_uri(reverse(f"api:case-transition-{name}", args=[case.code])),
            }
            for name in available_transitions(case, request.user)
        ]
        return Response(
            {
                "count": len(results),
                "next": None,
                "previous": None,
                "state": case.state,
                "version": case.version,
                "results": results,
            },
            headers={"ETag": f'"{case.version}"'},
        )
