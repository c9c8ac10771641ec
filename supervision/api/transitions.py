"""The case transitions that go through supervision orders, over HTTP as on the pages.

``POST /api/v1/cases/{code}/transitions/supervise/`` issues a supervision order (督办单) that puts
the case under supervision, as a leader's instruction does on the pages; ``end_supervision``
verifies the case's answered orders (核查办结), the last of which ends the supervision, as the
order pages do; ``reopen`` reopens a closed case, under supervision while an order on it is open,
as the case's supervision panel does. Role, visibility, version and ``If-Match`` are handled by
the cases app's :class:`~cases.api.transitions.CaseTransitionApi`, as for every transition.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.api.serializers import (
    REASON_MAX,
    DepartmentField,
    OptionalReasonSerializer,
    ReasonSerializer,
    StrictCharField,
    TransitionSerializer,
)
from cases.api.transitions import CaseTransitionApi, transition_schema

from ..models import Level, Reason
from ..services import case_reopen_with_supervision, case_supervise_by_order, case_supervision_end

# The reasons a person gives an order for by hand; evaluations and callbacks issue their own.
MANUAL_REASONS = (Reason.LEADER_INSTRUCTION, Reason.DEADLINE_MISSED, Reason.PROBLEM_CASE)


class CaseSuperviseSerializer(TransitionSerializer):
    """The order, as the leader's page (领导批示督办) takes it; the answer deadline follows the rules."""

    reason = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in MANUAL_REASONS],
        default=Reason.LEADER_INSTRUCTION,
        help_text="督办原因。领导批示（默认）仅限中心领导，须填写批示；其他原因研判督办专员或领导均可。",
    )
    instruction = StrictCharField(
        max_length=REASON_MAX, required=False, allow_blank=True, default="", help_text="领导批示。"
    )
    required_action = StrictCharField(
        max_length=REASON_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="督办要求；不填则按督办原因使用标准要求。",
    )
    level = serializers.ChoiceField(
        choices=Level.choices,
        required=False,
        help_text="督办级别；默认领导批示为挂牌督办，其他为督办。",
    )
    department = DepartmentField(
        required=False, allow_null=True, default=None, help_text="被督办单位（id 或 slug），默认牵头单位。"
    )
    respond_by = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        input_formats=["iso-8601"],
        help_text="答复期限（YYYY-MM-DD，当日 24 时前）；缺省按时限规则，可选范围同“领导批示督办”。",
    )

    def validate(self, attrs):
        if not attrs.get("level"):
            attrs["level"] = Level.LEADER if attrs["reason"] == Reason.LEADER_INSTRUCTION else Level.ORDER
        return attrs


class CaseReopenSerializer(ReasonSerializer):
    def validate(self, attrs):
        if isinstance(self.initial_data, dict) and "supervised" in self.initial_data:
            raise serializers.ValidationError(
                {"supervised": [_("不再接受此字段：有未结督办单时自动进入督办中。")]}
            )
        return attrs


class SuperviseApi(CaseTransitionApi):
    name = "supervise"
    InputSerializer = CaseSuperviseSerializer

    @transition_schema(
        name,
        "督办",
        "已交办/办理中 → 督办中：下发一张督办单（与督办页面相同），答复期限按时限规则。"
        "领导批示仅限中心领导；其他原因研判督办专员或中心领导。其他状态返回 409。",
        CaseSuperviseSerializer,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        case_supervise_by_order(case=case, actor=self.request.user, **data)


class EndSupervisionApi(CaseTransitionApi):
    name = "end_supervision"
    InputSerializer = OptionalReasonSerializer

    @transition_schema(
        name,
        "督办办结",
        "督办中 → 办理中：核查办结该案件所有已答复的督办单（与督办单页面相同），"
        "reason 作为核查意见。仍有待答复的督办单时返回 409。可执行：研判督办专员、中心领导。",
        OptionalReasonSerializer,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        case_supervision_end(case=case, actor=self.request.user, note=data["reason"])


class ReopenApi(CaseTransitionApi):
    name = "reopen"
    InputSerializer = CaseReopenSerializer

    @transition_schema(
        name,
        "重新办理",
        "已结案/已评价 → 办理中；有未结督办单时进入督办中（由督办单决定，不由客户端指定）。"
        "可执行：研判督办专员。",
        CaseReopenSerializer,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        case_reopen_with_supervision(case=case, actor=self.request.user, reason=data["reason"])


SUPERVISION_TRANSITION_VIEWS = {view.name: view for view in (SuperviseApi, EndSupervisionApi, ReopenApi)}
