"""The parties' public API: no account, throttled, never a party's personal data.

The code alone shows the stage and dates (never-seen codes counted per address). The receipt's
QR key or the last four digits of a party's phone add the handling (department, deadline, public
records, supervision) and, once the case is closed, the applicant side's evaluation. The second
factor is checked by :mod:`cases.tracking`, the same check as the tracking pages make: five
guesses at a code's digits are checked per 15 minutes, then 429; a valid key is never refused.
"""

import unicodedata

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from common.api import ApiError, errors
from common.parsers import JSONParser

from .. import ratelimit
from ..codes import InvalidCaseCode, display_code, normalize_code
from ..models import Case, Evaluation, Rating, State
from ..selectors import PUBLIC_HOPS, public_case_detail, public_progress
from ..tracking import Proof, verify_second_factor
from .serializers import StrictCharField
from .views import CODE_PARAMETER

# --- Throttles ------------------------------------------------------------------------------------


class PublicThrottle(SimpleRateThrottle):
    """Requests per client address, counted like the tracking pages count it (trusted proxies only)."""

    scope = "public"

    def get_rate(self):
        # Read at request time, so a deployment (or a test) can change it in settings.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": ratelimit.client_address(request)}


class PublicVerifyThrottle(PublicThrottle):
    scope = "public_verify"


