"""Public organisation pages, included by ``zongzhi/urls.py`` under ``duty-board/``."""

from django.urls import path

from . import views

app_name = "departments"

urlpatterns = [
    path("", views.duty_board_page, name="duty_board"),
    path("<str:code>/", views.duty_board_page, name="duty_board_center"),
]
