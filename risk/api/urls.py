"""The risk API: feed batches in, the leads list out."""

from django.urls import path

from .ingest import LeadBatchApi
from .leads import LeadListApi

urlpatterns: list = [
    path("leads/<str:feed>/batch/", LeadBatchApi.as_view(), name="lead-batch"),
    path("leads/", LeadListApi.as_view(), name="leads-list"),
]
