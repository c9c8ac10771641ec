"""Reports that roll up: a center's figures cover its subtree, its child centers compare side by side.

A hand-built city (two counties, three townships) with cases at every level, reports up
(Referral rows) and whistles answered on time, late and not at all (Whistle/WhistleSummons rows),
all written directly with exact dates: the figures are checked against counts made by hand.
"""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import Case, Referral, ReferralKind, ReferralStatus, State, Whistle, WhistleSummons
from departments.models import Center, Level, Role
from supervision.models.reports import ReportThresholds
from supervision.reports import selectors

from ..factories import CaseFactory, DepartmentFactory, StaffFactory
from .conftest import NOW, OCTOBER, at

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reports.urls")]

COUNTS = (
    "received",
    "closed",
    "closure_due",
    "closed_on_time",
    "open",
    "overdue",
    "red_open",
    "problem_open",
    "reported_up",
    "whistle_summoned",
    "whistle_on_time",
    "whistle_late",
)


def _center(code, name, level, parent=None, slug=None):
    return Center.objects.create(code=code, name=name, level=level, parent=parent, slug=slug or f"c{code}")


def _case(center, *, created=None, **fields):
    created = created or at(2026, 10, 5, 9)
    case = CaseFactory(center=center, intake_center=center, **fields)
    Case.objects.filter(pk=case.pk).update(created_at=created)
    return case


def _closed(center, department=None, *, on_time=True):
    due = at(2026, 10, 15, 17)
    finished = due - dt.timedelta(hours=1) if on_time else due + dt.timedelta(hours=1)
    return _case(
        center,
        state=State.CLOSED,
        lead_department=department,
        due_by=due,
        submitted_at=finished,
        closed_at=finished,
    )


def _report_up(case, from_center, to_center, when):
    referral = Referral.objects.create(
        case=case,
        kind=ReferralKind.UP,
        status=ReferralStatus.ACCEPTED,
        from_center=from_center,
        to_center=to_center,
        reason="超出本级职权",
    )
    Referral.objects.filter(pk=referral.pk).update(created_at=when)


def _whistle(case, center, blown_at, answers):
    """answers: [(department, respond_by, reported_at or None)]."""
    whistle = Whistle.objects.create(
        case=case, center=center, urgency="normal", hours=24, reason="需要部门到场", blown_at=blown_at
    )
    for department, respond_by, reported_at in answers:
        WhistleSummons.objects.create(
            whistle=whistle,
            department=department,
            respond_by=respond_by,
            status=WhistleSummons.Status.REPORTED if reported_at else WhistleSummons.Status.WAITING,
            reported_at=reported_at,
        )
    return whistle


@pytest.fixture
def tree():
    """孝感-like city 420900; county A (420923) with townships a1, a2; county B (420981) with b1."""
    t = {}
    t["city"] = _center("420900", "孝感市综治中心", Level.CITY, slug="city")
    t["a"] = _center("420923", "云梦县综治中心", Level.COUNTY, t["city"], slug="yunmeng")
    t["b"] = _center("420981", "应城市综治中心", Level.COUNTY, t["city"], slug="yingcheng")
    t["a1"] = _center("420923100", "城关镇综治中心", Level.TOWNSHIP, t["a"], slug="chengguan")
    t["a2"] = _center("420923101", "义堂镇综治中心", Level.TOWNSHIP, t["a"], slug="yitang")
    t["b1"] = _center("420981100", "城中街道综治中心", Level.TOWNSHIP, t["b"], slug="chengzhong")
    t["housing"] = DepartmentFactory(center=t["a"], slug="a-housing", name="云梦县住建局", short_name="住建")
    t["police"] = DepartmentFactory(center=t["a"], slug="a-police", name="云梦县公安局", short_name="公安")
    t["b_court"] = DepartmentFactory(center=t["b"], slug="b-court", name="应城市法院", short_name="法院")
    t["a1_office"] = DepartmentFactory(
        center=t["a1"], slug="a1-sifa", name="城关镇司法所", short_name="司法所"
    )
    t["city_dept"] = DepartmentFactory(
        center=t["city"], slug="city-petition", name="市信访局", short_name="信访"
    )
    return t


