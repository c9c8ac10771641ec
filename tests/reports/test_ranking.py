"""The department evaluation (考评): scores, order, the worst marked, the floors from the thresholds."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.models import Evaluation, State
from supervision.models.reports import ReportThresholds
from supervision.reports import selectors

from ..factories import DepartmentFactory
from .conftest import NOW, OCTOBER, at, evaluate

pytestmark = pytest.mark.django_db


def closed(make_case, department, *, on_time: bool, rating: str | None = None):
    due = at(2026, 10, 15, 17)
    finished = due - dt.timedelta(hours=1) if on_time else due + dt.timedelta(hours=1)
    case = make_case(
        state=State.CLOSED, lead_department=department, due_by=due, submitted_at=finished, closed_at=finished
    )
    if rating:
        evaluate(case, rating, at(2026, 10, 16), Evaluation.Channel.TRACKING)
    return case


def ranking(**kwargs):
    return selectors.department_ranking(OCTOBER.start, OCTOBER.end, NOW, **kwargs)


def test_ranking_scores_orders_and_marks(make_case, department, other_department, center, small_sample):
    idle = DepartmentFactory(center=center, slug="idle", name="县某局", short_name="某局")
    # court: 2/2 on time, 2/2 satisfied → 100
    for _ in range(2):
        closed(make_case, department, on_time=True, rating="satisfied")
    # police: 1/4 on time (25%), 1 satisfied of 2 ratings (50%), its one case in hand overdue (0%) → score 25
    closed(make_case, other_department, on_time=True, rating="satisfied")
    closed(make_case, other_department, on_time=False, rating="dissatisfied")
    closed(make_case, other_department, on_time=False)
    closed(make_case, other_department, on_time=False)
    make_case(state=State.HANDLING, lead_department=other_department, due_by=at(2026, 10, 1))

    rows = ranking()
    assert [r["slug"] for r in rows] == ["court", "police", "idle"]
    court, police, nothing = rows
    assert (court["rank"], court["score"], court["is_worst"], court["below_floor"]) == (
        1,
        100.0,
        False,
        False,
    )
    assert (police["closure_rate"], police["satisfaction_rate"], police["overdue"]) == (0.25, 0.5, 1)
    assert police["acceptance_rate"] is None
    assert police["in_hand_on_time_rate"] == 0 and court["in_hand_on_time_rate"] is None
    assert (police["rank"], police["score"], police["is_worst"]) == (2, 25.0, True)
    assert police["below_on_time"] and police["below_satisfaction"]
    assert nothing["slug"] == idle.slug and nothing["rank"] is None and nothing["score"] is None
    assert not nothing["is_worst"] and not nothing["below_floor"]


def test_floors_come_from_the_thresholds(make_case, department, small_sample):
    for on_time in (True, True, True, True, False):  # 80 %
        closed(make_case, department, on_time=on_time)
    (row,) = ranking()
    assert row["below_on_time"]  # default floor 90 %
    ReportThresholds.objects.create(on_time_floor=Decimal("80.0"), satisfaction_floor=Decimal("85.0"))
    (row,) = ranking(thresholds=ReportThresholds.current())
    assert not row["below_on_time"]


def test_cases_left_overdue_pull_the_score_down(make_case, department, other_department, small_sample):
    """只接单、不办事: a department that closes nothing but lets its cases run over is not "达标"."""
    closed(make_case, department, on_time=True)
    make_case(state=State.HANDLING, lead_department=department, due_by=at(2026, 10, 30))
    for _ in range(3):
        make_case(state=State.HANDLING, lead_department=other_department, due_by=at(2026, 10, 1))
    make_case(state=State.HANDLING, lead_department=other_department, due_by=at(2026, 10, 30))
    court, police = ranking()
    assert (court["score"], police["score"]) == (100.0, 25.0)
    assert police["closure_rate"] is None and police["in_hand_on_time_rate"] == 0.25
    assert police["is_worst"]


def test_one_department_alone_is_not_marked_worst(make_case, department, small_sample):
    closed(make_case, department, on_time=False)
    (row,) = ranking()
    assert row["score"] == 0.0 and not row["is_worst"] and row["below_on_time"]


def test_the_center_totals_are_the_sums_of_the_groups(make_case, department, other_department):
    """center_report (one read per table) and summary_figures (plain aggregates) agree figure for figure."""
    from cases.models import Evaluation as E
    from supervision.models import Callback, Level

    from .conftest import callback, order

    for dept in (department, other_department, None):
        closed(make_case, dept, on_time=True, rating="satisfied") if dept else make_case(state=State.RECEIVED)
        make_case(state=State.ASSIGNED, lead_department=dept, accept_by=at(2026, 10, 3))
        make_case(
            state=State.HANDLING,
            lead_department=dept,
            due_by=at(2026, 10, 3),
            is_problem=True,
            risk_colour="red",
        )
    case = closed(make_case, department, on_time=False)
    evaluate(case, "basically_satisfied", at(2026, 10, 18), E.Channel.STAFF)
    callback(
        case,
        status=Callback.Status.DONE,
        rating="dissatisfied",
        completed=at(2026, 10, 19),
        month=OCTOBER.first,
    )
    order(case, level=Level.LEADER)
    summary, rows = selectors.center_report(OCTOBER.start, OCTOBER.end, NOW)
    assert summary == selectors.summary_figures(OCTOBER.start, OCTOBER.end, NOW)
    assert summary["callbacks"] == 1
    for row in rows:
        dept = department if row["slug"] == "court" else other_department
        figures = selectors.department_figures(dept, OCTOBER.start, OCTOBER.end, NOW)
        assert {k: row[k] for k in figures} == figures


def test_ranking_runs_seven_queries_whatever_the_number_of_departments(center, django_assert_num_queries):
    thresholds = ReportThresholds.current()
    for _i in range(20):
        DepartmentFactory(center=center)
    with django_assert_num_queries(7):
        rows = ranking(thresholds=thresholds)
    assert len(rows) == 20


def test_inactive_departments_appear_only_with_data(make_case, center):
    gone = DepartmentFactory(center=center, is_active=False)
    DepartmentFactory(center=center, is_active=False)
    closed(make_case, gone, on_time=True)
    assert [r["department_id"] for r in ranking()] == [gone.pk]


def test_thresholds_are_a_singleton_with_defaults(db):
    defaults = ReportThresholds.current()
    assert defaults.satisfaction == 0.85 and defaults.on_time == 0.9
    assert not ReportThresholds.objects.exists()  # reading never writes
    first = ReportThresholds(satisfaction_floor=Decimal("80"))
    first.save()
    second = ReportThresholds(satisfaction_floor=Decimal("70"))
    second.save()  # the same row again
    assert ReportThresholds.objects.count() == 1
    assert ReportThresholds.current().satisfaction_floor == Decimal("70")


def test_too_few_cases_due_is_not_judged(make_case, department, other_department, center):
    """Fewer than MIN_SAMPLE cases due in the period: 样本不足, neither 达标 nor 未达标 nor 得分最低."""
    third = DepartmentFactory(center=center, slug="third", name="县第三局", short_name="三局")
    for _ in range(selectors.MIN_SAMPLE):
        closed(make_case, department, on_time=True, rating="satisfied")
    for _ in range(selectors.MIN_SAMPLE):
        closed(make_case, third, on_time=True)
    third_late = closed(make_case, third, on_time=False)
    for _ in range(selectors.MIN_SAMPLE - 1):  # all late, the lowest score, but only four
        closed(make_case, other_department, on_time=False, rating="dissatisfied")
    rows = {r["slug"]: r for r in ranking()}
    police = rows["police"]
    assert (police["sample"], police["score"], police["verdict"]) == (
        selectors.MIN_SAMPLE - 1,
        0.0,
        "insufficient",
    )
    assert not police["below_floor"] and not police["is_worst"] and police["rank"] == 3
    assert str(police["verdict_label"]) == "样本不足"
    assert rows["court"]["verdict"] == "met" and str(rows["court"]["verdict_label"]) == "达标"
    # Of the departments judged, the third scores lowest: it is the worst, and below the on-time floor.
    assert rows["third"]["verdict"] == "below" and rows["third"]["is_worst"] and third_late


def test_cases_due_but_left_in_hand_count_towards_the_sample(make_case, department, other_department):
    """只接单、不办事 does not hide behind 样本不足: overdue cases in hand fell due too."""
    for _ in range(selectors.MIN_SAMPLE):
        closed(make_case, department, on_time=True)
        make_case(state=State.HANDLING, lead_department=other_department, due_by=at(2026, 10, 1))
    make_case(state=State.HANDLING, lead_department=other_department, due_by=at(2026, 10, 30))  # not yet due
    _court, police = ranking()
    assert police["sample"] == selectors.MIN_SAMPLE and police["verdict"] != "insufficient"
    assert police["is_worst"] and police["in_hand_on_time_rate"] == pytest.approx(1 / 6)
