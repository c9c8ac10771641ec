"""Bodies of the lifecycle transitions' endpoints: every one takes the case's ``version``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from departments.models import ServicePackage

from ..models import Evaluation, Rating, RedirectTarget, ReferralReason, ResultKind, RiskColour
from .fields import (
    REASON_MAX,
    TEXT_MAX,
    BoundedDateTimeField,
    CenterField,
    DepartmentField,
    SlugRefField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
)


class TransitionSerializer(serializers.Serializer):
    """Every transition takes ``version``: the case's version the client acted on (optional)."""

    version = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="客户端看到的案件版本；与当前版本不符时返回 409。也可用 If-Match 头。",
    )


class ReasonSerializer(TransitionSerializer):
    reason = StrictCharField(max_length=REASON_MAX)


class OptionalReasonSerializer(TransitionSerializer):
    reason = StrictCharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class AssignSerializer(TransitionSerializer):
    risk_colour = serializers.ChoiceField(choices=RiskColour.choices)
    lead_department = DepartmentField()
    co_departments = serializers.ListField(
        child=DepartmentField(), required=False, default=list, max_length=20
    )
    package = SlugRefField(
        queryset=ServicePackage.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    instructions = StrictCharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")
    due_by = BoundedDateTimeField(
        required=False, allow_null=True, default=None, help_text="调整后的办结期限（默认按时限规则）。"
    )
    due_by_reason = StrictCharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class SubmitResultSerializer(TransitionSerializer):
    """The department's result, with a mediation agreement's fields as on the case page."""

    result = StrictCharField(max_length=TEXT_MAX)
    result_kind = serializers.ChoiceField(
        choices=ResultKind.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="结果类型；达成调解协议（agreement）时须填写 agreement_terms。",
    )
    agreement_terms = StrictCharField(
        max_length=TEXT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="调解协议条款，打印在调解协议书上（仅 agreement）。",
    )
    judicial_confirmation = StrictBooleanField(
        required=False, default=False, help_text="调解协议送人民法院申请司法确认（仅 agreement）。"
    )
    mediated_by = DepartmentField(
        required=False,
        allow_null=True,
        default=None,
        help_text="主持调解、在调解协议书上盖章的组织（id 或 slug；仅 agreement）：须是本案的牵头单位、"
        "协办单位或调解组织；不填则为本案的调解组织，否则为牵头单位。",
    )


class EvaluateSerializer(TransitionSerializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = StrictCharField(max_length=1000, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(
        choices=[(Evaluation.Channel.CALLBACK, _("电话回访")), (Evaluation.Channel.STAFF, _("工作人员代录"))],
        default=Evaluation.Channel.STAFF,
    )


class ReopenSerializer(ReasonSerializer):
    supervised = StrictBooleanField(required=False, default=False)


class RejectSerializer(ReasonSerializer):
    redirect_target = serializers.ChoiceField(
        choices=RedirectTarget.choices, required=False, allow_blank=True, default=""
    )


class EscalateSerializer(ReasonSerializer):
    reason_kind = serializers.ChoiceField(
        choices=ReferralReason.choices,
        required=False,
        default=ReferralReason.OTHER,
        help_text="上报理由类别。",
    )


class NoteSerializer(TransitionSerializer):
    note = StrictCharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class InstructionsSerializer(TransitionSerializer):
    instructions = StrictCharField(max_length=REASON_MAX, help_text="办理要求。")


class AssignDownSerializer(InstructionsSerializer):
    center = CenterField(help_text="直属下级中心（标识或行政区划代码）。")
    due_by = BoundedDateTimeField(help_text="办结期限，须晚于当前时间。")


class TransferSerializer(ReasonSerializer):
    to_center = CenterField(help_text="移交去的县级或乡镇（街道）中心（标识或行政区划代码），须在另一分支。")