@pytest.fixture
def world(tree):
    """Cases, reports up and whistles of October (NOW = 20 October)."""
    t = tree
    # a1: closed on time, handling and overdue, open red.
    t["a1_closed"] = _closed(t["a1"], t["a1_office"], on_time=True)
    t["a1_overdue"] = _case(
        t["a1"], state=State.HANDLING, lead_department=t["housing"], due_by=at(2026, 10, 12)
    )
    t["a1_red"] = _case(t["a1"], state=State.ASSESSING, risk_colour="red")
    # a2: closed late; one received in September (not this period's intake).
    _closed(t["a2"], t["police"], on_time=False)
    _case(t["a2"], created=at(2026, 9, 20), state=State.RECEIVED)
    # The county A itself: one it took on from a1 (reported up), handling in time.
    t["a_own"] = _case(t["a"], state=State.HANDLING, lead_department=t["police"], due_by=at(2026, 10, 30))
    # B: b1 one closed on time, county B one red open.
    _closed(t["b1"], t["b_court"], on_time=True)
    t["b_red"] = _case(t["b"], state=State.HANDLING, risk_colour="red", due_by=at(2026, 10, 30))
    # The city itself.
    _case(t["city"], state=State.RECEIVED)
    # Reports up: a1 → A (Oct 6), A → city (Oct 7), b1 → B in September (outside).
    _report_up(t["a_own"], t["a1"], t["a"], at(2026, 10, 6, 9))
    _report_up(t["a_own"], t["a"], t["city"], at(2026, 10, 7, 9))
    _report_up(t["b_red"], t["b1"], t["b"], at(2026, 9, 28, 9))
    # Whistles: a1 summons housing (late) and police (on time); a2 summons housing (no answer, past due);
    # b1 summons the B court (on time).
    _whistle(
        t["a1_overdue"],
        t["a1"],
        at(2026, 10, 8, 9),
        [
            (t["housing"], at(2026, 10, 8, 11), at(2026, 10, 8, 14)),
            (t["police"], at(2026, 10, 8, 11), at(2026, 10, 8, 10)),
        ],
    )
    _whistle(t["a1_red"], t["a2"], at(2026, 10, 9, 9), [(t["housing"], at(2026, 10, 10, 9), None)])
    _whistle(
        t["b_red"], t["b1"], at(2026, 10, 9, 9), [(t["b_court"], at(2026, 10, 9, 11), at(2026, 10, 9, 10))]
    )
    return t


def report(center, thresholds=None):
    return selectors.network_report(
        OCTOBER.start, OCTOBER.end, NOW, thresholds=thresholds or ReportThresholds.current(), centers=center
    )


def rows_by_slug(center):
    return {row["center"].slug: row for row in report(center)["children"]}


def pick(row):
    return {key: row[key] for key in COUNTS}


def test_the_city_figures_are_the_sums_of_its_own_and_its_counties(world):
    city = report(world["city"])
    a, b = report(world["a"]), report(world["b"])
    own = rows_by_slug(world["city"])["city"]
    for key in COUNTS:
        assert city["figures"][key] == own[key] + a["figures"][key] + b["figures"][key], key
    # And each county's row in the city's table is that county's own dashboard total.
    rows = rows_by_slug(world["city"])
    assert pick(rows["yunmeng"]) == pick(a["figures"])
    assert pick(rows["yingcheng"]) == pick(b["figures"])
    # The rows add up to the center's figures.
    for key in COUNTS:
        assert sum(row[key] for row in city["children"]) == city["figures"][key], key


def test_child_rows_of_a_hand_built_tree(world):
    rows = rows_by_slug(world["city"])
    assert list(rows) == ["city", "yunmeng", "yingcheng"]  # own first, children in code order
    a = rows["yunmeng"]
    assert (a["received"], a["closed"], a["closed_on_time"], a["closure_due"]) == (5, 2, 1, 2)
    assert (a["open"], a["overdue"], a["red_open"]) == (4, 1, 1)
    # Two reports up from A's subtree in October (a1 → A and A → city); B's was in September.
    assert a["reported_up"] == 2 and rows["yingcheng"]["reported_up"] == 0
    # Whistles blown by A's townships: housing late, housing never answered, police on time.
    assert (a["whistle_summoned"], a["whistle_on_time"], a["whistle_late"]) == (3, 1, 2)
    b = rows["yingcheng"]
    assert (b["received"], b["closed"], b["red_open"], b["whistle_late"], b["whistle_on_time"]) == (
        2,
        1,
        1,
        0,
        1,
    )
    own = rows["city"]
    assert (own["received"], own["reported_up"], own["whistle_summoned"]) == (1, 0, 0)

    township_rows = rows_by_slug(world["a"])
    assert list(township_rows) == ["yunmeng", "chengguan", "yitang"]
    a1, a2, county = township_rows["chengguan"], township_rows["yitang"], township_rows["yunmeng"]
    assert (a1["received"], a1["closed"], a1["overdue"], a1["red_open"], a1["reported_up"]) == (3, 1, 1, 1, 1)
    assert (a1["whistle_summoned"], a1["whistle_late"]) == (2, 1)
    assert (a2["received"], a2["closed"], a2["closed_on_time"], a2["whistle_late"]) == (1, 1, 0, 1)
    assert (county["received"], county["reported_up"], county["open"]) == (1, 1, 1)
    assert a1["closure_rate"] == 1.0 and a2["closure_rate"] == 0.0