class TooManyFailures(ApiError):
    def __init__(self):
        super().__init__(
            _("验证失败次数过多，请 %(minutes)s 分钟后再试。")
            % {"minutes": max(1, -(-ratelimit.window_seconds() // 60))},
            code="too_many_failures",
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        )
        self.wait = ratelimit.window_seconds()  # the exception handler turns it into Retry-After


class TooManyCodes(ApiError):
    def __init__(self):
        window = ratelimit.codes_viewed_window_seconds()
        super().__init__(
            _("查询的案件编号过多，请 %(minutes)s 分钟后再试。如您持有回执，请扫描回执上的二维码查询。")
            % {"minutes": max(1, -(-window // 60))},
            code="too_many_codes",
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        )
        self.wait = window


# --- Serializers --------------------------------------------------------------------------------


class StageSerializer(serializers.Serializer):
    key = serializers.ChoiceField(
        choices=["received", "assessing", "assigned", "handling", "supervised", "closed", "evaluated"]
    )
    label = serializers.CharField()
    reached_at = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField()
    done = serializers.BooleanField()


class HopSerializer(serializers.Serializer):
    """A step of the case between centers: 上报, 接收上报, 退回下级, 下派, 申请移交, 移交, 不予移交."""

    kind = serializers.ChoiceField(choices=list(PUBLIC_HOPS))
    label = serializers.CharField()
    at = serializers.DateTimeField()
    from_center = serializers.CharField()
    to_center = serializers.CharField()


class PublicCaseSerializer(serializers.Serializer):
    code = serializers.CharField()
    code_display = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    state_label = serializers.CharField()
    created_at = serializers.DateTimeField()
    center = serializers.CharField(help_text="现在承办本案的综治中心。")
    timeline = StageSerializer(many=True)
    hops = HopSerializer(many=True, help_text="上报、下派、移交的经过（中心与时间）。")


class PublicRecordSerializer(serializers.Serializer):
    text = serializers.CharField()
    department = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class PublicEvaluationSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    rating_label = serializers.CharField()
    created_at = serializers.DateTimeField()


class VerifiedCaseSerializer(PublicCaseSerializer):
    lead_department = serializers.CharField(allow_blank=True)
    awaiting_assignment = serializers.BooleanField()
    due_by = serializers.DateTimeField(allow_null=True)
    is_supervised = serializers.BooleanField()
    records = PublicRecordSerializer(many=True)
    result = serializers.CharField(allow_blank=True)
    can_evaluate = serializers.BooleanField()
    evaluation = PublicEvaluationSerializer(allow_null=True)


class SecondFactorSerializer(serializers.Serializer):
    phone_last4 = StrictCharField(
        required=False, max_length=8, help_text="受理时登记的任一当事人手机号后四位。"
    )
    key = StrictCharField(required=False, max_length=64, help_text="回执二维码链接中的查询密钥（k）。")

    def validate_phone_last4(self, value: str) -> str:
        # Full-width digits from a Chinese input method count as the digits they show.
        value = unicodedata.normalize("NFKC", value).strip()
        if not (len(value) == 4 and value.isascii() and value.isdigit()):
            raise serializers.ValidationError(_("请输入 4 位数字。"))
        return value

    def validate(self, attrs):
        if bool(attrs.get("phone_last4")) == bool(attrs.get("key")):
            raise serializers.ValidationError(
                _("请提供手机号后四位（phone_last4）或查询密钥（key）其中之一。")
            )
        return attrs


class EvaluationInputSerializer(SecondFactorSerializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = StrictCharField(required=False, allow_blank=True, max_length=1000, default="")


# --- Helpers ------------------------------------------------------------------------------------


def _canonical(code: str) -> str:
    try:
        return normalize_code(code)
    except InvalidCaseCode as exc:
        raise ApiError(
            exc.message, code=exc.code, status_code=400, fields={"code": [str(exc.message)]}
        ) from None


def _case(code: str, queryset) -> Case:
    case = queryset.filter(code=code).first()
    if case is None:
        raise ApiError(_("未找到该案件编号，请核对后重新输入。"), code="not_found", status_code=404)
    return case


def _public(case: Case) -> dict:
    timeline, hops = public_progress(case)
    return {
        "code": case.code,
        "code_display": display_code(case.code),
        "state": case.state,
        "state_label": case.get_state_display(),
        "created_at": case.created_at,
        "center": case.center.name,
        "timeline": timeline,
        "hops": hops,
    }


def _verified(case: Case, proof: Proof) -> dict:
    detail = public_case_detail(case, party_id=proof.party_id, applicant=proof.applicant)
    evaluation = detail["evaluation"]
    return {
        **_public(case),
        "lead_department": detail["lead_department"],
        "awaiting_assignment": detail["awaiting_assignment"],
        "due_by": detail["due_by"],
        "is_supervised": detail["is_supervised"],
        "records": detail["records"],
        "result": detail["result"],
        "can_evaluate": detail["can_evaluate"],
        "evaluation": (
            {
                "rating": evaluation.rating,
                "rating_label": evaluation.get_rating_display(),
                "created_at": evaluation.created_at,
            }
            if evaluation is not None
            else None
        ),
    }


class PublicApiView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]
    parser_classes = [JSONParser]

    def verified_case(self, request, code: str, serializer_class) -> tuple[Case, dict, Proof]:
        """Check the second factor in the body; return the case, the validated body and who proved it.

        The one check of :func:`cases.tracking.verify_second_factor`, as on the tracking pages:
        once a code's phone-digit attempts are used up, digits are refused (429) unchecked, a
        correct answer included. A valid receipt key is always accepted.
        """
        case = _case(_canonical(code), Case.objects.select_related("lead_department", "center"))
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = verify_second_factor(
            case,
            key=data.get("key") or None,
            phone_digits=data.get("phone_last4") or None,
            client_ip=ratelimit.client_address(request),
        )
        if result.blocked:
            raise TooManyFailures()
        if not result.ok:
            raise ApiError(
                _("验证未通过：与受理时登记的信息不符。"), code="verification_failed", status_code=403
            )
        return case, data, result


@extend_schema(tags=["public"], parameters=[CODE_PARAMETER], auth=[])
class PublicCaseApi(PublicApiView):
    @extend_schema(
        operation_id="public_cases_retrieve",
        summary="公开查询：阶段与日期",
        description="无需登录。只返回阶段和日期，不含任何当事人信息、单位或期限。",
        responses={200: PublicCaseSerializer, **errors(400, 404, 429)},
    )
    def get(self, request, code: str):
        canonical = _canonical(code)
        if not ratelimit.reserve_code_view(address=ratelimit.client_address(request), code=canonical):
            raise TooManyCodes()
        case = _case(
            canonical,
            Case.objects.select_related("center").only("id", "code", "state", "created_at", "center__name"),
        )
        return Response(PublicCaseSerializer(_public(case)).data)


@extend_schema(tags=["public"], parameters=[CODE_PARAMETER], auth=[])
class PublicVerifyApi(PublicApiView):
    throttle_classes = [PublicThrottle, PublicVerifyThrottle]

    @extend_schema(
        operation_id="public_cases_verify",
        summary="公开查询：验证后查看办理情况",
        description=(
            "提供手机号后四位或二维码密钥之一。返回牵头单位、期限、公开的办理记录、督办状态和结果；"
            "不含当事人信息。同一案件的手机号后四位 15 分钟内只核对 5 次、每天 20 次，之后返回 429；"
            "有效的二维码密钥从不被拒绝，与查询页面相同。"
        ),
        request=SecondFactorSerializer,
        responses={200: VerifiedCaseSerializer, **errors(400, 403, 404, 429)},
    )
    def post(self, request, code: str):
        case, _data, proof = self.verified_case(request, code, SecondFactorSerializer)
        return Response(VerifiedCaseSerializer(_verified(case, proof)).data)


@extend_schema(tags=["public"], parameters=[CODE_PARAMETER], auth=[])
class PublicEvaluationApi(PublicApiView):
    """The party's closing evaluation; the supervision app's recorder is handed in by the URLs."""

    throttle_classes = [PublicThrottle, PublicVerifyThrottle]
    record_evaluation = None

    @extend_schema(
        operation_id="public_cases_evaluation",
        summary="公开评价",
        description=(
            "已结案的案件，申请人一方验证后评价（满意、基本满意、不满意），每位申请人一次。"
            "被申请人等其他当事人可查看进度，但评价返回 403（applicant_only）；已评价过返回 409。"
        ),
        request=EvaluationInputSerializer,
        responses={201: VerifiedCaseSerializer, **errors(400, 403, 404, 409, 429)},
    )
    def post(self, request, code: str):
        if self.record_evaluation is None:
            raise ImproperlyConfigured("PublicEvaluationApi needs record_evaluation")
        case, data, proof = self.verified_case(request, code, EvaluationInputSerializer)
        # The service decides (applicant side only, each applicant once): 403 applicant_only,
        # 409 already_evaluated, as the page says.
        self.record_evaluation(
            case=case,
            actor=None,
            rating=data["rating"],
            comment=data["comment"],
            channel=Evaluation.Channel.TRACKING,
            party_id=proof.party_id,
            applicant_side=proof.applicant,
        )
        case = Case.objects.select_related("lead_department", "center").get(pk=case.pk)
        return Response(VerifiedCaseSerializer(_verified(case, proof)).data, status=status.HTTP_201_CREATED)
