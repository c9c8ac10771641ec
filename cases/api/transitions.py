"""One endpoint per lifecycle transition: ``POST /api/v1/cases/{code}/transitions/{name}/``.

Supervise, end supervision and reopen are the supervision app's endpoints on the same footing
(``supervision.api.transitions``, subclasses of :class:`CaseTransitionApi`): they issue,
verify and consult supervision orders, as the pages do.

Each view checks the caller's role and department first (403, or 404 if the case is not
theirs to see), then its body (400), then calls the transition's service (409 if the state does
not allow it or the case changed meanwhile). An optional ``version`` in the body, or an
``If-Match: "<version>"`` header, makes the call fail with 409 unless the case is still at that
version.
"""

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions

from common.api import ApiError, errors
from common.parsers import JSONParser
from common.parsing import MAX_INT32, ParseError, parse_positive_int

from .. import services
from ..models import TRANSITION_LABELS, Case
from ..permissions import TRANSITION_ROLES, role_may_fire, transition_rule
from . import serializers as s
from . import transition_serializers as ts
from .serializers import CaseSerializer
from .views import CODE_PARAMETER, CaseApiView, case_detail_queryset

IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='案件版本（详情响应的 ETag，如 "3"）；与当前版本不符时返回 409。',
    pattern=r'^(\*|W?/?"?[0-9]{1,10}"?)$',
)


def expected_version(request, body_version: int | None) -> int | None:
    """Return the version the client acted on, from ``If-Match`` or the body."""
    if "If-Match" not in request.headers:
        return body_version
    header = request.headers["If-Match"].strip()
    if header == "*":
        return body_version
    if not header:
        # Sent but empty: a malformed precondition, not an absent one.
        raise ApiError(
            _('If-Match 应为案件版本号，如 "3"。'),
            code="invalid",
            status_code=400,
            fields={"If-Match": [_("不能为空。")]},
        )
    try:
        return parse_positive_int(header.removeprefix("W/").strip('"'), maximum=MAX_INT32)
    except ParseError:
        raise ApiError(
            _('If-Match 应为案件版本号，如 "3"。'),
            code="invalid",
            status_code=400,
            fields={"If-Match": [_("格式无效。")]},
        ) from None


class CaseTransitionApi(CaseApiView):
    """Fire one transition; subclasses name it, give its body and call its service."""

    name: str = ""
    InputSerializer = s.TransitionSerializer
    parser_classes = [JSONParser]

    def post(self, request, code: str):
        case = self.get_case(code, case_detail_queryset(request.user))
        if not role_may_fire(request.user, case, self.name):
            raise exceptions.PermissionDenied(
                _("您的角色或所属单位不能执行“%(action)s”。") % {"action": TRANSITION_LABELS[self.name]}
            )
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = expected_version(request, data.pop("version", None))
        if version is not None:
            # The service compares this with the locked row and refuses a stale view (409).
            case.version = version
        self.perform(case, data)
        return self.case_response(case_detail_queryset(request.user).get(pk=case.pk))

    def perform(self, case: Case, data: dict) -> None:
        raise NotImplementedError


def _schema(name: str, summary: str, description: str, request):
    return extend_schema(
        operation_id=f"cases_transitions_{name}",
        summary=summary,
        description=description,
        tags=["transitions"],
        parameters=[CODE_PARAMETER, IF_MATCH_PARAMETER],
        request=request,
        responses={200: CaseSerializer, **errors(400, 403, 404, 409)},
    )


# The supervision app's transition endpoints are documented the same way.
transition_schema = _schema


def _who(name: str) -> str:
    roles, lead_only = transition_rule(name)
    names = {"coordinator": "研判督办专员", "leader": "中心领导", "liaison": "部门联络员"}
    text = "、".join(names[r] for r in roles)
    return f"可执行：{text}{'（限牵头单位）' if lead_only else ''}。"


class StartAssessmentApi(CaseTransitionApi):
    name = "start_assessment"

    @_schema(name, "开始研判", f"已受理 → 研判中。{_who(name)}", s.TransitionSerializer)
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_start_assessment(case=case, actor=self.request.user)


class AssignApi(CaseTransitionApi):
    name = "assign"
    InputSerializer = s.AssignSerializer

    @_schema(name, "交办", f"研判中 → 已交办，期限按时限规则。{_who(name)}", s.AssignSerializer)
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_assign(case=case, actor=self.request.user, **data)


class AcceptApi(CaseTransitionApi):
    name = "accept"

    @_schema(name, "签收", f"已交办 → 办理中。{_who(name)}", s.TransitionSerializer)
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_accept(case=case, actor=self.request.user)


class ReturnToCenterApi(CaseTransitionApi):
    name = "return_to_center"
    InputSerializer = s.ReasonSerializer

    @_schema(name, "退回中心", f"已交办 → 研判中（须说明理由）。{_who(name)}", s.ReasonSerializer)
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_return_to_center(case=case, actor=self.request.user, **data)


class SubmitResultApi(CaseTransitionApi):
    name = "submit_result"
    InputSerializer = s.SubmitResultSerializer

    @_schema(name, "提交办结", f"办理中/督办中 → 待审核。{_who(name)}", s.SubmitResultSerializer)
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_submit_result(case=case, actor=self.request.user, **data)


class SendBackApi(CaseTransitionApi):
    name = "send_back"
    InputSerializer = s.ReasonSerializer

    @_schema(name, "审核退回", f"待审核 → 办理中。{_who(name)}", s.ReasonSerializer)
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_send_back(case=case, actor=self.request.user, **data)


