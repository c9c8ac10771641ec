"""Staff pages of the risk app: the screening queue, leads, imports, the ledgers, the risk map."""

from django.urls import path

from .views import queue

app_name = "risk"

urlpatterns: list = [
    path("leads/", queue.lead_list, name="leads"),
    path("leads/<int:pk>/", queue.lead_detail, name="lead"),
    path("leads/<int:pk>/<slug:action>/", queue.lead_action, name="lead_action"),
]
