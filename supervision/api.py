"""The supervision REST API (``/api/v1/``): supervision orders, callbacks and the report figures.

Thin, as the cases API: each view checks the caller's role (403) and finds the object among
those the caller may see (404) before it reads a body, then calls one service or selector.
Visibility is :func:`supervision.selectors.orders_visible_to`, as on the staff pages: a liaison
sees only the orders on their own department.
"""

import datetime as dt
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api.serializers import (
    ActorSerializer,
    DepartmentRefSerializer,
    StrictBooleanField,
    StrictCharField,
)
from cases.codes import InvalidCaseCode, display_code, normalize_code
from cases.models import Rating, State
from common.api import ApiError, StrictFilterSetMixin, StrictPageNumberPagination, errors
from common.fields import mask_name
from departments.models import Department, Role
from departments.permissions import department_of, has_role, role_of

from . import selectors
from .models import Callback, Level, OrderStatus, Reason, SupervisionOrder, SupervisionOrderEvent
from .reports import selectors as report_selectors
from .reports.periods import parse_period
from .services import (
    callback_record,
    supervision_order_reject,
    supervision_order_respond,
    supervision_order_verify,
)

ORDER_ROLES = (Role.COORDINATOR, Role.LEADER, Role.ADMIN, Role.LIAISON)
VERIFY_ROLES = (Role.COORDINATOR, Role.LEADER)
CALLBACK_ROLES = (Role.COORDINATOR, Role.LEADER)
REPORT_ROLES = (Role.LEADER, Role.COORDINATOR, Role.ADMIN)
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
    department = DepartmentRefSerializer()
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
        full_phone = self.context.get("full_phone", False)
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
                "name": mask_name(callback.party.name),
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
RATE_KEYS = (
    "acceptance_rate",
    "closure_rate",
    "rework_rate",
    "in_hand_on_time_rate",
    "evaluation_satisfaction_rate",
    "evaluation_basic_satisfaction_rate",
    "callback_satisfaction_rate",
    "callback_basic_satisfaction_rate",
    "satisfaction_rate",
)

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


# --- Filters --------------------------------------------------------------------------------------


