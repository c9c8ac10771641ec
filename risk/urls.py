"""Staff pages of the risk app: the screening queue, leads, imports, the ledgers, the risk map."""

from django.urls import path

from .views import grading, grid, imports, ledgers, queue

app_name = "risk"

urlpatterns: list = [
    # Import of feed items and the grid member's report (ingest slice).
    path("import/", imports.lead_import, name="import"),
    path("import/<str:token>/", imports.lead_import_preview, name="import_preview"),
    path("import/<str:token>/confirm/", imports.lead_import_confirm, name="import_confirm"),
    path("import/<str:token>/errors.csv", imports.lead_import_errors, name="import_errors"),
    path("report/", grid.grid_report, name="grid_report"),
    path("report/done/<int:lead_id>/", grid.grid_report_done, name="grid_report_done"),
    path("leads/", queue.lead_list, name="leads"),
    path("leads/<int:pk>/", queue.lead_detail, name="lead"),
    path("leads/<int:pk>/<slug:action>/", queue.lead_action, name="lead_action"),
    # The two ledgers (两本台账), their xlsx, the risk map, the risk ledger's lines.
    path("ledgers/disputes/", ledgers.ledger_disputes, name="ledger_disputes"),
    path("ledgers/disputes.xlsx", ledgers.ledger_disputes_xlsx, name="ledger_disputes_xlsx"),
    path("ledgers/risks/", ledgers.ledger_risks, name="ledger_risks"),
    path("ledgers/risks.xlsx", ledgers.ledger_risks_xlsx, name="ledger_risks_xlsx"),
    path("ledgers/risks/mark/", ledgers.risk_entry_mark, name="risk_entry_mark"),
    path("ledgers/risks/<int:pk>/", ledgers.risk_entry_edit, name="risk_entry_edit"),
    path("ledgers/risks/<int:pk>/resolve/", ledgers.risk_entry_resolve_view, name="risk_entry_resolve"),
    path("map/", ledgers.risk_map, name="risk_map"),
    path("cases/<str:code>/grading/", grading.case_grading, name="case_grading"),
]
