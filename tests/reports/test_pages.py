"""The report pages end to end: who may see what, periods, "—" for no data, links, pinned query counts."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Evaluation, RiskColour, State
from supervision.models import Level

from ..factories import StaffFactory
from .conftest import NOW, at, evaluate, order

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reports.urls")]

# Ceilings: the reports' own queries (17 on the dashboard: seven grouped figure families, departments,
# the subtree's centers, weekly intake, breakdowns and four lists; 15 on the department report
# (its ranking reads whistle summonses too, and the viewer's center is checked),
# 16 on the monthly report with a callback round) plus the session, user, staff profile and whatever the
# shared layout's navigation asks (1–2, plus the menu's queue counts: 2 for a leader, and on the
# dashboard, the leader's start page, 1 more for the "today" panel's most urgent orders).
DASHBOARD_QUERIES = 25
DEPARTMENT_QUERIES = 22
MONTHLY_QUERIES = 23
LIST_QUERIES = 11


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def who(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


def get(client, user, url, **params):
    if user is not None:
        client.force_login(user)
    return client.get(url, params)


# --- Who may see what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("leader", 200),
        ("coordinator", 200),
        ("admin_user", 200),
        ("liaison", 403),
        ("reception", 403),
        ("anonymous", 302),
    ],
)
@pytest.mark.parametrize(
    "url_name", ["reports_dashboard", "reports_monthly", "reports_xlsx", "reports_ledger_csv"]
)
def test_center_reports_are_for_leaders_coordinators_and_admins(client, request, name, status, url_name):
    response = get(client, who(request, name), reverse(f"supervision:{url_name}"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "slug", "status"),
    [
        ("liaison", "court", 200),  # their own department
        ("liaison", "police", 403),  # another department
        ("other_liaison", "police", 200),
        ("leader", "police", 200),
        ("coordinator", "court", 200),
        ("reception", "court", 403),
        ("anonymous", "court", 302),
    ],
)
@pytest.mark.parametrize(
    "url_name", ["reports_department", "reports_department_xlsx", "reports_department_csv"]
)
def test_department_report_is_for_its_liaisons_and_the_center(
    client, request, department, other_department, name, slug, status, url_name
):
    response = get(client, who(request, name), reverse(f"supervision:{url_name}", args=[slug]))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("name", "status"), [("liaison", 403), ("reception", 403), ("leader", 200), ("coordinator", 200)]
)
def test_full_lists_are_for_the_center(client, request, name, status):
    response = get(client, who(request, name), reverse("supervision:reports_list", args=["leader-orders"]))
    assert response.status_code == status


def test_an_unknown_department_is_404(client, leader):
    assert get(client, leader, reverse("supervision:reports_department", args=["nowhere"])).status_code == 404


def test_mine_sends_each_role_to_its_report(client, liaison, leader, reception, department):
    response = get(client, liaison, reverse("supervision:reports_mine"))
    assert response["Location"] == reverse("supervision:reports_department", args=["court"])
    response = get(client, leader, reverse("supervision:reports_mine"))
    assert response["Location"] == reverse("supervision:reports_dashboard")
    assert get(client, reception, reverse("supervision:reports_mine")).status_code == 403


def test_a_liaison_without_a_department_record_is_refused(client, center):
    # The database forbids a liaison without a department; a profile edited to another role and back is not.
    user = StaffFactory(role="leader", center=center).user
    user.staff_profile.role = "liaison"
    assert get(client, user, reverse("supervision:reports_department", args=["x"])).status_code in (403, 404)


# --- Content --------------------------------------------------------------------------------------


def test_dashboard_without_data_shows_dashes_not_errors(client, leader):
    response = get(client, leader, reverse("supervision:reports_dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["period"].label == "2026年10月"
    figures = response.context["figures"]
    assert (
        figures["closure_rate"]
        == figures["acceptance_rate"]
        == figures["evaluation_satisfaction_rate"]
        == "—"
    )
    assert 'data-figure="closure_rate"><span class="value">—</span>' in body
    assert "口径说明" in body
    assert 'id="chart-data"' in body and "<canvas" in body
    assert "onclick" not in body and "<script>" not in body  # no inline scripts


def test_dashboard_figures_ranking_and_lists(
    client, leader, make_case, department, other_department, small_sample
):
    due = at(2026, 10, 15, 17)
    for day in (2, 3, 4, 5, 6):
        make_case(
            state=State.CLOSED,
            lead_department=department,
            due_by=due,
            submitted_at=at(2026, 10, day),
            closed_at=at(2026, 10, day),
        )
    for day in (16, 17):
        make_case(
            state=State.CLOSED,
            lead_department=other_department,
            due_by=due,
            submitted_at=at(2026, 10, day),
            closed_at=at(2026, 10, day),
        )
    red = make_case(
        state=State.HANDLING, risk_colour=RiskColour.RED, lead_department=department, due_by=at(2026, 10, 30)
    )
    problem = make_case(
        state=State.HANDLING, is_problem=True, lead_department=other_department, due_by=at(2026, 10, 1)
    )
    leader_order = order(problem, level=Level.LEADER)

    response = get(client, leader, reverse("supervision:reports_dashboard"))
    body = response.content.decode()
    assert response.context["figures"]["closure_rate"] == "71.4%"
    assert response.context["figures"]["received"] == 9
    ranking = response.context["ranking"]
    assert [r["slug"] for r in ranking] == ["court", "police"]
    assert ranking[1]["is_worst"] and ranking[1]["closure_rate"] == "0.0%"
    assert 'data-department="police" class="worst below"' in body
    assert (
        ranking[1]["score"] == 0.0 and '<td class="num score">0.0</td>' in body
    )  # a zero score is not "no data"
    for case in (red, problem):
        assert reverse("cases:detail", args=[case.code]) in body
    assert leader_order.number_display in body
    assert reverse("supervision:reports_department", args=["police"]) in body


def test_a_month_or_a_range_selects_the_period(client, leader, make_case):
    make_case(created=at(2026, 9, 10))
    make_case(created=at(2026, 9, 20))
    make_case(created=at(2026, 10, 2))
    response = get(client, leader, reverse("supervision:reports_dashboard"), month="2026-09")
    assert response.context["period"].label == "2026年9月"
    assert response.context["figures"]["received"] == 2
    response = get(
        client, leader, reverse("supervision:reports_dashboard"), **{"from": "2026-09-15", "to": "2026-10-05"}
    )
    assert response.context["period"].label == "2026-09-15 至 2026-10-05"
    assert response.context["figures"]["received"] == 2
    assert 'value="2026-09-15"' in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2026-13"},
        {"month": "abc"},
        {"from": "2026-10-05", "to": "2026-10-01"},
        {"from": "31/10/2026"},
    ],
)
def test_a_bad_period_is_explained_and_this_month_shown(client, leader, params):
    response = get(client, leader, reverse("supervision:reports_dashboard"), **params)
    assert response.status_code == 400
    assert response.context["period"].label == "2026年10月"
    assert 'id="period-errors"' in response.content.decode()
    assert get(client, leader, reverse("supervision:reports_xlsx"), **params).status_code == 400


def test_department_report_shows_its_own_figures_and_lists(
    client, liaison, make_case, department, other_department
):
    overdue = make_case(state=State.HANDLING, lead_department=department, due_by=at(2026, 10, 1))
    make_case(state=State.HANDLING, lead_department=other_department, due_by=at(2026, 10, 1))
    order(overdue)
    evaluate(
        make_case(state=State.EVALUATED, lead_department=department),
        "satisfied",
        at(2026, 10, 3),
        Evaluation.Channel.STAFF,
    )
    response = get(client, liaison, reverse("supervision:reports_department", args=["court"]))
    body = response.content.decode()
    assert response.context["figures"]["overdue"] == 1
    assert response.context["figures"]["evaluation_satisfaction_rate"] == "100.0%"
    assert response.context["standing"]["rank"] == 1
    assert list(response.context["overdue_cases"]) == [overdue]
    assert reverse("cases:detail", args=[overdue.code]) in body
    assert "县公安局" not in body


def test_full_lists_page_through_all_rows(client, leader, make_case, department):
    for i in range(55):
        make_case(
            state=State.HANDLING,
            risk_colour=RiskColour.RED,
            lead_department=department,
            due_by=at(2026, 11, 1) + dt.timedelta(hours=i),
        )
    response = get(client, leader, reverse("supervision:reports_list", args=["red"]))
    assert response.context["page"].paginator.count == 55
    assert len(response.context["page"].object_list) == 50
    assert (
        get(client, leader, reverse("supervision:reports_list", args=["red"]), page=2).context["page"].number
        == 2
    )
    assert get(client, leader, reverse("supervision:reports_list", args=["nope"])).status_code == 404


def test_monthly_report_page(client, coordinator, make_case, department):
    from .conftest import callback

    closed = make_case(
        state=State.EVALUATED, lead_department=department, closed_at=at(2026, 9, 28), created=at(2026, 9, 1)
    )
    callback(closed, status="done", rating="satisfied", completed=at(2026, 10, 3), month=dt.date(2026, 9, 1))
    callback(
        closed, status="done", rating="dissatisfied", completed=at(2026, 10, 4), month=dt.date(2026, 9, 1)
    )
    callback(closed, status="pending", month=dt.date(2026, 9, 1))
    red = make_case(state=State.HANDLING, risk_colour="red", lead_department=department)
    order(red, level=Level.LEADER)
    response = get(client, coordinator, reverse("supervision:reports_monthly"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "2026年10月督办工作月报" in body
    assert response.context["callback_round"]["done"] == 2
    assert response.context["callback_round"]["satisfaction_rate"] == "50.0%"
    assert len(response.context["callbacks"]) == 3
    assert response.context["notable_cases"] == [red]
    leader_row = next(r for r in response.context["orders_by_reason"] if r["reason"] == "deadline_missed")
    assert (leader_row["issued"], leader_row["leader"]) == (1, 1)
    assert "@media print" not in body  # print rules live in reports.css
    assert "css/reports.css" in body


def test_monthly_report_without_a_round_says_so(client, leader):
    response = get(client, leader, reverse("supervision:reports_monthly"), month="2026-10")
    assert "2026年9月 结案案件的回访尚未抽样" in response.content.decode()


# --- Query counts ---------------------------------------------------------------------------------


def populate(n, make_case, departments):
    states = [State.RECEIVED, State.ASSIGNED, State.HANDLING, State.SUPERVISED, State.CLOSED, State.EVALUATED]
    for i in range(n):
        department = departments[i % len(departments)]
        state = states[i % len(states)]
        case = make_case(
            created=at(2026, 10, 1 + i % 19, 9),
            state=state,
            lead_department=None if state == State.RECEIVED else department,
            risk_colour=["red", "yellow", "blue"][i % 3] if state != State.RECEIVED else "",
            is_problem=i % 7 == 0,
            accept_by=at(2026, 10, 10),
            accepted_at=at(2026, 10, 9) if state != State.ASSIGNED else None,
            due_by=at(2026, 10, 15),
            submitted_at=at(2026, 10, 14) if state in (State.CLOSED, State.EVALUATED) else None,
            closed_at=at(2026, 10, 16) if state in (State.CLOSED, State.EVALUATED) else None,
        )
        if state == State.EVALUATED:
            evaluate(case, "satisfied", at(2026, 10, 17))
        if i % 10 == 0 and case.lead_department_id:
            order(case, level=Level.LEADER if i % 20 == 0 else Level.ORDER)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_report_pages_run_a_constant_number_of_queries(
    client, leader, make_case, department, other_department
):
    """The same number of queries for 10 and 200 cases; the ceiling leaves room for the shared layout's own."""
    client.force_login(leader)
    pages = {
        reverse("supervision:reports_dashboard"): DASHBOARD_QUERIES,
        reverse("supervision:reports_department", args=["court"]): DEPARTMENT_QUERIES,
        reverse("supervision:reports_monthly"): MONTHLY_QUERIES,
        reverse("supervision:reports_list", args=["red"]): LIST_QUERIES,
    }
    populate(10, make_case, [department, other_department])
    for url in pages:  # warm up: the shared layout caches the center's name after its first request
        client.get(url)
    with_10 = {url: count_queries(client, url) for url in pages}
    populate(190, make_case, [department, other_department])
    with_200 = {url: count_queries(client, url) for url in pages}
    assert with_10 == with_200
    for url, ceiling in pages.items():
        assert with_200[url] <= ceiling, url


def test_the_figures_behind_a_page_take_fixed_queries(make_case, department, django_assert_num_queries):
    from supervision.models.reports import ReportThresholds
    from supervision.reports import selectors

    from .conftest import OCTOBER

    populate(30, make_case, [department])
    thresholds = ReportThresholds.current()
    with django_assert_num_queries(5):
        selectors.summary_figures(OCTOBER.start, OCTOBER.end, NOW)
    with django_assert_num_queries(5):
        selectors.department_figures(department, OCTOBER.start, OCTOBER.end, NOW)
    with django_assert_num_queries(7):
        selectors.department_ranking(OCTOBER.start, OCTOBER.end, NOW, thresholds=thresholds)
    with django_assert_num_queries(1):
        selectors.weekly_intake(last_day=NOW.date())
    with django_assert_num_queries(7):
        selectors.center_report(OCTOBER.start, OCTOBER.end, NOW, thresholds=thresholds)
    with django_assert_num_queries(1):
        selectors.breakdowns(OCTOBER.start, OCTOBER.end)
