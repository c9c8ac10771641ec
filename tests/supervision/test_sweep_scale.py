"""The sweep is set-based: its query count does not grow with the number of cases."""

import datetime as dt
import sqlite3

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, CaseEvent, Notification, RiskColour, State
from supervision.models import Level, OrderStatus, Reason, Reminder, SupervisionOrder
from supervision.services import deadline_sweep

from ..factories import CaseFactory

pytestmark = pytest.mark.django_db

# Every branch of the sweep, each case on its own: an ordinary order, a red case's leader-level
# order, a reminder, a problem case, an order whose answer is overdue (raised), and a missed
# assess-by (an order on the center itself, to its coordinators).
PATTERNS = ("order", "red", "reminder", "problem", "raise", "assess")
# With the SAVEPOINT and RELEASE of the sweep's transaction, and the cases' history (read, INSERT).
# The assessment stage adds two: its own read of the cases not yet assigned, and the center's
# coordinators (read once, only when a reminder or order concerns the center itself). The mail of
# the notices is one outbox row (one INSERT in the sweep's transaction). The network of centers
# adds two reads: the late summonses of whistles (吹哨报到) and the overdue 下派 referrals.
SWEEP_QUERIES = 35


def build(n: int, department, now) -> None:
    hour = dt.timedelta(hours=1)
    for i in range(n):
        kind = PATTERNS[i % len(PATTERNS)]
        common = {"lead_department": department, "center": department.center, "assigned_at": now - 50 * hour}
        if kind == "order":
            CaseFactory(state=State.ASSIGNED, risk_colour=RiskColour.YELLOW, accept_by=now - hour, **common)
        elif kind == "red":
            CaseFactory(state=State.ASSIGNED, risk_colour=RiskColour.RED, accept_by=now - hour, **common)
        elif kind == "reminder":
            CaseFactory(state=State.HANDLING, risk_colour=RiskColour.BLUE, due_by=now + 2 * hour, **common)
        elif kind == "problem":
            CaseFactory(state=State.HANDLING, risk_colour=RiskColour.RED, is_problem=True, **common)
        elif kind == "assess":
            CaseFactory(
                state=State.ASSESSING, proposed_colour=RiskColour.YELLOW, assess_by=now - hour,
                center=department.center,
            )  # fmt: skip
        else:
            case = CaseFactory(state=State.SUPERVISED, risk_colour=RiskColour.YELLOW, **common)
            SupervisionOrder.objects.create(
                number=f"DB2025{i:06d}", case=case, department=department, reason=Reason.LEADER_INSTRUCTION,
                required_action="请办理", issued_at=now - 80 * hour, respond_from=now - 80 * hour,
                respond_by=now - hour,
            )  # fmt: skip


@pytest.fixture
def wide_sqlite(monkeypatch):
    """Let Django put a bulk INSERT in one statement on SQLite, as it does on PostgreSQL.

    Django assumes SQLite's old limit of 999 variables and splits bulk statements into chunks;
    SQLite 3.32+ accepts 32,766. Without this the count on SQLite grows by one statement per
    chunk of rows — a batching artefact, not a query per case.
    """
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        monkeypatch.setattr(connection.features, "max_query_params", limit)


@pytest.mark.parametrize("n", [12, 120])
def test_the_sweep_runs_a_constant_number_of_queries(
    n, department, liaison, coordinator, duty_board, wide_sqlite
):
    now = timezone.now()
    build(n, department, now)
    with CaptureQueriesContext(connection) as queries:
        result = deadline_sweep(now=now)
    per = n // len(PATTERNS)
    assert result.as_dict() == {
        "reminders": per,
        "orders": 2 * per,  # order, assess
        "leader_orders": 3 * per,  # red, problem, raised
        "raised": per,
        "supervised_cases": 3 * per,  # order, red (assigned) and problem (handling); not assess
        "notifications": per * (1 + 2 + 2 + 3 * 4),
    }
    assert len(queries) == SWEEP_QUERIES, "\n".join(q["sql"][:120] for q in queries.captured_queries)
    assert Reminder.objects.count() == per
    assert SupervisionOrder.objects.filter(status=OrderStatus.RAISED).count() == per
    assert SupervisionOrder.objects.filter(level=Level.LEADER).count() == 3 * per
    assert Case.objects.filter(state=State.SUPERVISED).count() == 4 * per
    assert CaseEvent.objects.filter(transition="supervise").count() == 3 * per
    # The liaison on reminders; the liaison (the coordinator for the center's own) and the duty
    # director on orders; both directors too on leader level.
    assert SupervisionOrder.objects.filter(department__isnull=True, stage="assess").count() == per
    assert Notification.objects.count() == result.notifications


def test_a_second_sweep_finds_nothing_to_do(department, liaison, coordinator):
    now = timezone.now()
    build(24, department, now)
    deadline_sweep(now=now)
    counts = (Reminder.objects.count(), SupervisionOrder.objects.count(), Notification.objects.count())
    assert deadline_sweep(now=now).as_dict() == dict.fromkeys(
        ["reminders", "orders", "leader_orders", "raised", "supervised_cases", "notifications"], 0
    )
    assert (
        Reminder.objects.count(),
        SupervisionOrder.objects.count(),
        Notification.objects.count(),
    ) == counts


def test_rows_another_sweep_inserted_first_are_not_notified_again(department, liaison, monkeypatch):
    """What a second worker sees when the first inserted the same order a moment before."""
    from supervision.services.sweep import core as sweep

    now = timezone.now()
    build(6, department, now)
    original = sweep._Sweep._insert_orders

    def racing(self, rows):
        # The other worker wins the first order's (case, stage, level, deadline).
        first = rows[0]
        SupervisionOrder.objects.create(
            number="DB2026888888", case_id=first.case_id, department_id=first.department_id, reason=first.reason,
            level=first.level, stage=first.stage, deadline=first.deadline, required_action="另一工作进程",
            issued_at=now, respond_from=now, respond_by=first.respond_by,
        )  # fmt: skip
        return original(self, rows)

    monkeypatch.setattr(sweep._Sweep, "_insert_orders", racing)
    result = deadline_sweep(now=now)
    total = SupervisionOrder.objects.count()
    assert result.orders + result.leader_orders == total - 1 - 1  # the racing one and the one built in
    assert SupervisionOrder.objects.filter(number="DB2026888888", required_action="另一工作进程").exists()