def test_a_county_never_counts_the_other_countys_cases(world):
    a = report(world["a"])
    assert a["figures"]["received"] == 5
    assert a["figures"]["red_open"] == 1  # a1's; B's red case is not A's
    assert {row["center"].slug for row in a["children"]} == {"yunmeng", "chengguan", "yitang"}
    codes = {c.code for c in selectors.red_open_cases(centers=world["a"])}
    assert codes == {world["a1_red"].code}
    assert world["b_red"].code not in {c.code for c in selectors.overdue_cases(now=NOW, centers=world["a"])}
    ledger = {row[0] for row in selectors.ledger_rows(OCTOBER.start, OCTOBER.end, centers=world["a"])}
    assert world["b_red"].code not in ledger and world["a1_red"].code in ledger


def test_the_ranking_has_whistle_columns_and_only_the_levels_departments(world):
    ranking = report(world["a"])["ranking"]
    assert {row["slug"] for row in ranking} == {"a-housing", "a-police"}  # not a1's office, not B's court
    by = {row["slug"]: row for row in ranking}
    housing, police = by["a-housing"], by["a-police"]
    assert (housing["whistle_summoned"], housing["whistle_on_time"], housing["whistle_late"]) == (2, 0, 2)
    assert (police["whistle_summoned"], police["whistle_on_time"], police["whistle_late"]) == (1, 1, 0)
    assert housing["whistle_rate"] == 0.0 and police["whistle_rate"] == 1.0
    # Late or missing answers lower the score: housing's rates are its overdue case (0) and its whistles (0).
    assert housing["score"] == 0.0
    row = dict(housing, whistle_rate=None)
    assert selectors.score_of(row) == 0.0  # in hand on time 0/1
    assert selectors.score_of(dict(police, whistle_rate=0.0)) < police["score"]
    city_ranking = report(world["city"])["ranking"]
    assert [row["slug"] for row in city_ranking] == ["city-petition"]


def test_the_query_count_does_not_grow_with_the_children(world, django_assert_num_queries):
    thresholds = ReportThresholds.current()
    # 7 grouped families + departments + the subtree's centers.
    with django_assert_num_queries(9):
        report(world["a"], thresholds)
    for i in range(4):
        township = _center(f"42092310{i + 2}", f"新镇{i}", Level.TOWNSHIP, world["a"])
        _case(township, state=State.HANDLING, risk_colour="red")
        _whistle(
            Case.objects.filter(center=township).first(),
            township,
            at(2026, 10, 9, 9),
            [(world["housing"], at(2026, 10, 9, 11), None)],
        )
    with django_assert_num_queries(9):
        rows = report(world["a"], thresholds)["children"]
    assert len(rows) == 7


# --- Pages ------------------------------------------------------------------------------------------


def staff(center, role=Role.LEADER):
    return StaffFactory(role=role, center=center).user


def dashboard(client, user, **params):
    client.force_login(user)
    return client.get(reverse("supervision:reports_dashboard"), {"month": "2026-10", **params})


@pytest.fixture
def at_now(clock):
    clock.move_to(NOW)


def test_the_city_dashboard_compares_its_counties_and_links_to_theirs(client, world, at_now):
    response = dashboard(client, staff(world["city"]))
    assert response.status_code == 200
    children = response.context["children"]
    assert [row["slug"] for row in children] == ["city", "yunmeng", "yingcheng"]
    assert children[0]["url"] is None
    assert children[1]["url"].endswith("&center=yunmeng")
    html = response.content.decode()
    assert "下级中心对比" in html and 'href="' + children[1]["url"].replace("&", "&amp;") + '"' in html
    assert response.context["figures"]["received"] == 8
    total = [
        cell.strip() for cell in html.split('<tr class="total">')[1].split("</tr>")[0].split("</td>")[:-1]
    ]
    assert total[0].endswith(">8") and total[-1].endswith(">2")  # received; whistles answered late


def test_drill_down_from_the_city_to_a_township_and_its_cases(client, world, at_now):
    response = dashboard(client, staff(world["city"]), center="chengguan")
    assert response.status_code == 200
    assert [c.slug for c in response.context["breadcrumbs"]] == ["city", "yunmeng", "chengguan"]
    assert response.context["figures"]["received"] == 3
    red = response.context["red_cases"]
    assert [c.code for c in red] == [world["a1_red"].code]
    assert red[0].url == reverse("cases:detail", args=[world["a1_red"].code])
    overdue = response.context["overdue_cases"]
    assert [c.code for c in overdue] == [world["a1_overdue"].code]
    assert red[0].url in response.content.decode()


