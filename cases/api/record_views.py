"""A case's handling records over the API (JSON, or multipart/form-data with files) and its attachments."""

from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from common.api import ApiError, JsonOnlyNegotiation, errors
from common.parsers import JSONParser

from ..attachments import ALLOWED
from ..models import Case
from ..permissions import may_add_record
from ..selectors import case_records_for
from ..services import attachment_add, attachment_download_log, handling_record_add
from .base import CODE_PARAMETER, CaseApiView, case_detail_queryset
from .pagination import LogPagination
from .serializers import (
    HandlingRecordCreateSerializer,
    HandlingRecordMultipartSerializer,
    HandlingRecordSerializer,
)

FORM_BOOLEANS = {"true": True, "1": True, "on": True, "false": False, "0": False, "": False}
# The media types an attachment is served in: those it may be uploaded as.
ATTACHMENT_TYPES = sorted({content_type for content_type, _magics in ALLOWED.values()})


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
        description=(
            "参与办理的单位（牵头或协办）在办理期间，或研判督办专员随时可添加；附件用 multipart/form-data 上传。"
            "记录类型按添加人：中心备注（note）只由研判督办专员添加，协办情况（cooperation）只由单位添加，"
            "与办理页面提供的选项一致；其他类型返回 400。"
        ),
        request={
            "application/json": HandlingRecordCreateSerializer,
            "multipart/form-data": HandlingRecordMultipartSerializer,
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
            serializer = HandlingRecordMultipartSerializer(data=data)
        else:
            if isinstance(data, dict) and data.get("attachments"):
                message = _("附件请用 multipart/form-data 上传。")
                raise ApiError(message, code="invalid", status_code=400, fields={"attachments": [message]})
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
            for upload in values.get("attachments", []):
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
            **{
                (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="附件文件，按其类型")
                for content_type in ATTACHMENT_TYPES
            },
            **errors(400, 404),
        },
    )
    def get(self, request, code: str, attachment_id: int):
        case = self.get_case(code)
        attachment = case.attachments.filter(pk=attachment_id).first() if attachment_id < 2**63 else None
        if attachment is None:
            raise exceptions.NotFound(_("附件不存在。"))
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
