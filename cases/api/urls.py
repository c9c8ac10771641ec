"""Routes of the cases API, included under ``/api/v1/`` by ``zongzhi.api_urls``.

The two evaluation routes are not here: they need the supervision app's recorder, which only
the project's URL configuration may import (``cases`` never imports ``supervision``).
"""

from django.urls import path

from . import network, public, reveal, views, whistle_views
from .transitions import TRANSITION_VIEWS

urlpatterns = [
    path("cases/", views.CaseListCreateApi.as_view(), name="case-list"),
    path("cases/<str:code>/", views.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<str:code>/events/", views.CaseEventListApi.as_view(), name="case-events"),
    path("cases/<str:code>/records/", views.CaseRecordListCreateApi.as_view(), name="case-records"),
    path(
        "cases/<str:code>/attachments/<int:attachment_id>/",
        views.CaseAttachmentApi.as_view(),
        name="case-attachment",
    ),
    path(
        "cases/<str:code>/parties/<int:party_id>/reveal/",
        reveal.PartyRevealApi.as_view(),
        name="case-party-reveal",
    ),
    path("cases/<str:code>/qr.svg", views.CaseQrSvgApi.as_view(), name="case-qr-svg"),
    path("cases/<str:code>/qr.png", views.CaseQrPngApi.as_view(), name="case-qr-png"),
    path("cases/<str:code>/transitions/", views.CaseTransitionListApi.as_view(), name="case-transitions"),
    *[
        path(f"cases/<str:code>/transitions/{name}/", view.as_view(), name=f"case-transition-{name}")
        for name, view in TRANSITION_VIEWS.items()
        if name != "evaluate"
    ],
    path(
        "cases/<str:code>/whistles/", whistle_views.CaseWhistleListCreateApi.as_view(), name="case-whistles"
    ),
    path("summonses/", whistle_views.SummonsListApi.as_view(), name="summons-list"),
    path(
        "summonses/<int:summons_id>/report/", whistle_views.SummonsReportApi.as_view(), name="summons-report"
    ),
    path(
        "cases/<str:code>/referral/approve/",
        network.ReferralApproveApi.as_view(),
        name="case-referral-approve",
    ),
    path(
        "cases/<str:code>/referral/send-back/",
        network.ReferralSendBackApi.as_view(),
        name="case-referral-send-back",
    ),
    path("referrals/", network.ReferralListApi.as_view(), name="referral-list"),
    path("public/cases/<str:code>/", public.PublicCaseApi.as_view(), name="public-case"),
    path("public/cases/<str:code>/verify/", public.PublicVerifyApi.as_view(), name="public-case-verify"),
]