def test_drill_down_is_refused_outside_the_subtree(client, world, at_now):
    county_leader = staff(world["a"])
    assert dashboard(client, county_leader, center="chengguan").status_code == 200
    assert dashboard(client, county_leader, center="yingcheng").status_code == 403
    assert dashboard(client, county_leader, center="chengzhong").status_code == 403
    assert dashboard(client, county_leader, center="city").status_code == 403
    assert dashboard(client, county_leader, center="no-such-center").status_code == 404
    township_coordinator = staff(world["a1"], Role.COORDINATOR)
    assert dashboard(client, township_coordinator, center="yunmeng").status_code == 403
    assert dashboard(client, township_coordinator, center="yitang").status_code == 403
    # The other pages honour the same choice.
    client.force_login(county_leader)
    for name in ("supervision:reports_monthly", "supervision:reports_xlsx", "supervision:reports_ledger_csv"):
        assert client.get(reverse(name), {"month": "2026-10", "center": "yingcheng"}).status_code == 403
    url = reverse("supervision:reports_list", args=["red"])
    assert client.get(url, {"center": "yingcheng"}).status_code == 403
    # A county leader may not open the other county's department report either.
    assert client.get(reverse("supervision:reports_department", args=["b-court"])).status_code == 403


def test_a_countys_dashboard_never_shows_the_other_county(client, world, at_now):
    response = dashboard(client, staff(world["a"]))
    assert response.status_code == 200
    assert response.context["figures"]["received"] == 5
    html = response.content.decode()
    assert world["b_red"].code_display not in html and "应城" not in html


def test_the_monthly_report_and_its_workbook_carry_the_child_centers(client, world, at_now):
    client.force_login(staff(world["city"]))
    response = client.get(reverse("supervision:reports_monthly"), {"month": "2026-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "下级中心对比" in html and "被吹哨次数" in html and "超时/未报到" in html
    response = client.get(reverse("supervision:reports_xlsx"), {"month": "2026-10", "center": "yunmeng"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "下级中心对比" in book.sheetnames
    sheet = [list(r) for r in book["下级中心对比"].iter_rows(values_only=True)]
    assert sheet[0][0] == "中心" and sheet[0][-1] == "吹哨超时/未报到"
    assert [r[0] for r in sheet[1:]] == ["本级", "城关镇综治中心", "义堂镇综治中心"]
    assert [r[1] for r in sheet[1:]] == [1, 3, 1]  # received
    assert [r[-1] for r in sheet[1:]] == [0, 1, 1]  # whistles answered late
    figures = {r[0]: r[1] for r in book["主要指标"].iter_rows(values_only=True)}
    assert (figures["本期受理"], figures["上报"], figures["吹哨超时/未报到"]) == (5, 2, 2)
    ranking = [list(r) for r in book["部门考评"].iter_rows(values_only=True)]
    assert {"被吹哨次数", "按时报到", "超时/未报到"} <= set(ranking[0])
    assert {r[1] for r in ranking[1:]} == {"云梦县住建局", "云梦县公安局"}


def test_a_township_workbook_has_no_child_sheet(client, world, at_now):
    client.force_login(staff(world["a1"]))
    response = client.get(reverse("supervision:reports_xlsx"), {"month": "2026-10"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "下级中心对比" not in book.sheetnames


def test_the_city_dashboard_runs_the_same_queries_for_more_children(client, world, at_now):
    user = staff(world["city"])
    dashboard(client, user)  # warm the layout's caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        dashboard(client, user)
    for i in range(3):
        county = _center(f"42098{i + 2}", f"新县{i}", Level.COUNTY, world["city"])
        township = _center(f"42098{i + 2}100", f"新县{i}镇", Level.TOWNSHIP, county)
        _case(township, state=State.HANDLING, risk_colour="red", due_by=at(2026, 10, 12))
    with CaptureQueriesContext(connection) as after:
        response = dashboard(client, user)
    assert len(response.context["children"]) == 6
    assert len(after) == len(before)


# --- The API reads the same scope (parity with the pages) ---------------------------------------


def api_get(user, path, **params):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client.get(f"/api/v1/{path}", params)


def test_the_api_summary_is_the_county_dashboards_figures(client, world, at_now):
    leader = staff(world["a"])
    page = dashboard(client, leader).context["figures"]
    response = api_get(leader, "reports/summary/", month="2026-10")
    assert response.status_code == 200
    api = response.json()
    for key in ("received", "closed", "open", "overdue", "red_open"):
        assert api[key] == page[key], key
    assert api["received"] == 5  # county A's subtree, not the city's 8


def test_the_api_refuses_the_other_countys_department(world, at_now):
    leader = staff(world["a"])
    assert api_get(leader, "reports/departments/a-housing/", month="2026-10").status_code == 200
    assert api_get(leader, "reports/departments/b-court/", month="2026-10").status_code == 403
    assert api_get(staff(world["city"]), "reports/departments/b-court/", month="2026-10").status_code == 200
