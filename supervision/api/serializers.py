"""Serializers of the supervision API: orders, callbacks and report figures."""

import datetime as dt
import re

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from cases.api.serializers import (
    ActorSerializer,
    DepartmentField,
    DepartmentRefSerializer,
    StrictBooleanField,
    StrictCharField,
)
from cases.codes import display_code
from cases.models import Rating, State

from ..models import Callback, Level, OrderStatus, Reason, SupervisionOrder, SupervisionOrderEvent
from ..permissions import sees_callback_phone
from ..reports.present import FIGURE_RATE_KEYS

TEXT_MAX = 5000
NUMBER_PATTERN = re.compile(r"^DB\d{10}$")
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
# Dates beyond these are typing errors, and far-off years overflow time-zone arithmetic.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
MAX_ID = 2**63 - 1

NUMBER_PARAMETER = OpenApiParameter(
    "number",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="督办单号，如 DB2026000123。",
)
CALLBACK_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="回访 id")
SLUG_PARAMETER = OpenApiParameter(
    "slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="单位标识（slug）"
)
PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        OpenApiParameter.QUERY,
        description="统计期第一天（含），YYYY-MM-DD；缺省为结束日所在月的 1 日。",
    ),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        OpenApiParameter.QUERY,
        description="统计期最后一天（含），YYYY-MM-DD；缺省为今天。两者都缺省时为本月。",
    ),
]


def _department_ref(department) -> dict | None:
    if department is None:
        return None
    return {
        "id": department.pk,
        "slug": department.slug,
        "name": department.name,
        "short_name": department.short_name,
    }


# --- Serializers ----------------------------------------------------------------------------------


class CaseRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    code_display = serializers.CharField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)


class OrderEventSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=SupervisionOrderEvent.Action.choices)
    from_status = serializers.ChoiceField(choices=OrderStatus.choices, allow_blank=True)
    to_status = serializers.ChoiceField(choices=OrderStatus.choices)
    actor = ActorSerializer(allow_null=True, help_text="为空表示系统。")
    note = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class SupervisionOrderSerializer(serializers.Serializer):
    """A supervision order as the list shows it."""

    number = serializers.CharField()
    number_display = serializers.CharField()
    case = CaseRefSerializer()
    department = DepartmentRefSerializer(
        allow_null=True,
        help_text="被督办单位；为空表示督办综治中心自身（研判交办逾期），由研判督办专员答复。",
    )
    reason = serializers.ChoiceField(choices=Reason.choices)
    reason_label = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    level_label = serializers.CharField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    status_label = serializers.CharField()
    required_action = serializers.CharField()
    instruction = serializers.CharField(allow_blank=True)
    issued_at = serializers.DateTimeField()
    respond_by = serializers.DateTimeField()
    is_overdue = serializers.BooleanField()
    response = serializers.CharField(allow_blank=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    rejection_count = serializers.IntegerField()
    raised_to = serializers.CharField(allow_null=True, help_text="升级后的督办单号。")

    def to_representation(self, order: SupervisionOrder) -> dict:
        now = self.context.setdefault("now", timezone.now()) if isinstance(self.context, dict) else None
        case = order.case
        field = serializers.DateTimeField()
        return {
            "number": order.number,
            "number_display": order.number_display,
            "case": {
                "code": case.code,
                "code_display": display_code(case.code),
                "title": case.title,
                "state": case.state,
            },
            "department": _department_ref(order.department),
            "reason": order.reason,
            "reason_label": str(Reason(order.reason).label),
            "level": order.level,
            "level_label": str(Level(order.level).label),
            "status": order.status,
            "status_label": str(OrderStatus(order.status).label),
            "required_action": order.required_action,
            "instruction": order.instruction,
            "issued_at": field.to_representation(order.issued_at),
            "respond_by": field.to_representation(order.respond_by),
            "is_overdue": order.is_overdue(now or timezone.now()),
            "response": order.response,
            "responded_at": field.to_representation(order.responded_at) if order.responded_at else None,
            "verified_at": field.to_representation(order.verified_at) if order.verified_at else None,
            "rejection_count": order.rejection_count,
            "raised_to": order.raised_to.number if order.raised_to_id else None,
        }


class SupervisionOrderDetailSerializer(SupervisionOrderSerializer):
    """One order with its history."""

    events = OrderEventSerializer(many=True)

    def to_representation(self, order: SupervisionOrder) -> dict:
        return {
            **super().to_representation(order),
            "events": OrderEventSerializer(list(order.events.all()), many=True).data,
        }


class OrderRespondSerializer(serializers.Serializer):
    response = StrictCharField(max_length=TEXT_MAX, help_text="答复内容：办理情况、整改措施。")


class OrderVerifySerializer(serializers.Serializer):
    note = StrictCharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class OrderRejectSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=TEXT_MAX, help_text="退回理由。")


