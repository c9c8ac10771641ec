"""Each figure of the reports against hand-built data, and the edge cases (no data → None)."""

import datetime as dt

import pytest

from cases.models import Evaluation, RiskColour, State
from supervision.models import Callback, Level, OrderStatus
from supervision.reports import selectors
from supervision.reports.present import percent, shown

from .conftest import NOW, OCTOBER, at, callback, evaluate, event, order

pytestmark = pytest.mark.django_db

HANDLING = State.HANDLING
CLOSED = State.CLOSED


def figures(department=None):
    return selectors.summary_figures(OCTOBER.start, OCTOBER.end, NOW, department=department)


def closed_case(make_case, department, *, due, submitted, closed, **fields):
    return make_case(
        state=fields.pop("state", CLOSED),
        lead_department=department,
        risk_colour=RiskColour.YELLOW,
        assigned_at=due - dt.timedelta(days=10),
        due_by=due,
        submitted_at=submitted,
        closed_at=closed,
        **fields,
    )


def test_no_data_gives_zero_counts_and_undefined_rates(db):
    f = figures()
    assert f["received"] == f["closed"] == f["open"] == f["overdue"] == f["orders_open"] == 0
    for key in (
        "acceptance_rate",
        "closure_rate",
        "rework_rate",
        "evaluation_satisfaction_rate",
        "evaluation_basic_satisfaction_rate",
        "callback_satisfaction_rate",
        "callback_basic_satisfaction_rate",
        "satisfaction_rate",
    ):
        assert f[key] is None, key
    assert shown(f)["closure_rate"] == "—"


def test_on_time_closure_seven_closed_five_on_time(make_case, department):
    due = at(2026, 10, 15, 17)
    # Five on time — one of them submitted in time though the center closed it after the deadline.
    for day in (10, 11, 12, 13):
        closed_case(
            make_case, department, due=due, submitted=at(2026, 10, day, 9), closed=at(2026, 10, day, 15)
        )
    closed_case(make_case, department, due=due, submitted=at(2026, 10, 15, 16), closed=at(2026, 10, 17, 10))
    # Two late.
    closed_case(make_case, department, due=due, submitted=at(2026, 10, 16, 9), closed=at(2026, 10, 16, 10))
    closed_case(
        make_case,
        department,
        due=due,
        submitted=at(2026, 10, 18, 9),
        closed=at(2026, 10, 19, 10),
        state=State.EVALUATED,
    )
    # Not counted: closed in September; reopened (closed_at cleared, handling again).
    closed_case(make_case, department, due=due, submitted=at(2026, 9, 20, 9), closed=at(2026, 9, 30, 23, 59))
    closed_case(make_case, department, due=due, submitted=at(2026, 10, 12, 9), closed=None, state=HANDLING)

    f = figures()
    assert (f["closed"], f["closure_due"], f["closed_on_time"]) == (7, 7, 5)
    assert f["closure_rate"] == pytest.approx(5 / 7)
    assert percent(f["closure_rate"]) == "71.4%"


def test_a_case_closed_without_a_submission_time_is_judged_by_its_closing_time(make_case, department):
    due = at(2026, 10, 15, 17)
    closed_case(make_case, department, due=due, submitted=None, closed=at(2026, 10, 15, 16))
    closed_case(make_case, department, due=due, submitted=None, closed=at(2026, 10, 15, 18))
    assert figures()["closure_rate"] == 0.5


def test_on_time_acceptance_counts_unaccepted_past_deadlines_as_late(make_case, department):
    def assigned(accept_by, accepted=None, state=HANDLING):
        return make_case(
            state=state,
            lead_department=department,
            risk_colour="blue",
            accept_by=accept_by,
            accepted_at=accepted,
        )

    assigned(at(2026, 10, 3, 17), at(2026, 10, 3, 9))  # on time
    assigned(at(2026, 10, 6, 17), at(2026, 10, 6, 17))  # on the deadline: on time
    assigned(at(2026, 10, 30, 17), at(2026, 10, 9, 9))  # on time, deadline still ahead
    assigned(at(2026, 10, 7, 17), at(2026, 10, 8, 9))  # late
    assigned(at(2026, 10, 10, 17), None, State.ASSIGNED)  # not accepted, deadline passed: late
    assigned(at(2026, 10, 25, 17), None, State.ASSIGNED)  # not accepted, deadline ahead: not yet due
    assigned(at(2026, 9, 29, 17), at(2026, 9, 29, 9))  # accepted in September
    assigned(at(2026, 9, 29, 17), None, State.ASSIGNED)  # its deadline passed in September

    f = figures()
    assert (f["accepted"], f["unaccepted_late"], f["acceptance_due"], f["accepted_on_time"]) == (4, 1, 5, 3)
    assert percent(f["acceptance_rate"]) == "60.0%"


