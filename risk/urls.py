"""Staff pages of the risk app: the screening queue, leads, imports, the ledgers, the risk map."""

from django.urls import path

from .views import ledgers

app_name = "risk"

urlpatterns: list = [
    # The two ledgers (两本台账), their xlsx, the risk map, the risk ledger's lines.
    path("ledgers/disputes/", ledgers.ledger_disputes, name="ledger_disputes"),
    path("ledgers/disputes.xlsx", ledgers.ledger_disputes_xlsx, name="ledger_disputes_xlsx"),
    path("ledgers/risks/", ledgers.ledger_risks, name="ledger_risks"),
    path("ledgers/risks.xlsx", ledgers.ledger_risks_xlsx, name="ledger_risks_xlsx"),
    path("ledgers/risks/mark/", ledgers.risk_entry_mark, name="risk_entry_mark"),
    path("ledgers/risks/<int:pk>/", ledgers.risk_entry_edit, name="risk_entry_edit"),
    path("ledgers/risks/<int:pk>/resolve/", ledgers.risk_entry_resolve_view, name="risk_entry_resolve"),
    path("map/", ledgers.risk_map, name="risk_map"),
]
