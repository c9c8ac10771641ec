"""What every view of the cases API shares: finding the case the caller may see, answering with it."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ApiError

from ..codes import InvalidCaseCode
from ..models import Case
from ..selectors import case_by_code, case_list_for, cases_visible_to
from .serializers import CaseSerializer

CODE_PARAMETER = OpenApiParameter(
    "code",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="案件编号，任意分组与大小写（如 420923-2026-000123-7）。",
)


def find_case(code: str, queryset) -> Case:
    """Return the case a code names within ``queryset``: 400 if mistyped or malformed, 404 if absent."""
    try:
        return case_by_code(code, queryset)
    except InvalidCaseCode as exc:
        raise ApiError(
            exc.message, code=exc.code, status_code=400, fields={"code": [str(exc.message)]}
        ) from None
    except Case.DoesNotExist:
        raise exceptions.NotFound(_("案件不存在或您无权查看。")) from None


class CaseApiView(APIView):
    """A view on one case the caller may see."""

    def get_case(self, code: str, queryset=None) -> Case:
        return find_case(code, queryset if queryset is not None else cases_visible_to(self.request.user))

    def case_response(self, case: Case, status_code: int = status.HTTP_200_OK) -> Response:
        """Answer with the case, numbers masked (see ``PartyRevealApi``), and its version as the ETag."""
        context = {"request": self.request, "personal_data": False}
        return Response(
            CaseSerializer(case, context=context).data,
            status=status_code,
            headers={"ETag": f'"{case.version}"'},
        )


def case_detail_queryset(user):
    return case_list_for(user)