def test_received_counts_the_period_in_the_center_time_zone(make_case):
    make_case(created=at(2026, 10, 1, 0, 0))  # first minute of October in Shanghai (16:00 UTC the day before)
    make_case(created=at(2026, 10, 31, 23, 59), state=State.REJECTED)
    make_case(created=at(2026, 9, 30, 23, 59))
    make_case(created=at(2026, 11, 1, 0, 0))
    assert figures()["received"] == 2


def test_rework_rate_counts_send_backs_and_reopenings(make_case, department):
    due = at(2026, 10, 30, 17)
    cases = [
        closed_case(make_case, department, due=due, submitted=at(2026, 10, d, 9), closed=at(2026, 10, d, 10))
        for d in range(2, 9)
    ]
    event(cases[0], "send_back", at(2026, 10, 1, 9))
    event(cases[0], "send_back", at(2026, 10, 1, 10))  # twice, still one case
    event(cases[1], "reopen", at(2026, 9, 1, 9))  # any time before counts
    event(cases[2], "create", at(2026, 10, 1, 9))
    event(cases[3], "return_to_center", at(2026, 10, 1, 9))
    f = figures()
    assert (f["reworked"], f["closed"]) == (2, 7)
    assert percent(f["rework_rate"]) == "28.6%"


def test_snapshot_figures_are_as_of_now(make_case, department):
    past, future = at(2026, 10, 19, 17), at(2026, 10, 21, 17)
    make_case(state=State.RECEIVED, proposed_colour=RiskColour.RED)  # proposed red, not yet assessed
    make_case(state=State.ASSIGNED, risk_colour=RiskColour.RED, lead_department=department, accept_by=past)
    make_case(
        state=State.HANDLING,
        risk_colour=RiskColour.BLUE,
        lead_department=department,
        due_by=past,
        is_problem=True,
    )
    make_case(
        state=State.SUPERVISED, risk_colour=RiskColour.YELLOW, lead_department=department, due_by=future
    )
    make_case(state=State.REVIEWING, risk_colour=RiskColour.RED, lead_department=department, due_by=past)
    make_case(state=State.CLOSED, risk_colour=RiskColour.RED, is_problem=True, closed_at=at(2026, 10, 2))
    make_case(state=State.WITHDRAWN, created=at(2025, 1, 1))
    f = figures()
    assert f["open"] == 5
    assert f["overdue"] == 2  # the assigned one past acceptance, the handling one past its due date
    assert f["in_hand"] == 3 and f["in_hand_on_time_rate"] == pytest.approx(1 / 3)
    assert f["red_open"] == 3
    assert f["problem_open"] == 1


