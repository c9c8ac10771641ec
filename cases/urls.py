from django.urls import path

from .views import case_page, files, reception, whistles, work

app_name = "cases"

urlpatterns = [
    path("intake/", reception.intake, name="intake"),
    path("intake/lookup/", reception.intake_lookup, name="intake_lookup"),
    path("search/", reception.search, name="search"),
    path("workbench/", work.workbench, name="workbench"),
    path("desk/", work.department_desk, name="department_desk"),
    path("inbox/", work.inbox, name="inbox"),
    path("inbox/read-all/", work.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", work.inbox_read, name="inbox_read"),
    path("<str:code>/", case_page.case_detail, name="detail"),
    path("<str:code>/actions/<str:name>/", case_page.case_action, name="action"),
    path("<str:code>/assign/preview/", case_page.assign_preview, name="assign_preview"),
    path("<str:code>/records/", case_page.record_add, name="record_add"),
    path("<str:code>/whistles/", whistles.whistle_blow, name="whistle_blow"),
    path("<str:code>/summonses/<int:pk>/report/", whistles.summons_report, name="summons_report"),
    path("<str:code>/rejection-notice/", case_page.rejection_notice, name="rejection_notice"),
    path("<str:code>/mediation-agreement/", case_page.mediation_agreement, name="mediation_agreement"),
    path(
        "<str:code>/parties/<int:party_id>/reveal/<str:field>/",
        case_page.party_reveal,
        name="party_reveal",
    ),
    path("<str:code>/receipt/", reception.receipt, name="receipt"),
    path("<str:code>/qr.svg", files.case_qr_svg_view, name="qr_svg"),
    path("<str:code>/qr.png", files.case_qr_png_view, name="qr_png"),
    path("<str:code>/attachments/<int:pk>/", files.attachment_download, name="attachment"),
]
