"""URLs of the supervision API, mounted under /api/v1/ by zongzhi/api_urls.py."""

from django.urls import path

from .views import (
    CallbackDetailApi,
    CallbackListApi,
    CallbackResultApi,
    OrderDetailApi,
    OrderListApi,
    OrderRejectApi,
    OrderRespondApi,
    OrderVerifyApi,
    ReportDepartmentApi,
    ReportSummaryApi,
)

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
    path("callbacks/<int:id>/", CallbackDetailApi.as_view(), name="callback-detail"),
    path("callbacks/<int:id>/result/", CallbackResultApi.as_view(), name="callback-result"),
    path("reports/summary/", ReportSummaryApi.as_view(), name="report-summary"),
    path("reports/departments/<str:slug>/", ReportDepartmentApi.as_view(), name="report-department"),
]
