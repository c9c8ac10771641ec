from django.urls import include, path

from .views import callbacks, public, staff

app_name = "supervision"

urlpatterns = [
    path("evaluate/<str:code>/", public.public_evaluate, name="public_evaluate"),
    # Staff pages (supervision/views/)
    path("orders/", staff.order_list, name="order_list"),
    path("orders/<str:number>/", staff.order_detail, name="order_detail"),
    path("orders/<str:number>/print/", staff.order_print, name="order_print"),
    path("orders/<str:number>/respond/", staff.order_respond, name="order_respond"),
    path("orders/<str:number>/verify/", staff.order_verify, name="order_verify"),
    path("orders/<str:number>/reject/", staff.order_reject, name="order_reject"),
    path("issue/", staff.order_issue, name="order_issue"),
    path("issue/find/", staff.order_case_find, name="order_case_find"),
    path("issue/preview/", staff.order_case_preview, name="order_case_preview"),
    path("to-answer/", staff.orders_to_answer, name="orders_to_answer"),
    path("cases/<str:code>/panel/", staff.case_panel, name="case_panel"),
    path("cases/<str:code>/reopen/", staff.case_reopen, name="case_reopen"),
    path("callbacks/", callbacks.callbacks, name="callbacks"),
    path("callbacks/sample/", callbacks.callbacks_sample, name="callbacks_sample"),
    path("callbacks/<int:pk>/", callbacks.callback_detail, name="callback_detail"),
    path("reports/", include("supervision.reports.urls")),
]
