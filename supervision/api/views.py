"""Views of the supervision API: thin, each calls one service or selector."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.codes import InvalidCaseCode
from cases.models import Case
from cases.selectors import case_by_code, cases_visible_to
from common.api import ApiError, StrictPageNumberPagination, errors
from departments.models import Department, Role
from departments.permissions import department_of, has_role, role_of

from .. import selectors
from ..models import Callback, Reason, SupervisionOrder
from ..permissions import (
    CALLBACK_CALLER_ROLES,
    CALLBACK_ROLES,
    DEPARTMENT_REPORT_ROLES,
    ORDER_ROLES,
    REPORT_ROLES,
    VERIFY_ROLES,
    may_issue_order,
    may_respond_to_order,
)
from ..reports import access as report_access
from ..reports import selectors as report_selectors
from ..reports.periods import parse_period
from ..services import (
    callback_record,
    supervision_order_issue,
    supervision_order_reject,
    supervision_order_respond,
    supervision_order_verify,
)
from .filters import CallbackFilter, OrderFilter
from .serializers import (
    CALLBACK_PARAMETER,
    DATE_PATTERN,
    EARLIEST,
    LATEST,
    MAX_ID,
    NUMBER_PARAMETER,
    NUMBER_PATTERN,
    PERIOD_PARAMETERS,
    SLUG_PARAMETER,
    CallbackResultSerializer,
    CallbackSerializer,
    FiguresSerializer,
    OrderIssueSerializer,
    OrderRejectSerializer,
    OrderRespondSerializer,
    OrderVerifySerializer,
    SupervisionOrderDetailSerializer,
    SupervisionOrderSerializer,
    figures_json,
)

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
        return selectors.order_list(user=self.request.user)

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

    @extend_schema(
        operation_id="supervision_orders_issue",
        summary="领导批示督办",
        description=(
            "中心领导就任一案件下发带批示的督办单（与页面“领导批示督办”相同）：默认督办牵头单位，"
            "也可督办协办单位；交办或办理中的案件随之进入督办中。"
        ),
        request=OrderIssueSerializer,
        responses={201: SupervisionOrderDetailSerializer, **errors(400, 403, 409)},
    )
    def post(self, request):
        if not may_issue_order(request.user, Reason.LEADER_INSTRUCTION):
            raise exceptions.PermissionDenied(_("只有中心领导可以下发批示督办单。"))
        data = _validated(OrderIssueSerializer, request)
        case = _case_for_order(data["case"], request.user)
        department = data["department"]
        if department is not None and not department.is_active:
            message = _("该单位已停用。")
            raise ApiError(message, code="invalid", status_code=400, fields={"department": [message]})
        order = supervision_order_issue(
            case=case,
            actor=request.user,
            reason=Reason.LEADER_INSTRUCTION,
            level=data["level"],
            department=department,
            instruction=data["instruction"],
            required_action=data["required_action"],
            respond_by=data["respond_by"],
        )
        order = find_order(order.number, request.user)
        location = request.build_absolute_uri(reverse("api:supervision-order-detail", args=[order.number]))
        return Response(
            SupervisionOrderDetailSerializer(order).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


def _case_for_order(code: str, user) -> Case:
    """Return the case an order names among those ``user`` may see; a field error otherwise, as the page."""
    try:
        return case_by_code(code, cases_visible_to(user).select_related("lead_department"))
    except InvalidCaseCode as exc:
        message = exc.message
    except Case.DoesNotExist:
        message = _("没有找到该案件。")
    raise ApiError(message, code="invalid", status_code=400, fields={"case": [str(message)]})


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
        if not may_respond_to_order(request.user, order):
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


def _callbacks(user):
    """The callbacks of the user's own center's rounds (as the callbacks page)."""
    from departments.scope import own_center_q

    return Callback.objects.filter(own_center_q(user, "round__center")).select_related(
        "round", "case__lead_department", "party", "assigned_to__staff_profile", "order"
    )


@extend_schema(tags=["supervision"])
class CallbackListApi(generics.GenericAPIView):
    pagination_class = SupervisionPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = CallbackFilter
    serializer_class = CallbackSerializer

    def get_queryset(self):
        return _callbacks(self.request.user).order_by("-round__month", "position", "id")

    @extend_schema(
        operation_id="callbacks_list",
        summary="结案回访",
        description="研判督办专员和领导可查看；列表中当事人电话一律隐去中间数位，完整号码见单条回访。",
        responses={200: CallbackSerializer(many=True), **errors(400, 403, 404)},
    )
    def get(self, request):
        _require(request.user, CALLBACK_ROLES, _("只有研判督办专员和领导可以查看回访。"))
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {"bulk": True}
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
        _require(request.user, CALLBACK_CALLER_ROLES, _("只有研判督办专员可以记录回访结果。"))
        callback = _callbacks(self.request.user).filter(pk=id).first() if id <= MAX_ID else None
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
        callback = _callbacks(self.request.user).get(pk=callback.pk)
        return Response(CallbackSerializer(callback, context={"user": request.user}).data)


@extend_schema(tags=["supervision"], parameters=[CALLBACK_PARAMETER])
class CallbackDetailApi(APIView):
    @extend_schema(
        operation_id="callbacks_retrieve",
        summary="单条回访",
        description="研判督办专员和领导可查看；待回访时研判督办专员可见当事人完整电话（与回访页面同一规则）。",
        responses={200: CallbackSerializer, **errors(403, 404)},
    )
    def get(self, request, id: int):
        _require(request.user, CALLBACK_ROLES, _("只有研判督办专员和领导可以查看回访。"))
        callback = _callbacks(self.request.user).filter(pk=id).first() if id <= MAX_ID else None
        if callback is None:
            raise exceptions.NotFound(_("回访不存在。"))
        return Response(CallbackSerializer(callback, context={"user": request.user}).data)


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
        description="督办报表的全中心数据：计数为整数，比率为 0–1 的小数，无分母时为 null。",
        responses={200: FiguresSerializer, **errors(400, 403)},
    )
    def get(self, request):
        _require(request.user, REPORT_ROLES, _("只有领导和研判督办专员可以查看统计数据。"))
        period = _period(request)
        # The user's center and everything under it (issue 13), as on the dashboard.
        figures = report_selectors.summary_figures(
            period.start, period.end, timezone.now(), centers=report_access.home_center(request.user)
        )
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
        _require(request.user, DEPARTMENT_REPORT_ROLES, _("您无权查看单位统计数据。"))
        valid = len(slug) <= 40 and "\x00" not in slug
        department = Department.objects.filter(slug=slug).first() if valid else None
        if department is None:
            raise exceptions.NotFound(_("单位不存在。"))
        if role_of(request.user) == Role.LIAISON and department_of(request.user) != department:
            raise exceptions.PermissionDenied(_("联络员只能查看本单位的统计数据。"))
        if not report_access.may_read_department(request.user, department):
            raise exceptions.PermissionDenied(_("您无权查看其他中心单位的统计数据。"))
        period = _period(request)
        figures = report_selectors.department_figures(department, period.start, period.end, timezone.now())
        return Response(figures_json(figures))