class CaseCodeField(forms.CharField):
    """A case code in any grouping or case, normalised; a mistyped one is a field error."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return normalize_code(value)
        except InvalidCaseCode as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from None


class CaseCodeFilter(django_filters.CharFilter):
    field_class = CaseCodeField


def _department_lookup(value: str) -> dict | None:
    value = value.strip()
    if value.isdigit():
        return {"department_id": int(value)} if int(value) <= MAX_ID else None
    return {"department__slug": value}


class OrderFilter(StrictFilterSetMixin, django_filters.FilterSet):
    case = CaseCodeFilter(field_name="case__code", max_length=40, help_text="案件编号（任意分组）。")
    department = django_filters.CharFilter(
        method="filter_department", max_length=40, help_text="被督办单位的 id 或标识（slug）。"
    )
    status = django_filters.ChoiceFilter(
        choices=[*OrderStatus.choices, ("open", gettext_lazy("未结（待答复或待核查）"))],
        method="filter_status",
    )
    level = django_filters.ChoiceFilter(choices=Level.choices)

    class Meta:
        model = SupervisionOrder
        fields = []

    def filter_department(self, queryset, name, value):
        lookup = _department_lookup(value)
        return queryset.filter(**lookup) if lookup else queryset.none()

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.open()
        return queryset.filter(status=value)


class MonthField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if not re.fullmatch(r"\d{4}-\d{1,2}", value.strip()):
            raise forms.ValidationError(_("月份格式应为 YYYY-MM，如 2026-10。"), code="month")
        try:
            year, month = (int(part) for part in value.strip().split("-"))
            month_start = dt.date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM，如 2026-10。"), code="month") from None
        if not EARLIEST <= month_start <= LATEST:
            raise forms.ValidationError(_("日期应在 2000 年至 2099 年之间。"), code="invalid")
        return month_start


class MonthFilter(django_filters.Filter):
    field_class = MonthField


class CallbackFilter(StrictFilterSetMixin, django_filters.FilterSet):
    month = MonthFilter(field_name="round__month", help_text="回访批次的月份，YYYY-MM。")
    status = django_filters.ChoiceFilter(choices=Callback.Status.choices)

    class Meta:
        model = Callback
        fields = []


# --- Helpers --------------------------------------------------------------------------------------


class SupervisionPagination(StrictPageNumberPagination):
    page_size = 50


def _require(user, roles, message) -> None:
    if not has_role(user, *roles):
        raise exceptions.PermissionDenied(message)


def find_order(number: str, user) -> SupervisionOrder:
    """Return the order ``number`` if ``user`` may see it; 404 otherwise (also for a malformed number)."""
    number = number.strip().upper()
    if NUMBER_PATTERN.fullmatch(number):
        try:
            return selectors.order_detail(number=number, user=user)
        except SupervisionOrder.DoesNotExist:
            pass
    raise exceptions.NotFound(_("督办单不存在或您无权查看。"))


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Orders ---------------------------------------------------------------------------------------


@extend_schema(tags=["supervision"])
class OrderListApi(generics.GenericAPIView):
    """The orders the caller may see: all for the center's staff, their department's for a liaison."""

    pagination_class = SupervisionPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrderFilter
    serializer_class = SupervisionOrderSerializer

    def get_queryset(self):
        return selectors.order_list() & selectors.orders_visible_to(self.request.user)

    @extend_schema(
        operation_id="supervision_orders_list",
        summary="督办单列表",
        description="未结的在前，答复期限近的在前。联络员只看到本单位的督办单。",
        responses={200: SupervisionOrderSerializer(many=True), **errors(400, 403, 404)},
    )
    def get(self, request):
        _require(request.user, ORDER_ROLES, _("只有中心工作人员和单位联络员可以查看督办单。"))
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {"now": timezone.now()}
        return self.get_paginated_response(SupervisionOrderSerializer(page, many=True, context=context).data)


class OrderApiView(APIView):
    def get_order(self, number: str) -> SupervisionOrder:
        _require(self.request.user, ORDER_ROLES, _("只有中心工作人员和单位联络员可以查看督办单。"))
        return find_order(number, self.request.user)

    def order_response(self, number: str) -> Response:
        order = find_order(number, self.request.user)
        return Response(SupervisionOrderDetailSerializer(order).data)


@extend_schema(tags=["supervision"], parameters=[NUMBER_PARAMETER])
class OrderDetailApi(OrderApiView):
    @extend_schema(
        operation_id="supervision_orders_retrieve",
        summary="督办单详情",
        responses={200: SupervisionOrderDetailSerializer, **errors(403, 404)},
    )
    def get(self, request, number: str):
        return Response(SupervisionOrderDetailSerializer(self.get_order(number)).data)


@extend_schema(tags=["supervision"], parameters=[NUMBER_PARAMETER])
class OrderRespondApi(OrderApiView):
    @extend_schema(
        operation_id="supervision_orders_respond",
        summary="答复督办单",
        description="被督办单位的联络员答复待答复的督办单。",
        request=OrderRespondSerializer,
        responses={200: SupervisionOrderDetailSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, number: str):
        order = self.get_order(number)
        if role_of(request.user) != Role.LIAISON or department_of(request.user) != order.department:
            raise exceptions.PermissionDenied(_("只有被督办单位的联络员可以答复督办单。"))
        data = _validated(OrderRespondSerializer, request)
        supervision_order_respond(order=order, actor=request.user, response=data["response"])
        return self.order_response(order.number)


@extend_schema(tags=["supervision"], parameters=[NUMBER_PARAMETER])
class OrderVerifyApi(OrderApiView):
    @extend_schema(
        operation_id="supervision_orders_verify",
        summary="核查办结",
        description="研判督办专员或领导核查待核查的答复；最后一张未结督办单办结后案件恢复办理。",
        request=OrderVerifySerializer,
        responses={200: SupervisionOrderDetailSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, number: str):
        order = self.get_order(number)
        _require(request.user, VERIFY_ROLES, _("只有研判督办专员或领导可以核查督办单。"))
        data = _validated(OrderVerifySerializer, request)
        supervision_order_verify(order=order, actor=request.user, note=data["note"])
        return self.order_response(order.number)


@extend_schema(tags=["supervision"], parameters=[NUMBER_PARAMETER])
class OrderRejectApi(OrderApiView):
    @extend_schema(
        operation_id="supervision_orders_reject",
        summary="退回重办",
        description="研判督办专员或领导退回待核查的答复，单位须在新的期限内重新答复。",
        request=OrderRejectSerializer,
        responses={200: SupervisionOrderDetailSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, number: str):
        order = self.get_order(number)
        _require(request.user, VERIFY_ROLES, _("只有研判督办专员或领导可以退回督办单。"))
        data = _validated(OrderRejectSerializer, request)
        supervision_order_reject(order=order, actor=request.user, reason=data["reason"])
        return self.order_response(order.number)


# --- Callbacks ------------------------------------------------------------------------------------


def _callbacks():
    return Callback.objects.select_related(
        "round", "case__lead_department", "party", "assigned_to__staff_profile", "order"
    )


@extend_schema(tags=["supervision"])
class CallbackListApi(generics.GenericAPIView):
    pagination_class = SupervisionPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = CallbackFilter
    serializer_class = CallbackSerializer

    def get_queryset(self):
        return _callbacks().order_by("-round__month", "position", "id")

    @extend_schema(
        operation_id="callbacks_list",
        summary="结案回访",
        description="研判督办专员和领导可查看；当事人电话仅对研判督办专员完整显示。",
        responses={200: CallbackSerializer(many=True), **errors(400, 403, 404)},
    )
    def get(self, request):
        _require(request.user, CALLBACK_ROLES, _("只有研判督办专员和领导可以查看回访。"))
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {"full_phone": has_role(request.user, Role.COORDINATOR)}
        return self.get_paginated_response(CallbackSerializer(page, many=True, context=context).data)


@extend_schema(tags=["supervision"], parameters=[CALLBACK_PARAMETER])
class CallbackResultApi(APIView):
    @extend_schema(
        operation_id="callbacks_result",
        summary="记录回访结果",
        description=(
            "研判督办专员记录一次回访：未接通（满 3 次即无法联系）或当事人的满意度。"
            "基本满意及以下向牵头单位下发督办单。"
        ),
        request=CallbackResultSerializer,
        responses={200: CallbackSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, id: int):
        _require(request.user, (Role.COORDINATOR,), _("只有研判督办专员可以记录回访结果。"))
        callback = _callbacks().filter(pk=id).first() if id <= MAX_ID else None
        if callback is None:
            raise exceptions.NotFound(_("回访不存在。"))
        data = _validated(CallbackResultSerializer, request)
        callback_record(
            callback=callback,
            actor=request.user,
            reached=data["reached"],
            rating=data.get("rating", ""),
            comment=data["comment"],
            note=data["note"],
        )
        callback = _callbacks().get(pk=callback.pk)
        return Response(CallbackSerializer(callback, context={"full_phone": True}).data)


# --- Reports --------------------------------------------------------------------------------------


def _period(request):
    """The requested period (the report pages' parsing), within 2000–2099; 400 otherwise."""
    params = {}
    for name in ("from", "to"):
        if name not in request.query_params:
            continue
        value = request.query_params[name]
        if not DATE_PATTERN.fullmatch(value):
            message = _("日期格式应为 YYYY-MM-DD。")
            raise ApiError(message, code="invalid", status_code=400, fields={name: [message]})
        params[name] = value
    try:
        period = parse_period(params, today=timezone.localdate())
    except DjangoValidationError as exc:
        raise ApiError(
            _("统计期有误。"),
            code="invalid",
            status_code=400,
            fields=exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages},
        ) from None
    if not (period.first >= EARLIEST and period.last <= LATEST):
        raise ApiError(
            _("日期应在 2000 年至 2099 年之间。"),
            code="invalid",
            status_code=400,
            fields={"from": [_("日期应在 2000 年至 2099 年之间。")]},
        )
    return period