def test_satisfaction_of_closing_evaluations_and_callbacks_separately(make_case, department):
    case = make_case(state=State.EVALUATED, lead_department=department)
    oct9 = at(2026, 10, 9, 10)
    for rating in ("satisfied", "satisfied", "satisfied"):
        evaluate(case, rating, oct9)
    evaluate(case, "basically_satisfied", oct9, Evaluation.Channel.STAFF)
    evaluate(case, "dissatisfied", oct9)
    evaluate(
        case, "satisfied", oct9, Evaluation.Channel.CALLBACK
    )  # the callback's copy: counted as a callback
    evaluate(case, "dissatisfied", at(2026, 9, 30, 23))  # September
    # October's round is called in November and counts for October (the month it covers) …
    oct1 = dt.date(2026, 10, 1)
    callback(case, status=Callback.Status.DONE, rating="satisfied", completed=at(2026, 11, 3, 10), month=oct1)
    callback(case, status=Callback.Status.DONE, rating="satisfied", completed=at(2026, 11, 4, 10), month=oct1)
    callback(
        case,
        status=Callback.Status.DONE,
        rating="basically_satisfied",
        completed=at(2026, 11, 5, 10),
        month=oct1,
    )
    callback(case, status=Callback.Status.UNREACHABLE, completed=at(2026, 11, 6, 10), month=oct1)
    callback(case, status=Callback.Status.PENDING, month=oct1)
    # … while September's round, called in October, does not.
    callback(case, status=Callback.Status.DONE, rating="dissatisfied", completed=at(2026, 10, 9, 10))

    f = figures()
    assert (f["evaluations"], f["evaluations_satisfied"], f["evaluations_basically_satisfied"]) == (5, 3, 1)
    assert percent(f["evaluation_satisfaction_rate"]) == "60.0%"
    assert percent(f["evaluation_basic_satisfaction_rate"]) == "80.0%"
    assert (f["callbacks"], f["callbacks_satisfied"]) == (3, 2)
    assert percent(f["callback_satisfaction_rate"]) == "66.7%"
    assert percent(f["callback_basic_satisfaction_rate"]) == "100.0%"
    assert f["ratings"] == 8
    assert f["satisfaction_rate"] == pytest.approx(5 / 8)


def test_supervision_orders_open_by_level_issued_and_verified(make_case, department, other_department):
    case = make_case(state=State.SUPERVISED, lead_department=department)
    order(case)
    order(case, respond_by=at(2026, 10, 19, 17))  # overdue answer
    order(case, level=Level.LEADER, status=OrderStatus.RESPONDED, respond_by=at(2026, 10, 19, 17))
    order(case, status=OrderStatus.VERIFIED, issued=at(2026, 9, 20), verified=at(2026, 10, 2))
    leader = order(case, level=Level.LEADER, issued=at(2026, 10, 12), department=other_department)
    order(case, status=OrderStatus.RAISED, issued=at(2026, 10, 9), raised_to=leader)
    order(case, status=OrderStatus.VERIFIED, issued=at(2026, 8, 1), verified=at(2026, 9, 1))

    f = figures()
    assert (f["orders_open"], f["orders_open_order"], f["orders_open_leader"]) == (4, 2, 2)
    assert f["orders_overdue"] == 1  # a responded order is not awaiting an answer
    assert (f["orders_issued"], f["orders_issued_leader"], f["orders_verified"]) == (5, 2, 1)
    d = figures(department=department)
    assert (d["orders_open"], d["orders_open_leader"], d["orders_issued"]) == (3, 1, 4)


def test_department_figures_count_only_cases_it_leads(make_case, department, other_department):
    make_case(state=HANDLING, lead_department=department, due_by=at(2026, 10, 1))
    make_case(state=HANDLING, lead_department=other_department, due_by=at(2026, 10, 1))
    make_case(state=State.RECEIVED)
    mine = selectors.department_figures(department, OCTOBER.start, OCTOBER.end, NOW)
    assert (mine["received"], mine["open"], mine["overdue"]) == (1, 1, 1)
    assert figures()["received"] == 3


def test_weekly_intake_has_twelve_weeks_ending_with_the_given_days_week(make_case):
    make_case(created=at(2026, 10, 19, 0, 0))  # Monday of the last week
    make_case(created=at(2026, 10, 25, 23, 59))  # its Sunday
    make_case(created=at(2026, 10, 18, 23, 59))  # the week before
    make_case(created=at(2026, 8, 3, 9))  # Monday of the first of the twelve weeks
    make_case(created=at(2026, 8, 2, 23))  # before it
    weeks = selectors.weekly_intake(last_day=dt.date(2026, 10, 20))
    assert len(weeks) == 12
    assert weeks[0] == {"week": dt.date(2026, 8, 3), "count": 1}
    assert weeks[-1] == {"week": dt.date(2026, 10, 19), "count": 2}
    assert weeks[-2]["count"] == 1
    assert sum(w["count"] for w in weeks) == 4


