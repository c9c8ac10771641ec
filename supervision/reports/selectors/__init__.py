"""The figures of the leaders' reports, every one computed in the database.

Counts are conditional aggregates (``Count(filter=Q(...))``) over the rows a period touches;
rates are the quotient of two such counts, as a fraction, or None when the denominator is
zero ("—" on the page, ``null`` in JSON). Pages, exports and the REST API call these same
functions, so they can never disagree. The definitions, in the words the page shows them,
are in :data:`DEFINITIONS`.

A period is half-open, ``[start, end)``, as aware datetimes; ``now`` is passed in (never the
database's clock) for the figures that are a snapshot of the present: open, overdue, red open,
problem cases, open supervision orders. Modules: ``figures`` (headline figures and their
definitions), ``ranking`` (the department evaluation), ``charts``, ``lists``, ``monthly``
(the monthly report's tables) and ``ledger`` (台账); everything is re-exported here.
"""

from .charts import breakdowns, weekly_intake
from .figures import (
    CLOSED_STATES,
    CLOSING_CHANNELS,
    DEFINITIONS,
    REWORK_TRANSITIONS,
    UNRATED,
    covered_months,
    department_figures,
    ratio,
    scope_q,
    summary_figures,
    with_rates,
)
from .ledger import LEDGER_FIELDS, ledger_count, ledger_rows
from .lists import (
    LIST_FIELDS,
    leader_orders,
    open_orders,
    overdue_cases,
    problem_cases,
    red_open_cases,
)
from .monthly import callback_round, notable_cases, orders_by_reason, orders_issued, round_callbacks
from .ranking import (
    MIN_SAMPLE,
    VERDICT_LABELS,
    Verdict,
    center_report,
    department_ranking,
    network_report,
    score_of,
    whistle_counts,
)

__all__ = [
    "CLOSED_STATES",
    "CLOSING_CHANNELS",
    "DEFINITIONS",
    "LEDGER_FIELDS",
    "LIST_FIELDS",
    "MIN_SAMPLE",
    "REWORK_TRANSITIONS",
    "UNRATED",
    "VERDICT_LABELS",
    "Verdict",
    "breakdowns",
    "callback_round",
    "center_report",
    "covered_months",
    "department_figures",
    "department_ranking",
    "leader_orders",
    "ledger_count",
    "ledger_rows",
    "network_report",
    "notable_cases",
    "open_orders",
    "orders_by_reason",
    "orders_issued",
    "overdue_cases",
    "problem_cases",
    "ratio",
    "red_open_cases",
    "round_callbacks",
    "scope_q",
    "score_of",
    "summary_figures",
    "weekly_intake",
    "whistle_counts",
    "with_rates",
]