class CloseApi(CaseTransitionApi):
    name = "close"
    InputSerializer = s.OptionalReasonSerializer

    @_schema(name, "结案", f"待审核 → 已结案。{_who(name)}", s.OptionalReasonSerializer)
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_close(case=case, actor=self.request.user, **data)


class EvaluateApi(CaseTransitionApi):
    """Staff record a party's evaluation (a callback or on the party's behalf).

    The evaluation and what it calls for (a supervision order on an unhappy answer) belong to
    the supervision app: its recorder is handed in by the URL configuration.
    """

    name = "evaluate"
    InputSerializer = s.EvaluateSerializer
    record_evaluation = None

    @_schema(name, "录入评价", f"已结案 → 已评价。{_who(name)}", s.EvaluateSerializer)
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        if self.record_evaluation is None:
            raise ImproperlyConfigured(
                "EvaluateApi needs record_evaluation (supervision.services.evaluation_record)"
            )
        self.record_evaluation(case=case, actor=self.request.user, **data)


class RejectApi(CaseTransitionApi):
    name = "reject"
    InputSerializer = s.RejectSerializer

    @_schema(name, "不予受理", f"已受理/研判中 → 不予受理（可引导去向）。{_who(name)}", s.RejectSerializer)
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_reject(case=case, actor=self.request.user, **data)


class WithdrawApi(CaseTransitionApi):
    name = "withdraw"
    InputSerializer = s.ReasonSerializer

    @_schema(name, "撤回", f"办结前任一状态 → 已撤回。{_who(name)}", s.ReasonSerializer)
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_withdraw(case=case, actor=self.request.user, **data)


class EscalateApi(CaseTransitionApi):
    name = "escalate"
    InputSerializer = ts.EscalateSerializer

    @_schema(
        name,
        "上报",
        f"研判中/办理中/督办中 → 已上报，报上级中心决定接收或退回（本中心须有上级中心）。{_who(name)}",
        ts.EscalateSerializer,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_escalate(case=case, actor=self.request.user, **data)


class TakeOverApi(CaseTransitionApi):
    name = "take_over"
    InputSerializer = ts.NoteSerializer

    @_schema(
        name,
        "接收上报",
        f"已上报 → 研判中，由上级中心承办。限接收上报的上级中心。{_who(name)}",
        ts.NoteSerializer,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_take_over(case=case, actor=self.request.user, **data)


class ReturnDownApi(CaseTransitionApi):
    name = "return_down"
    InputSerializer = ts.InstructionsSerializer

    @_schema(
        name,
        "退回下级",
        f"已上报 → 上报前的状态，附办理要求。限接收上报的上级中心。{_who(name)}",
        ts.InstructionsSerializer,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_return_down(case=case, actor=self.request.user, **data)


class AssignDownApi(CaseTransitionApi):
    name = "assign_down"
    InputSerializer = ts.AssignDownSerializer

    @_schema(
        name,
        "下派",
        f"研判中 → 研判中，由直属下级中心承办，附办理要求和办结期限。限承办中心。{_who(name)}",
        ts.AssignDownSerializer,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_assign_down(case=case, actor=self.request.user, **data)


class TransferApi(CaseTransitionApi):
    name = "transfer"
    InputSerializer = ts.TransferSerializer

    @_schema(
        name,
        "申请移交",
        f"已受理/研判中 → 移交中，由共同上级中心决定；目标须为另一分支的县级或乡镇中心。{_who(name)}",
        ts.TransferSerializer,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_transfer(case=case, actor=self.request.user, **data)


class TransferAcceptApi(CaseTransitionApi):
    name = "transfer_accept"
    InputSerializer = ts.NoteSerializer

    @_schema(
        name, "同意移交", f"移交中 → 研判中，由目标中心承办。限共同上级中心。{_who(name)}", ts.NoteSerializer
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_transfer_accept(case=case, actor=self.request.user, **data)


class TransferDeclineApi(CaseTransitionApi):
    name = "transfer_decline"
    InputSerializer = s.ReasonSerializer

    @_schema(
        name,
        "不予移交",
        f"移交中 → 申请前的状态（须说明理由）。限共同上级中心。{_who(name)}",
        s.ReasonSerializer,
    )
    def post(self, request, code: str):
        return super().post(request, code)

    def perform(self, case, data):
        services.case_transfer_decline(case=case, actor=self.request.user, **data)


TRANSITION_VIEWS: dict[str, type[CaseTransitionApi]] = {
    view.name: view
    for view in (
        StartAssessmentApi,
        AssignApi,
        AcceptApi,
        ReturnToCenterApi,
        SubmitResultApi,
        SendBackApi,
        CloseApi,
        EvaluateApi,
        RejectApi,
        WithdrawApi,
        EscalateApi,
        TakeOverApi,
        ReturnDownApi,
        AssignDownApi,
        TransferApi,
        TransferAcceptApi,
        TransferDeclineApi,
    )
}
# Supervising, ending supervision and reopening go through supervision orders: their endpoints
# are the supervision app's (``supervision.api.transitions``), routed by ``zongzhi.api_urls``.
SUPERVISION_TRANSITIONS = ("supervise", "end_supervision", "reopen")
assert set(TRANSITION_VIEWS) | set(SUPERVISION_TRANSITIONS) == set(TRANSITION_ROLES), (
    "every transition has an endpoint"
)
