"""The risk map by place: counts by colour per township, and per village/community and grid of one."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from departments.models import Place, Role
from risk import ledgers
from risk.services import risk_entry_from_case, risk_entry_from_lead

from ..factories import CenterFactory, StaffFactory
from .ledger_helpers import last_month, make_case, make_lead, set_created

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def period():
    return last_month()


@pytest.fixture
def other_county():
    return CenterFactory(code="420924", name="邻县综治中心")


@pytest.fixture
def world(center, township, other_township, village, grid, coordinator, other_county, period):
    start, end = period.start, period.end
    community = Place.objects.create(
        township=township, kind=Place.Kind.COMMUNITY, name="河东社区", code="420923101202"
    )
    # Leads: by proposed colour, placed by their township (and village/grid).
    watched_lead = make_lead(
        center=center, external_id="L1", occurred=start + DAY, colour="red", township=township
    )
    make_lead(
        center=center, external_id="L2", occurred=start + DAY, colour="yellow", township=township, place=grid
    )
    make_lead(center=center, external_id="L3", occurred=start + DAY, colour="blue", township=other_township)
    make_lead(center=center, external_id="L4", occurred=start + DAY, colour="")  # no place, not screened
    make_lead(
        center=center, external_id="L5", occurred=start - DAY, colour="red", township=township
    )  # before
    make_lead(center=other_county, external_id="L6", occurred=start + DAY, colour="red")  # another branch
    # Cases: by risk level (or the proposed one).
    grid_case = make_case(center=center, created=start + DAY, place=grid, risk_colour="red")
    make_case(center=center, created=start + DAY, place=village, risk_colour="blue")
    make_case(center=center, created=start + DAY, place=community, risk_colour="yellow")
    make_case(center=township, created=start + DAY, proposed_colour="yellow")  # no place: the township
    make_case(center=center, created=start + DAY, risk_colour="blue")  # no place at the county
    make_case(center=center, created=end + DAY, place=grid, risk_colour="red")  # after
    # Risk ledger lines: by colour, open during the period.
    set_created(risk_entry_from_lead(actor=coordinator, lead=watched_lead), start + DAY)
    set_created(risk_entry_from_case(actor=coordinator, case=grid_case, colour="yellow"), start + DAY)
    return {"community": community}


def _row(result, name):
    return next(row for row in result["rows"] if row["name"] == name)


def test_the_map_counts_per_township_by_colour(world, center, township, other_township, period):
    result = ledgers.risk_map(center=center, start=period.start, end=period.end)
    assert result["level"] == "townships"
    baihe = _row(result, "白河镇综治中心")
    assert baihe["figures"]["leads"] == {"red": 1, "yellow": 1, "blue": 0, "none": 0}
    assert baihe["figures"]["risks"] == {"red": 1, "yellow": 1, "blue": 0, "none": 0}
    assert baihe["figures"]["cases"] == {"red": 1, "yellow": 2, "blue": 1, "none": 0}
    assert baihe["colour"] == "red" and baihe["slug"] == township.slug
    qingshi = _row(result, "青石镇综治中心")
    assert qingshi["figures"]["leads"]["blue"] == 1 and qingshi["total"] == {
        "leads": 1,
        "risks": 0,
        "cases": 0,
    }
    assert qingshi["colour"] == "blue"
    unplaced = result["rows"][-1]
    assert unplaced["key"] is None
    assert unplaced["figures"]["leads"]["none"] == 1 and unplaced["figures"]["cases"]["blue"] == 1
    assert result["totals_total"] == {"leads": 4, "risks": 2, "cases": 5}


def test_the_map_of_a_township_per_village_and_grid(world, center, township, period):
    result = ledgers.risk_map(center=center, start=period.start, end=period.end, township=township)
    assert result["level"] == "places"
    assert [(row["name"], row["depth"]) for row in result["rows"]] == [
        ("白河村", 0),
        ("白河村第三网格", 1),
        ("河东社区", 0),
        ("", 0),
    ]
    village, grid, community, unplaced = result["rows"]
    # The village counts its grid's items too.
    assert grid["figures"]["leads"]["yellow"] == 1 and grid["figures"]["cases"]["red"] == 1
    assert grid["figures"]["risks"]["yellow"] == 1
    assert village["figures"]["cases"] == {"red": 1, "yellow": 0, "blue": 1, "none": 0}
    assert village["figures"]["leads"]["yellow"] == 1 and village["colour"] == "red"
    assert community["figures"]["cases"]["yellow"] == 1 and community["colour"] == "yellow"
    assert community["kind"] == "社区"
    # Placed in the township only: the red lead and its line, the township's unplaced case.
    assert unplaced["figures"]["leads"]["red"] == 1 and unplaced["figures"]["risks"]["red"] == 1
    assert unplaced["figures"]["cases"]["yellow"] == 1
    # Each item once in the totals, whatever the grid roll-up.
    assert result["totals_total"] == {"leads": 2, "risks": 2, "cases": 4}


@pytest.mark.parametrize("township_level", [False, True])
def test_the_map_takes_four_queries_whatever_the_places(
    world, center, township, period, django_assert_num_queries, township_level
):
    kwargs = {"township": township} if township_level else {}
    with django_assert_num_queries(4):
        ledgers.risk_map(center=center, start=period.start, end=period.end, **kwargs)
    village = Place.objects.get(name="白河村")
    for n in range(10):
        CenterFactory(code=f"4209232{n:02d}", name=f"新镇{n}", parent=center)
        Place.objects.create(
            township=township, parent=village, kind=Place.Kind.GRID, name=f"网格{n}", code=f"G{n}"
        )
        make_case(center=center, created=period.start + DAY, place=village, risk_colour="red")
    with django_assert_num_queries(4):
        result = ledgers.risk_map(center=center, start=period.start, end=period.end, **kwargs)
    assert len(result["rows"]) > 10


def _get(client, user, **params):
    client.force_login(user)
    return client.get(reverse("risk:risk_map"), params)


def test_a_leader_sees_the_map_table_and_chart_data(client, world, leader, township, period):
    response = _get(client, leader, month=period.month_param)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="chart-risk-map"' in body and "js/risk_map.js" in body
    assert f"township={township.slug}" in body
    chart = response.context["chart"]
    assert chart["labels"][:2] == ["白河镇综治中心", "青石镇综治中心"]
    assert len(chart["datasets"]) == 12  # three families × red, yellow, blue, unassessed
    cases_red = next(d for d in chart["datasets"] if d["stack"] == "cases" and d["colour"] == "red")
    assert cases_red["data"][0] == 1
    data = json.loads(body.split('id="risk-map-data" type="application/json">')[1].split("</script>")[0])
    assert data["labels"] == chart["labels"]
    assert "<script>" not in body  # no inline script (CSP)


def test_a_leader_drills_into_a_township(client, world, leader, township, period):
    response = _get(client, leader, month=period.month_param, township=township.slug)
    assert response.status_code == 200
    body = response.content.decode()
    assert "白河村第三网格" in body and "河东社区" in body
    assert response.context["chart"]["labels"][:2] == ["白河村", "　白河村第三网格"]


def test_a_township_leader_sees_its_own_places(client, world, township):
    township_leader = StaffFactory(role=Role.LEADER, center=township).user
    response = _get(client, township_leader, month=last_month().month_param)
    assert response.status_code == 200
    assert response.context["township"] == township
    assert response.context["result"]["level"] == "places"


def test_a_township_outside_the_subtree_is_not_found_and_other_roles_are_refused(
    client, world, leader, liaison, reception, other_county
):
    far = CenterFactory(code="420924101", name="邻县某镇", parent=other_county)
    assert _get(client, leader, township=far.slug).status_code == 404
    assert _get(client, leader, center=other_county.slug).status_code == 403
    assert _get(client, liaison).status_code == 403
    assert _get(client, reception).status_code == 403
