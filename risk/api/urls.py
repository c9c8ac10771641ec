from django.urls import path

from .ingest import LeadBatchApi

urlpatterns: list = [
    path("leads/<str:feed>/batch/", LeadBatchApi.as_view(), name="lead-batch"),
]