@extend_schema(tags=["reports"], parameters=PERIOD_PARAMETERS)
class ReportSummaryApi(APIView):
    @extend_schema(
        operation_id="reports_summary",
        summary="中心统计数据",
        description="领导驾驶舱的全中心数据：计数为整数，比率为 0–1 的小数，无分母时为 null。",
        responses={200: FiguresSerializer, **errors(400, 403)},
    )
    def get(self, request):
        _require(request.user, REPORT_ROLES, _("只有领导和研判督办专员可以查看统计数据。"))
        period = _period(request)
        figures = report_selectors.summary_figures(period.start, period.end, timezone.now())
        return Response(figures_json(figures))


@extend_schema(tags=["reports"], parameters=[SLUG_PARAMETER, *PERIOD_PARAMETERS])
class ReportDepartmentApi(APIView):
    @extend_schema(
        operation_id="reports_department",
        summary="单位统计数据",
        description="一个单位的数据（与中心数据同样的字段）：领导、研判督办专员和该单位的联络员可查看。",
        responses={200: FiguresSerializer, **errors(400, 403, 404)},
    )
    def get(self, request, slug: str):
        _require(request.user, (*REPORT_ROLES, Role.LIAISON), _("您无权查看单位统计数据。"))
        valid = len(slug) <= 40 and "\x00" not in slug
        department = Department.objects.filter(slug=slug).first() if valid else None
        if department is None:
            raise exceptions.NotFound(_("单位不存在。"))
        if role_of(request.user) == Role.LIAISON and department_of(request.user) != department:
            raise exceptions.PermissionDenied(_("联络员只能查看本单位的统计数据。"))
        period = _period(request)
        figures = report_selectors.department_figures(department, period.start, period.end, timezone.now())
        return Response(figures_json(figures))


urlpatterns = [
    path("supervision-orders/", OrderListApi.as_view(), name="supervision-order-list"),
    path("supervision-orders/<str:number>/", OrderDetailApi.as_view(), name="supervision-order-detail"),
    path(
        "supervision-orders/<str:number>/respond/",
        OrderRespondApi.as_view(),
        name="supervision-order-respond",
    ),
    path(
        "supervision-orders/<str:number>/verify/", OrderVerifyApi.as_view(), name="supervision-order-verify"
    ),
    path(
        "supervision-orders/<str:number>/reject/", OrderRejectApi.as_view(), name="supervision-order-reject"
    ),
    path("callbacks/", CallbackListApi.as_view(), name="callback-list"),
    path("callbacks/<int:id>/result/", CallbackResultApi.as_view(), name="callback-result"),
    path("reports/summary/", ReportSummaryApi.as_view(), name="report-summary"),
    path("reports/departments/<str:slug>/", ReportDepartmentApi.as_view(), name="report-department"),
]
