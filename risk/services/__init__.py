"""Writes of the risk app: every change to leads, rules and the risk ledger goes through here."""

from .decisions import (  # noqa: F401
    lead_attach,
    lead_dismiss,
    lead_hand_to_township,
    lead_open_case,
    lead_reopen,
    lead_watch,
)
from .ingest import MAX_BATCH, BatchOutcome, lead_ingest_batch  # noqa: F401
from .risks import (  # noqa: F401
    risk_entry_from_case,
    risk_entry_from_lead,
    risk_entry_resolve,
    risk_entry_update,
)
