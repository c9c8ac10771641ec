from django.urls import include, path

from . import staff_views, views

app_name = "supervision"

urlpatterns = [
    path("evaluate/<str:code>/", views.public_evaluate, name="public_evaluate"),
    # Staff pages (supervision/staff_views.py)
    path("orders/", staff_views.order_list, name="order_list"),
    path("orders/<str:number>/", staff_views.order_detail, name="order_detail"),
    path("orders/<str:number>/respond/", staff_views.order_respond, name="order_respond"),
    path("orders/<str:number>/verify/", staff_views.order_verify, name="order_verify"),
    path("orders/<str:number>/reject/", staff_views.order_reject, name="order_reject"),
    path("issue/", staff_views.order_issue, name="order_issue"),
    path("to-answer/", staff_views.orders_to_answer, name="orders_to_answer"),
    path("cases/<str:code>/panel/", staff_views.case_panel, name="case_panel"),
    path("cases/<str:code>/reopen/", staff_views.case_reopen, name="case_reopen"),
    path("callbacks/", staff_views.callbacks, name="callbacks"),
    path("callbacks/sample/", staff_views.callbacks_sample, name="callbacks_sample"),
    path("callbacks/<int:pk>/", staff_views.callback_detail, name="callback_detail"),
    path("reports/", include("supervision.reports.urls")),
]
