from django.urls import path

from .views import files, reception

app_name = "cases"

urlpatterns = [
    path("intake/", reception.intake, name="intake"),
    path("intake/lookup/", reception.intake_lookup, name="intake_lookup"),
    path("search/", reception.search, name="search"),
    path("<str:code>/receipt/", reception.receipt, name="receipt"),
    path("<str:code>/qr.svg", files.case_qr_svg_view, name="qr_svg"),
    path("<str:code>/qr.png", files.case_qr_png_view, name="qr_png"),
    path("<str:code>/attachments/<int:pk>/", files.attachment_download, name="attachment"),
]
