"""Hops of cases between centers over HTTP: the parent's review of a 下派 closing, and each center's referrals.

The transitions themselves (上报、接收、退回下级、下派、移交…) are endpoints of
:mod:`cases.api.transitions`; here the review (``POST /cases/{code}/referral/approve/`` and
``/referral/send-back/``) and the list ``GET /referrals/?direction=incoming|outgoing``.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers

from common.api import errors
from common.parsers import JSONParser

from .. import services
from ..models import Referral, ReferralKind, ReferralStatus
from ..permissions import may_list_referrals, may_review_referral
from ..selectors import referrals_for
from . import serializers as s
from . import transition_serializers as ts
from .pagination import LogPagination
from .serializers import CaseSerializer
from .transitions import IF_MATCH_PARAMETER, expected_version
from .views import CODE_PARAMETER, CaseApiView, case_detail_queryset


class ReferralSerializer(serializers.ModelSerializer):
    """One hop of a case between centers (centers by slug; people by user name)."""

    case = serializers.CharField(source="case.code", read_only=True)
    from_center = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    to_center = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    via_center = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "case",
            "kind",
            "status",
            "from_center",
            "to_center",
            "via_center",
            "reason_kind",
            "reason",
            "instructions",
            "due_by",
            "from_state",
            "created_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "reported_at",
        ]
        read_only_fields = fields


class ReferralReviewApi(CaseApiView):
    """The parent's review of a child's closing of a case it assigned down."""

    InputSerializer = ts.NoteSerializer
    parser_classes = [JSONParser]

    def post(self, request, code: str):
        case = self.get_case(code, case_detail_queryset(request.user))
        if not may_review_referral(request.user, case):
            raise exceptions.PermissionDenied(_("只有下派的上级中心的研判督办专员可以审核下级的办结。"))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = expected_version(request, data.pop("version", None))
        if version is not None:
            case.version = version
        self.perform(case, data)
        return self.case_response(case_detail_queryset(request.user).get(pk=case.pk))

    def perform(self, case, data):
        raise NotImplementedError


def _review_schema(operation: str, summary: str, description: str, request):
    return extend_schema(
        operation_id=operation,
        summary=summary,
        description=description,
        tags=["referrals"],
        parameters=[CODE_PARAMETER, IF_MATCH_PARAMETER],
        request=request,
        responses={200: CaseSerializer, **errors(400, 403, 404, 409)},
    )


class ReferralApproveApi(ReferralReviewApi):
    @_review_schema(
        "cases_referral_approve",
        "下派办结审核通过",
        "下级已结案的下派案件，由下派的上级中心审核通过（流转记录为已接收）。限研判督办专员。",
        ts.NoteSerializer,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.referral_approve(case=case, actor=self.request.user, **data)


class ReferralSendBackApi(ReferralReviewApi):
    InputSerializer = s.ReasonSerializer

    @_review_schema(
        "cases_referral_send_back",
        "下派办结退回重办",
        "下级已结案的下派案件退回下级重办：案件在下级中心重新办理，流转记录回到办理中（须说明理由）。",
        s.ReasonSerializer,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.referral_send_back(case=case, actor=self.request.user, **data)


class ReferralListApi(generics.ListAPIView):
    """The hops of the caller's center: incoming (to it, or routed through it) or outgoing."""

    serializer_class = ReferralSerializer
    pagination_class = LogPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the model
            return Referral.objects.none()
        user = self.request.user
        if not may_list_referrals(user):
            raise exceptions.PermissionDenied(_("只有研判督办专员和中心领导可以查看上下级流转。"))
        params = self.request.query_params
        fields = {}
        direction = params.get("direction", "incoming")
        if direction not in ("incoming", "outgoing"):
            fields["direction"] = [_("应为 incoming 或 outgoing。")]
        kind, status = params.get("kind", ""), params.get("status", "")
        if kind and kind not in ReferralKind.values:
            fields["kind"] = [_("无效的类别。")]
        if status and status not in ReferralStatus.values:
            fields["status"] = [_("无效的状态。")]
        if fields:
            raise exceptions.ValidationError(fields)
        return referrals_for(user, direction=direction, kind=kind, status=status)

    @extend_schema(
        operation_id="referrals_list",
        summary="本中心的上下级流转",
        description="incoming：报给本中心、下派给本中心或经由本中心移交的；outgoing：本中心发出的。"
        "限研判督办专员和中心领导。",
        tags=["referrals"],
        parameters=[
            OpenApiParameter("direction", OpenApiTypes.STR, enum=["incoming", "outgoing"], required=False),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=ReferralKind.values, required=False),
            OpenApiParameter("status", OpenApiTypes.STR, enum=ReferralStatus.values, required=False),
        ],
        responses={200: ReferralSerializer(many=True), **errors(400, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
