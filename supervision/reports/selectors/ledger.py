"""The case ledger (台账): one row per case touched in a period, read in chunks."""

import datetime as dt

from django.db.models import Q

from cases.models import (
    Case,
)

from .figures import CLOSED_STATES, _in, scope_q

# --- The ledger (台账) ---------------------------------------------------------------------------

LEDGER_FIELDS = (
    "code",
    "title",
    "category",
    "source",
    "risk_colour",
    "lead_department__name",
    "state",
    "is_problem",
    "created_at",
    "assigned_at",
    "accept_by",
    "accepted_at",
    "due_by",
    "submitted_at",
    "closed_at",
    "return_count",
    "send_back_count",
)


def _ledger_cases(start: dt.datetime, end: dt.datetime, *, department=None, centers=None):
    cases = Case.objects.filter(scope_q(centers)).filter(
        _in("created_at", start, end) | (Q(state__in=CLOSED_STATES) & _in("closed_at", start, end))
    )
    if department is not None:
        cases = cases.filter(lead_department=department)
    return cases


def ledger_count(start: dt.datetime, end: dt.datetime, *, department=None, centers=None) -> int:
    """Return how many rows the ledger of the period has (one COUNT, for the export's audit row)."""
    return _ledger_cases(start, end, department=department, centers=centers).count()


def ledger_rows(
    start: dt.datetime, end: dt.datetime, *, department=None, centers=None, chunk_size: int = 2000
):
    """Yield the cases received or closed in the period as tuples of :data:`LEDGER_FIELDS`.

    Streams from a server-side cursor in chunks: memory stays flat however many rows.
    """
    cases = _ledger_cases(start, end, department=department, centers=centers)
    ordered = cases.order_by("created_at", "id").values_list(*LEDGER_FIELDS)
    yield from ordered.iterator(chunk_size=chunk_size)