def test_breakdowns_by_category_source_and_colour(make_case):
    make_case(category="labour", source="hotline", risk_colour="red")
    make_case(category="labour", source="walk_in", risk_colour="", proposed_colour="yellow")
    make_case(category="neighbour", source="walk_in", risk_colour="")
    make_case(category="land", created=at(2026, 9, 1))
    b = selectors.breakdowns(OCTOBER.start, OCTOBER.end)
    by = {key: {row["key"]: row["count"] for row in rows} for key, rows in b.items()}
    assert by["category"]["labour"] == 2 and by["category"]["neighbour"] == 1 and by["category"]["land"] == 0
    assert by["source"] == {"walk_in": 2, "hotline": 1, "grid": 0, "police": 0, "online": 0, "upstream": 0}
    assert by["colour"] == {"red": 1, "yellow": 1, "blue": 0, "none": 1}
    assert [row["label"] for row in b["colour"]][:3] == ["红色", "黄色", "蓝色"]


def test_lists_hold_open_cases_only_most_urgent_first(make_case, department):
    later = make_case(state=HANDLING, risk_colour="red", lead_department=department, due_by=at(2026, 10, 30))
    sooner = make_case(
        state=State.ASSIGNED, risk_colour="red", lead_department=department, accept_by=at(2026, 10, 21)
    )
    make_case(state=CLOSED, risk_colour="red", closed_at=at(2026, 10, 2))
    problem = make_case(state=HANDLING, is_problem=True, lead_department=department, due_by=at(2026, 10, 1))
    assert list(selectors.red_open_cases()) == [sooner, later]
    assert list(selectors.problem_cases()) == [problem]
    assert list(selectors.overdue_cases(now=NOW)) == [problem]
    leader = order(later, level=Level.LEADER)
    order(later)
    order(later, level=Level.LEADER, status=OrderStatus.VERIFIED, verified=at(2026, 10, 9))
    assert list(selectors.leader_orders()) == [leader]


def test_notable_cases_and_the_ledger_cover_cases_received_or_closed_in_the_period(make_case, department):
    red = make_case(risk_colour="red", lead_department=department, state=HANDLING)
    make_case(risk_colour="blue", lead_department=department, state=HANDLING)
    old_closed = make_case(
        created=at(2026, 5, 1),
        state=CLOSED,
        closed_at=at(2026, 10, 3),
        is_problem=True,
        lead_department=department,
    )
    make_case(
        created=at(2026, 5, 1), state=State.HANDLING, risk_colour="red"
    )  # neither received nor closed in October
    supervised = make_case(state=HANDLING, lead_department=department)
    order(supervised, level=Level.LEADER)
    escalated = make_case(state=State.ESCALATED)
    notable = list(selectors.notable_cases(OCTOBER.start, OCTOBER.end))
    assert notable[0] == old_closed  # problem cases first, then leader-level supervision
    assert notable[1] == supervised
    assert set(notable) == {red, old_closed, supervised, escalated}
    ledger = list(selectors.ledger_rows(OCTOBER.start, OCTOBER.end, chunk_size=2))
    assert len(ledger) == 5
    assert ledger[0][0] == old_closed.code  # oldest first


def test_the_figures_keep_the_keys_the_api_publishes(db):
    """/api/v1/reports/… serialise these keys: renaming one is an API change."""
    counts = {
        "received", "closed", "closure_due", "closed_on_time", "accepted", "accepted_on_time", "unaccepted_late",
        "acceptance_due", "open", "in_hand", "overdue", "red_open", "problem_open", "reworked", "evaluations",
        "evaluations_satisfied", "evaluations_basically_satisfied", "evaluations_dissatisfied", "callbacks",
        "callbacks_satisfied", "callbacks_basically_satisfied", "callbacks_dissatisfied", "ratings", "orders_open",
        "orders_open_order", "orders_open_leader", "orders_overdue", "orders_issued", "orders_issued_leader",
        "orders_verified",
    }  # fmt: skip
    rates = {
        "acceptance_rate", "closure_rate", "rework_rate", "in_hand_on_time_rate", "evaluation_satisfaction_rate",
        "evaluation_basic_satisfaction_rate", "callback_satisfaction_rate", "callback_basic_satisfaction_rate",
        "satisfaction_rate",
    }  # fmt: skip
    f = figures()
    assert set(f) == counts | rates
    assert all(isinstance(f[k], int) for k in counts)