class OrderIssueSerializer(serializers.Serializer):
    """A leader's order with an instruction (领导批示督办), the fields of the page's form."""

    case = StrictCharField(max_length=40, help_text="案件编号，任意分组与大小写。")
    level = serializers.ChoiceField(choices=Level.choices, default=Level.LEADER, help_text="督办级别。")
    department = DepartmentField(
        required=False, allow_null=True, default=None, help_text="被督办单位的 id 或标识；缺省为牵头单位。"
    )
    instruction = StrictCharField(max_length=2000, help_text="领导批示。")
    required_action = StrictCharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="督办要求；缺省按批示办理。"
    )
    respond_by = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        input_formats=["iso-8601"],
        help_text=(
            "答复期限（YYYY-MM-DD），单位须于当日 24 时前答复；缺省按时限规则。"
            "须在下一个工作日至 20 个工作日之间（且不超过法定时限），否则 400。"
        ),
    )


class PartyRefSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="姓名（脱敏）。")
    phone = serializers.CharField(help_text="研判督办专员看到完整号码，其他角色脱敏。")


class CallbackSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    month = serializers.CharField(help_text="回访批次的月份，YYYY-MM。")
    position = serializers.IntegerField()
    case = CaseRefSerializer()
    lead_department = DepartmentRefSerializer(allow_null=True)
    party = PartyRefSerializer()
    assigned_to = ActorSerializer(allow_null=True)
    status = serializers.ChoiceField(choices=Callback.Status.choices)
    status_label = serializers.CharField()
    attempts = serializers.IntegerField()
    rating = serializers.ChoiceField(choices=Rating.choices, allow_blank=True)
    comment = serializers.CharField(allow_blank=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    order = serializers.CharField(allow_null=True, help_text="因不满意下发的督办单号。")

    def to_representation(self, callback: Callback) -> dict:
        case = callback.case
        # Lists mask every number; one callback shows it to whom the one rule allows.
        user = self.context.get("user")
        full_phone = (
            not self.context.get("bulk", False) and user is not None and sees_callback_phone(user, callback)
        )
        phone = callback.party.phone
        return {
            "id": callback.pk,
            "month": f"{callback.round.month:%Y-%m}",
            "position": callback.position,
            "case": {
                "code": case.code,
                "code_display": display_code(case.code),
                "title": case.title,
                "state": case.state,
            },
            "lead_department": _department_ref(case.lead_department),
            "party": {
                "name": callback.party.name_masked,
                "phone": str(phone) if full_phone else phone.masked,
            },
            "assigned_to": ActorSerializer(callback.assigned_to).data if callback.assigned_to_id else None,
            "status": callback.status,
            "status_label": str(Callback.Status(callback.status).label),
            "attempts": callback.attempts,
            "rating": callback.rating,
            "comment": callback.comment,
            "completed_at": serializers.DateTimeField().to_representation(callback.completed_at)
            if callback.completed_at
            else None,
            "order": callback.order.number if callback.order_id else None,
        }


class CallbackResultSerializer(serializers.Serializer):
    reached = StrictBooleanField(help_text="是否接通；未接通满 3 次即结束（无法联系）。")
    rating = serializers.ChoiceField(
        choices=Rating.choices, required=False, help_text="接通时必填：当事人的满意度。"
    )
    comment = StrictCharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    note = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


COUNT_KEYS = (
    "received",
    "closed",
    "closure_due",
    "closed_on_time",
    "accepted",
    "accepted_on_time",
    "unaccepted_late",
    "acceptance_due",
    "open",
    "in_hand",
    "overdue",
    "red_open",
    "problem_open",
    "reworked",
    "evaluations",
    "evaluations_satisfied",
    "evaluations_basically_satisfied",
    "evaluations_dissatisfied",
    "callbacks",
    "callbacks_satisfied",
    "callbacks_basically_satisfied",
    "callbacks_dissatisfied",
    "ratings",
    "orders_open",
    "orders_open_order",
    "orders_open_leader",
    "orders_overdue",
    "orders_issued",
    "orders_issued_leader",
    "orders_verified",
)
RATE_KEYS = FIGURE_RATE_KEYS  # the one list, shared with the report pages

FiguresSerializer = type(
    "ReportFiguresSerializer",
    (serializers.Serializer,),
    {
        **{key: serializers.IntegerField(min_value=0) for key in COUNT_KEYS},
        **{
            key: serializers.FloatField(
                allow_null=True, min_value=0, max_value=1, help_text="比率（0–1 的小数），无分母时为 null。"
            )
            for key in RATE_KEYS
        },
    },
)


def figures_json(figures: dict) -> dict:
    """The report's figures as plain JSON numbers: counts as integers, rates as floats or null."""
    data = {key: int(figures[key] or 0) for key in COUNT_KEYS}
    data |= {key: None if figures[key] is None else float(figures[key]) for key in RATE_KEYS}
    return data
