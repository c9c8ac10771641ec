"""吹哨报到 over the API: blow the whistle on a case, list its whistles, a department's summonses and its 报到."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ApiError, errors
from common.parsers import JSONParser
from departments.models import Role, WhistleRule
from departments.permissions import role_of

from ..models import Whistle, WhistleSummons
from ..permissions import may_summon_for
from ..selectors import case_whistles, cases_visible_to, summonable_departments, summonses_for
from ..services import late_hours, summons_report, whistle_blow
from .base import CODE_PARAMETER, CaseApiView
from .pagination import KeysetPagination


class WhistleSummonsSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="whistle.case.code", read_only=True, help_text="案件编号。")
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="被召单位标识。")
    department_name = serializers.CharField(source="department.name", read_only=True)
    late = serializers.SerializerMethodField(help_text="是否超时：已报到的按报到时间，待报到的按当前时间。")
    late_hours = serializers.SerializerMethodField(
        help_text="超时小时数（不足一小时按一小时计），未超时为 0。"
    )

    class Meta:
        model = WhistleSummons
        fields = [
            "id", "case", "whistle", "department", "department_name", "respond_by", "status", "reported_at",
            "attendee", "note", "late", "late_hours",
        ]  # fmt: skip
        read_only_fields = fields

    def get_late(self, summons) -> bool:
        return late_hours(summons) > 0

    def get_late_hours(self, summons) -> int:
        return late_hours(summons)


class WhistleSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.code", read_only=True)
    center = serializers.CharField(source="center.slug", read_only=True, help_text="吹哨中心标识。")
    summonses = WhistleSummonsSerializer(many=True, read_only=True)

    class Meta:
        model = Whistle
        fields = ["id", "case", "center", "urgency", "hours", "reason", "blown_at", "summonses"]
        read_only_fields = fields


class WhistleCreateSerializer(serializers.Serializer):
    departments = serializers.ListField(
        child=serializers.SlugField(), allow_empty=False, help_text="被召单位标识：上一级综治中心的在驻单位。"
    )
    urgency = serializers.ChoiceField(choices=WhistleRule.Urgency.choices)
    reason = serializers.CharField(max_length=2000)


class SummonsReportSerializer(serializers.Serializer):
    attendee = serializers.CharField(max_length=100, help_text="到场或参与处置的人员姓名、职务。")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SummonsPagination(KeysetPagination):
    """Earliest deadline first."""

    default_ordering = ("respond_by", "id")


@extend_schema(tags=["cases"], parameters=[CODE_PARAMETER])
class CaseWhistleListCreateApi(CaseApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cases_whistles_list",
        summary="吹哨记录",
        description="案件的吹哨记录（最新在前），含各被召单位的报到情况。",
        responses={200: WhistleSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request, code: str):
        case = self.get_case(code)
        return Response(WhistleSerializer(case_whistles(case), many=True).data)

    @extend_schema(
        operation_id="cases_whistles_create",
        summary="吹哨",
        description=(
            "案件所在综治中心的研判督办专员召集上一级综治中心的在驻单位限时报到；时限按紧急程度"
            "（吹哨报到时限表，紧急 2 小时、一般 24 小时）。案件已办结或正在上报、移交时返回 409。"
        ),
        request=WhistleCreateSerializer,
        responses={201: WhistleSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, code: str):
        case = self.get_case(code)
        if not may_summon_for(request.user, case):
            raise exceptions.PermissionDenied(_("只有案件所在综治中心的研判督办专员可以吹哨。"))
        serializer = WhistleCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        slugs = values["departments"]
        found = {d.slug: d for d in summonable_departments(case).filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            message = _("只能召集上一级综治中心的在驻单位。")
            raise ApiError(message, code="invalid", status_code=400, fields={"departments": [message]})
        whistle = whistle_blow(
            case=case,
            actor=request.user,
            departments=[found[slug] for slug in slugs],
            urgency=values["urgency"],
            reason=values["reason"],
        )
        whistle = next(w for w in case_whistles(case) if w.pk == whistle.pk)
        return Response(WhistleSerializer(whistle).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["cases"])
class SummonsListApi(generics.GenericAPIView):
    pagination_class = SummonsPagination
    serializer_class = WhistleSummonsSerializer
    queryset = WhistleSummons.objects.none()  # the schema generator's hint; rows come from the selector

    @extend_schema(
        operation_id="summonses_list",
        summary="本单位的吹哨报到",
        description="部门联络员所在单位被召集的吹哨报到，报到期限最早的在前；其他角色返回 403。",
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=WhistleSummons.Status.values, description="waiting：待报到。"
            )
        ],
        responses={200: WhistleSummonsSerializer(many=True), **errors(400, 403)},
    )
    def get(self, request):
        if role_of(request.user) != Role.LIAISON:
            raise exceptions.PermissionDenied(_("吹哨报到列表仅限部门联络员。"))
        wanted = request.query_params.get("status")
        if wanted is not None and wanted not in WhistleSummons.Status.values:
            message = _("状态应为 waiting 或 reported。")
            raise ApiError(message, code="invalid", status_code=400, fields={"status": [message]})
        page = self.paginate_queryset(summonses_for(request.user, status=wanted))
        return self.get_paginated_response(WhistleSummonsSerializer(page, many=True).data)


@extend_schema(
    tags=["cases"],
    parameters=[
        OpenApiParameter("summons_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="报到单 id。")
    ],
)
class SummonsReportApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="summonses_report",
        summary="报到",
        description="被召单位的联络员报到（到场人员必填）；本单位随即作为协办单位参与办理。重复报到返回 409。",
        request=SummonsReportSerializer,
        responses={200: WhistleSummonsSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, summons_id: int):
        summons = (
            WhistleSummons.objects.filter(pk=summons_id, whistle__case__in=cases_visible_to(request.user))
            .select_related("whistle__case", "department")
            .first()
        )
        if summons is None:
            raise exceptions.NotFound(_("报到单不存在或您无权查看。"))
        if (
            role_of(request.user) != Role.LIAISON
            or request.user.staff_profile.department_id != summons.department_id
        ):
            raise exceptions.PermissionDenied(_("只有被召单位的联络员可以报到。"))
        serializer = SummonsReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        summons = summons_report(summons=summons, actor=request.user, **serializer.validated_data)
        summons = WhistleSummons.objects.select_related("whistle__case", "department").get(pk=summons.pk)
        return Response(WhistleSummonsSerializer(summons).data)
