"""The REST API: ``/api/v1/`` for clients, ``/api/schema/`` (OpenAPI 3) and ``/api/docs/`` (Swagger UI).

The project wires the apps together here: the evaluation endpoints are the cases app's views
handed the supervision app's recorder, so the rule for an unhappy answer lives in one place; the
supervise, end-supervision and reopen transitions are the supervision app's views at the cases'
transition URLs, so they issue and verify orders as the pages do.
"""

from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny

import cases.api.urls
import departments.api
import integrations.api
import risk.api.urls
import supervision.api
from cases.api.public import PublicEvaluationApi
from cases.api.transitions import EvaluateApi
from supervision.api.transitions import SUPERVISION_TRANSITION_VIEWS
from supervision.services import evaluation_record

from .login import ApiDocsPermission, TokenCreateApi

app_name = "api"


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Answer unknown API paths in the API's error shape rather than with an HTML page."""
    raise exceptions.NotFound(_("没有这个接口：%(path)s") % {"path": request.path[:200]})


v1 = [
    path("auth/token/", TokenCreateApi.as_view(), name="token-create"),
    path(
        "cases/<str:code>/transitions/evaluate/",
        EvaluateApi.as_view(record_evaluation=evaluation_record),
        name="case-transition-evaluate",
    ),
    # Supervise, end supervision and reopen issue, verify and consult supervision orders.
    *[
        path(f"cases/<str:code>/transitions/{name}/", view.as_view(), name=f"case-transition-{name}")
        for name, view in SUPERVISION_TRANSITION_VIEWS.items()
    ],
    path(
        "public/cases/<str:code>/evaluation/",
        PublicEvaluationApi.as_view(record_evaluation=evaluation_record),
        name="public-case-evaluation",
    ),
    *cases.api.urls.urlpatterns,
    *departments.api.urlpatterns,
    *supervision.api.urlpatterns,
    *integrations.api.urlpatterns,
    *risk.api.urls.urlpatterns,
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[ApiDocsPermission]), name="schema"),
    # The split view serves its start-up script from a URL: no inline <script> under the CSP.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[ApiDocsPermission]),
        name="docs",
    ),
    re_path(r"^.*$", not_found),
]
