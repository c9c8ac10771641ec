"""Showing one party's full phone or ID number over the API: a POST with a reason, logged, as on the page."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from common.api import errors
from common.parsers import JSONParser

from ..models import Party
from ..services import REVEALABLE_FIELDS, party_personal_reveal
from ..services.personal import REASON_MAX
from .base import CODE_PARAMETER, CaseApiView, case_detail_queryset
from .fields import StrictCharField


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=list(REVEALABLE_FIELDS), help_text="phone 或 id_number。")
    reason = StrictCharField(max_length=REASON_MAX, help_text="查看事由（必填），记入审计日志。")


RevealedSerializer = inline_serializer(
    "RevealedPersonalData",
    {
        "party": serializers.IntegerField(),
        "field": serializers.ChoiceField(choices=list(REVEALABLE_FIELDS)),
        "value": serializers.CharField(help_text="完整号码；未登记时为空字符串。"),
    },
)


@extend_schema(tags=["cases"], parameters=[CODE_PARAMETER])
class PartyRevealApi(CaseApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="cases_parties_reveal",
        summary="查看当事人完整号码",
        description=(
            "案件详情中的电话、身份证号一律脱敏；研判督办专员、系统管理员和牵头单位联络员可在此"
            "说明事由后查看一个完整号码，每次查看记入审计日志。其他角色返回 403。"
        ),
        parameters=[
            OpenApiParameter("party_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="当事人 id")
        ],
        request=RevealSerializer,
        responses={200: RevealedSerializer, **errors(400, 403, 404)},
    )
    def post(self, request, code: str, party_id: int):
        case = self.get_case(code, case_detail_queryset(request.user))
        party = Party.objects.filter(case=case, pk=party_id).first() if party_id < 2**63 else None
        if party is None:
            raise exceptions.NotFound(_("当事人不存在。"))
        serializer = RevealSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        field = serializer.validated_data["field"]
        value = party_personal_reveal(
            case=case,
            party=party,
            actor=request.user,
            field=field,
            reason=serializer.validated_data["reason"],
            request=request,
        )
        return Response(
            {"party": party.pk, "field": field, "value": value},
            headers={"Cache-Control": "private, no-store"},
        )
