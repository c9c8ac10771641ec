from django.urls import path

from .views import tracking as views

app_name = "tracking"

urlpatterns = [
    path("", views.tracking_start, name="start"),
    path("<str:code>/", views.tracking_case, name="case"),
    path("<str:code>/verify/", views.tracking_verify, name="verify"),
]
