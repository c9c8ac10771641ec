"""Staff pages of the risk app: the screening queue, leads, imports, the ledgers, the risk map."""

from django.urls import path

from .views import grading

app_name = "risk"

urlpatterns: list = [
    path("cases/<str:code>/grading/", grading.case_grading, name="case_grading"),
]
