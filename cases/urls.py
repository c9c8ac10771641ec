from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("<str:code>/qr.svg", views.case_qr_svg_view, name="qr_svg"),
    path("<str:code>/qr.png", views.case_qr_png_view, name="qr_png"),
]
