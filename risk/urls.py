"""Staff pages of the risk app: the screening queue, leads, imports, the ledgers, the risk map."""

from django.urls import path  # noqa: F401

app_name = "risk"

urlpatterns: list = []
