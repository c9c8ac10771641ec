"""The staff cases API: thin views over the case services and selectors.

Each view finds the case among those the caller may see (404 otherwise), checks that the
caller's role and department may act (403) before it reads a body, then calls one service.
Here: the list, intake, the detail, the log and the transitions on offer; handling records and
attachments are in :mod:`.record_views`, the receipt's QR in :mod:`.qr_views` (re-exported).
"""

import json

from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from common.api import errors
from common.parsers import JSONParser
from integrations.idempotency import IDEMPOTENCY_HEADER, idempotency_key, replay_or_run

from ..models import TRANSITION_LABELS, Case
from ..permissions import available_transitions, may_take_in
from ..selectors import case_events_for, case_list_for, case_rows_for, cases_visible_to
from ..services import PartyData, case_create
from ..services.intake import intake_center_for
from .base import CODE_PARAMETER, CaseApiView, case_detail_queryset, find_case
from .filters import CaseFilter
from .pagination import CasePagination, LogPagination
from .qr_views import CaseQrPngApi, CaseQrSvgApi
from .record_views import CaseAttachmentApi, CaseRecordListCreateApi
from .serializers import (
    AvailableTransitionSerializer,
    CaseCreateSerializer,
    CaseEventSerializer,
    CaseSerializer,
    CaseSummarySerializer,
)

__all__ = [
    "CODE_PARAMETER",
    "CaseApiView",
    "CaseAttachmentApi",
    "CaseDetailApi",
    "CaseEventListApi",
    "CaseListCreateApi",
    "CaseQrPngApi",
    "CaseQrSvgApi",
    "CaseRecordListCreateApi",
    "CaseTransitionListApi",
    "case_detail_queryset",
    "find_case",
]


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
        # Taken in at the caller's center (case_create's default): its places are the ones to name.
        serializer = CaseCreateSerializer(
            data=request.data, context={"center": intake_center_for(request.user)}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = case_create(
            actor=request.user,
            title=data["title"],
            description=data["description"],
            category=data["category"],
            source=data["source"],
            location=data["location"],
            place=data["place"],
            parties=[PartyData(**party) for party in data["parties"]],
            requested_services=data["requested_services"],
            is_collective=data["is_collective"],
            people_count=data.get("people_count"),
        )
        case = case_list_for(request.user).get(pk=case.pk)
        # Numbers masked here too: the response may be stored for an idempotent replay.
        context = {"request": request, "personal_data": False}
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
        description=(
            "当事人电话、身份证号一律脱敏；有权限者通过 POST /cases/{code}/parties/{id}/reveal/ "
            "说明事由后查看单个完整号码（记入审计日志）。"
        ),
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
