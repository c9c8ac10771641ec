"""The two ledgers (两本台账): their rows, their scope, their pages, their xlsx, who may read them."""

import datetime as dt
import io
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AccessLogEntry
from departments.models import Role
from risk import ledgers
from risk.services import risk_entry_from_case, risk_entry_from_lead

from ..factories import CenterFactory, StaffFactory
from .ledger_helpers import last_month, make_case, make_lead, make_record, set_created

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def period():
    return last_month()


@pytest.fixture
def other_county():
    return CenterFactory(code="420924", name="邻县综治中心")


@pytest.fixture
def world(center, township, other_township, village, grid, department, other_county, coordinator, period):
    """Cases in and out of the period and the subtree, a watched lead's line and a case-marked line."""
    start, end = period.start, period.end
    red = make_case(
        center=center, created=start + 2 * HOUR, place=grid, risk_colour="red", lead_department=department,
        title="工地讨薪", description="二十余名工人讨要工资", people_count=23,
    )  # fmt: skip
    make_record(red, "走访当事人", start + 3 * HOUR)
    make_record(red, "组织劳资双方调解", start + 5 * HOUR)
    proposed = make_case(
        center=township, created=start + 3 * DAY, proposed_colour="yellow", result="达成调解协议",
        state="closed", closed_at=start + 4 * DAY, title="邻里漏水",
    )  # fmt: skip
    last_second = make_case(center=center, created=end - dt.timedelta(seconds=1), risk_colour="blue")
    before = make_case(center=center, created=start - HOUR, risk_colour="red", title="上月之前")
    after = make_case(center=center, created=end, risk_colour="red", title="下月")
    elsewhere = make_case(center=other_county, created=start + DAY, risk_colour="red", title="邻县")

    lead = make_lead(
        center=center, external_id="P-1", occurred=start + DAY, colour="red", township=township, place=village
    )
    watched = set_created(
        risk_entry_from_lead(actor=coordinator, lead=lead, measures="每日走访", review_on=period.last, department=department),
        start + DAY,
    )  # fmt: skip
    marked = set_created(
        risk_entry_from_case(actor=coordinator, case=red, measures="专班化解", colour="yellow"),
        start + 2 * DAY,
    )
    gone = set_created(
        risk_entry_from_lead(
            actor=coordinator, lead=make_lead(center=center, external_id="P-2", occurred=start - 20 * DAY)
        ),
        start - 10 * DAY,
        resolved=start - DAY,
    )
    resolved_in = set_created(
        risk_entry_from_lead(
            actor=coordinator, lead=make_lead(center=center, external_id="P-3", occurred=start - 20 * DAY)
        ),
        start - 10 * DAY,
        resolved=start + DAY,
    )
    later = set_created(
        risk_entry_from_lead(
            actor=coordinator, lead=make_lead(center=center, external_id="P-4", occurred=end)
        ),
        end + HOUR,
    )
    return locals()


# --- The dispute ledger ---------------------------------------------------------------------------


def test_the_dispute_ledger_holds_the_cases_taken_in_during_the_period_red_first(world, center, period):
    rows = list(ledgers.dispute_ledger(center=center, start=period.start, end=period.end))
    codes = [row["code"] for row in rows]
    assert codes == [world["red"].code, world["proposed"].code, world["last_second"].code]
    for case in ("before", "after", "elsewhere"):
        assert world[case].code not in codes


def test_a_dispute_row_carries_state_level_place_department_and_measures(world, center, period):
    red, proposed = list(ledgers.dispute_ledger(center=center, start=period.start, end=period.end))[:2]
    assert red["level"] == "red"
    assert red["state"] == "received"
    assert (red["township_name"], red["village_name"], red["grid_name"]) == (
        "白河镇综治中心",
        "白河村",
        "白河村第三网格",
    )
    assert red["department_name"] == "县人民法院"
    assert red["measures"] == "组织劳资双方调解"  # the latest record
    assert red["people_count"] == 23
    assert red["summary"] == "二十余名工人讨要工资"
    # Not assessed yet: the proposed colour; no place: the township center that holds it.
    assert (proposed["level"], proposed["risk_colour"]) == ("yellow", "")
    assert proposed["township_name"] == "白河镇综治中心"
    assert proposed["village_name"] is None or proposed["village_name"] == ""
    assert proposed["measures"] == "达成调解协议"  # the result wins over records
    assert proposed["closed_at"] == world["proposed"].closed_at


def test_the_dispute_ledger_of_a_township_is_its_subtree_only(world, township, period):
    rows = list(ledgers.dispute_ledger(center=township, start=period.start, end=period.end))
    assert [row["code"] for row in rows] == [world["proposed"].code]


def test_a_case_taken_in_at_a_township_and_reported_up_stays_on_the_townships_ledger(
    world, center, township, period
):
    from cases.models import Case

    Case.objects.filter(pk=world["proposed"].pk).update(center=center, intake_center=township)
    rows = list(ledgers.dispute_ledger(center=township, start=period.start, end=period.end))
    assert [row["code"] for row in rows] == [world["proposed"].code]


def test_dispute_totals(world, center, period):
    totals = ledgers.dispute_totals(center=center, start=period.start, end=period.end)
    assert (totals["total"], totals["red"], totals["yellow"], totals["blue"], totals["none"]) == (
        3,
        1,
        1,
        1,
        0,
    )
    assert (totals["open"], totals["finished"]) == (2, 1)


# --- The risk ledger ------------------------------------------------------------------------------


def test_the_risk_ledger_holds_the_lines_open_during_the_period(world, center, period):
    rows = list(ledgers.risk_ledger(center=center, start=period.start, end=period.end))
    ids = [row["id"] for row in rows]
    # Red first, then yellow, then by registration time.
    assert ids == [world["watched"].pk, world["marked"].pk, world["resolved_in"].pk]
    assert world["gone"].pk not in ids  # resolved before the period
    assert world["later"].pk not in ids  # registered after it


def test_a_watched_leads_line_and_a_case_marked_line_have_their_fields(world, center, period):
    rows = {row["id"]: row for row in ledgers.risk_ledger(center=center, start=period.start, end=period.end)}
    watched = rows[world["watched"].pk]
    assert (watched["colour"], watched["state"], watched["measures"]) == ("red", "open", "每日走访")
    assert (watched["lead_feed"], watched["lead_external_id"], watched["case_code"]) == ("police", "P-1", "")
    assert (watched["township_name"], watched["village_name"], watched["grid_name"]) == (
        "白河镇综治中心",
        "白河村",
        "",
    )
    assert watched["department_name"] == "县人民法院"
    assert watched["review_on"] == period.last
    marked = rows[world["marked"].pk]
    assert (marked["colour"], marked["case_code"], marked["lead_id"]) == ("yellow", world["red"].code, None)
    assert marked["department_name"] == "县人民法院"  # the case's lead department
    assert (marked["village_name"], marked["grid_name"]) == ("白河村", "白河村第三网格")
    assert marked["measures"] == "专班化解"
    assert rows[world["resolved_in"].pk]["state"] == "resolved"


def test_the_risk_ledger_by_state_and_by_subtree(world, center, township, period):
    open_rows = ledgers.risk_ledger(center=center, start=period.start, end=period.end, state="open")
    assert {row["id"] for row in open_rows} == {world["watched"].pk, world["marked"].pk}
    assert list(ledgers.risk_ledger(center=township, start=period.start, end=period.end)) == []
    totals = ledgers.risk_totals(center=center, start=period.start, end=period.end)
    assert (totals["total"], totals["red"], totals["yellow"], totals["open"], totals["resolved"]) == (
        3,
        1,
        1,
        2,
        1,
    )


# --- Pages ----------------------------------------------------------------------------------------


def _get(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(name), params)


@pytest.mark.parametrize("name", ["risk:ledger_disputes", "risk:ledger_risks"])
def test_a_leader_reads_the_ledgers(client, world, leader, period, name):
    response = _get(client, leader, name, month=period.month_param)
    assert response.status_code == 200
    body = response.content.decode()
    if name == "risk:ledger_disputes":
        assert "测试县综治中心矛盾纠纷排查化解台账（" in body
        assert (
            "工地讨薪" in body
            and "组织劳资双方调解" in body
            and "上月之前" not in body
            and "邻县" not in body
        )
        assert "白河镇/白河村/白河村第三网格" in body
    else:
        assert "测试县综治中心风险隐患台账（" in body
        assert "警情 P-1" in body and "每日走访" in body and "专班化解" in body
        assert f'id="entry-{world["gone"].pk}"' not in body


def test_the_ledgers_show_no_party_names(client, world, leader, period):
    from ..factories import PartyFactory

    PartyFactory(case=world["red"], name="王大锤", phone="13900002222")
    for name in ("risk:ledger_disputes", "risk:ledger_risks"):
        body = _get(client, leader, name, month=period.month_param).content.decode()
        assert "王大锤" not in body and "13900002222" not in body


@pytest.mark.parametrize("who", ["liaison", "reception", "admin_user"])
@pytest.mark.parametrize(
    "name", ["risk:ledger_disputes", "risk:ledger_risks", "risk:risk_map", "risk:ledger_disputes_xlsx"]
)
def test_other_roles_are_refused(client, request, who, name):
    assert _get(client, request.getfixturevalue(who), name).status_code == 403


def test_anonymous_goes_to_log_in(client):
    response = client.get(reverse("risk:ledger_disputes"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_branch_is_refused_and_an_unknown_center_is_not_found(client, world, center, other_county):
    stranger = StaffFactory(role=Role.LEADER, center=other_county).user
    assert _get(client, stranger, "risk:ledger_disputes", center=center.slug).status_code == 403
    assert _get(client, stranger, "risk:ledger_risks", center=center.slug).status_code == 403
    assert _get(client, stranger, "risk:ledger_risks_xlsx", center=center.slug).status_code == 403
    assert _get(client, stranger, "risk:ledger_disputes", center="nowhere").status_code == 404
    # Their own ledger holds their own county's case only.
    body = _get(client, stranger, "risk:ledger_disputes", month=last_month().month_param).content.decode()
    assert "邻县" in body and "工地讨薪" not in body


def test_a_township_reads_its_own_ledger_not_its_countys(client, world, township, center, period):
    township_leader = StaffFactory(role=Role.LEADER, center=township).user
    body = _get(client, township_leader, "risk:ledger_disputes", month=period.month_param).content.decode()
    assert "邻里漏水" in body and "工地讨薪" not in body
    assert _get(client, township_leader, "risk:ledger_disputes", center=center.slug).status_code == 403


def test_a_county_leader_reads_a_townships_ledger_through_center(client, world, leader, township, period):
    response = _get(client, leader, "risk:ledger_disputes", month=period.month_param, center=township.slug)
    assert response.status_code == 200
    body = response.content.decode()
    assert "白河镇综治中心矛盾纠纷排查化解台账" in body
    assert "邻里漏水" in body and "工地讨薪" not in body
    # The center picker lists the leader's subtree, the township chosen.
    assert f'<option value="{township.slug}" selected>' in body


def test_an_unreadable_period_falls_back_with_a_400(client, world, leader):
    response = _get(client, leader, "risk:ledger_disputes", month="2026-13")
    assert response.status_code == 400
    assert "月份格式应为" in response.content.decode()


def test_a_date_range_is_a_period(client, world, leader, period):
    day = period.first + dt.timedelta(days=3)
    body = _get(
        client, leader, "risk:ledger_disputes", **{"from": day.isoformat(), "to": period.last.isoformat()}
    ).content.decode()
    assert "邻里漏水" in body and "工地讨薪" not in body


def _populate(n, center, period):
    for i in range(n):
        case = make_case(
            center=center, created=period.start + dt.timedelta(minutes=i + 1), risk_colour="blue"
        )
        make_record(case, f"记录{i}", period.start + dt.timedelta(minutes=i + 2))


@pytest.mark.parametrize("name", ["risk:ledger_disputes", "risk:ledger_risks"])
def test_the_ledger_pages_take_the_same_queries_for_5_and_30_rows(
    client, center, department, leader, coordinator, period, name
):
    from cases.models import Case

    def fill(n):
        _populate(n, center, period)
        for case in list(Case.objects.filter(risk_entry__isnull=True)[:n]):
            entry = risk_entry_from_case(actor=coordinator, case=case, measures="走访", colour="blue")
            set_created(entry, period.start + HOUR)

    client.force_login(leader)
    url = reverse(name)
    fill(5)
    client.get(url)  # the center's name is cached for the menu from the first page on
    with CaptureQueriesContext(connection) as five:
        assert client.get(url, {"month": period.month_param}).status_code == 200
    fill(25)
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(url, {"month": period.month_param})
    assert response.status_code == 200
    assert response.content.decode().count('<tr class="colour-blue"') >= 30
    assert len(thirty) == len(five) == PINNED_QUERIES[name], "\n".join(q["sql"][:150] for q in thirty)


# Session, user, staff profile, the working-day calendar (the default period), the rows (disputes: the
# page's ids, then their rows), their count and totals, the unread notices and the menu's two tallies,
# the center picker.
PINNED_QUERIES = {"risk:ledger_disputes": 12, "risk:ledger_risks": 11}


def test_the_dispute_ledger_pages_50_at_a_time(client, center, leader, period):
    for n in range(55):
        make_case(center=center, created=period.start + n * HOUR, risk_colour="blue", title=f"事项{n:02d}")
    first = _get(client, leader, "risk:ledger_disputes", month=period.month_param)
    assert first.context["page"].paginator.count == 55
    assert len(first.context["page"].object_list) == 50
    assert "共 55 件" in first.content.decode()
    second = _get(client, leader, "risk:ledger_disputes", month=period.month_param, page=2)
    body = second.content.decode()
    assert len(second.context["page"].object_list) == 5
    assert "<td>51</td>" in body and "<td>55</td>" in body
    assert f"?{period.query}&page=1" in body  # the pager keeps the period


def test_a_page_of_the_dispute_ledger_is_its_rows_in_order(world, center, period):
    everything = list(ledgers.dispute_ledger(center=center, start=period.start, end=period.end))
    ids = ledgers.dispute_ledger_ids(center=center, start=period.start, end=period.end)
    assert list(ids) == [row["id"] for row in everything]
    assert ledgers.dispute_rows_of(list(ids[1:3])) == everything[1:3]


def test_the_selectors_take_one_query_each(world, center, period, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(ledgers.dispute_ledger(center=center, start=period.start, end=period.end))
    with django_assert_num_queries(1):
        list(ledgers.risk_ledger(center=center, start=period.start, end=period.end))
    with django_assert_num_queries(1):
        ledgers.dispute_totals(center=center, start=period.start, end=period.end)
    with django_assert_num_queries(1):
        ledgers.risk_totals(center=center, start=period.start, end=period.end)


# --- xlsx -----------------------------------------------------------------------------------------

DISPUTE_HEADERS = [
    "序号", "登记时间", "案件编号", "矛盾纠纷类别", "简要情况", "涉及人数", "风险等级",
    "发生地点（乡镇/村（社区）/网格）", "责任单位", "化解措施", "办理状态", "办结时间",
]  # fmt: skip
RISK_HEADERS = [
    "序号",
    "登记时间",
    "风险隐患",
    "来源",
    "风险等级",
    "地点",
    "责任单位",
    "管控措施",
    "复查日期",
    "状态",
]


def _workbook(response):
    content = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(content)).active


def test_the_dispute_ledger_xlsx_is_in_the_format_filed_upward(client, world, leader, period):
    response = _get(client, leader, "risk:ledger_disputes_xlsx", month=period.month_param)
    assert response.status_code == 200
    disposition = unquote(response["Content-Disposition"])
    assert f"测试县综治中心矛盾纠纷排查化解台账-{period.month_param}.xlsx" in disposition
    sheet = _workbook(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"测试县综治中心矛盾纠纷排查化解台账（{period.label}）"
    assert "测试县综治中心" in rows[1][0] and period.label in rows[1][0]
    assert list(rows[2]) == DISPUTE_HEADERS
    assert sheet.freeze_panes == "A4"
    assert "A1:L1" in {str(r) for r in sheet.merged_cells.ranges}
    first = rows[3]
    assert first[0] == 1
    assert first[1] == timezone.localtime(world["red"].created_at).replace(tzinfo=None, microsecond=0)
    assert first[2] == "-".join(
        [world["red"].code[:6], world["red"].code[6:10], world["red"].code[10:16], world["red"].code[16:]]
    )
    assert (first[3], first[4], first[5], first[6]) == (
        "劳动争议",
        "工地讨薪：二十余名工人讨要工资",
        23,
        "红色",
    )
    assert (first[7], first[8], first[9], first[10]) == (
        "白河镇/白河村/白河村第三网格",
        "县人民法院",
        "组织劳资双方调解",
        "已受理",
    )
    assert rows[4][9] == "达成调解协议" and rows[4][10] == "已结案" and isinstance(rows[4][11], dt.datetime)
    assert [r[0] for r in rows[3:6]] == [1, 2, 3]
    footer = [r[0] for r in rows[6:] if r and r[0]]
    assert len(footer) == 1 and footer[0].startswith("填报单位：测试县综治中心") and "填报人：" in footer[0]
    assert sheet.column_dimensions["E"].width == 40
    log = AccessLogEntry.objects.get(action="export.ledger")
    assert log.details["kind"] == "disputes_ledger" and log.details["ledger_rows"] == 3


def test_the_risk_ledger_xlsx(client, world, leader, period):
    response = _get(client, leader, "risk:ledger_risks_xlsx", month=period.month_param)
    assert response.status_code == 200
    rows = list(_workbook(response).iter_rows(values_only=True))
    assert rows[0][0] == f"测试县综治中心风险隐患台账（{period.label}）"
    assert list(rows[2]) == RISK_HEADERS
    watched, marked, resolved = rows[3], rows[4], rows[5]
    assert (watched[3], watched[4], watched[5], watched[6], watched[7]) == (
        "警情 P-1",
        "红色",
        "白河镇/白河村",
        "县人民法院",
        "每日走访",
    )
    assert watched[8] == dt.datetime.combine(period.last, dt.time()) and watched[9] == "管控中"
    assert marked[3].startswith("案件 ") and marked[4] == "黄色"
    assert resolved[9] == "已化解"
    assert all(v is None for v in rows[6])  # the blank row before the footer


def test_a_formula_in_a_title_is_written_as_text(client, world, leader, period):
    from cases.models import Case

    Case.objects.filter(pk=world["red"].pk).update(
        title='=HYPERLINK("http://evil.example","x")', description=""
    )
    rows = list(
        _workbook(_get(client, leader, "risk:ledger_disputes_xlsx", month=period.month_param)).iter_rows(
            values_only=True
        )
    )
    assert rows[3][4].startswith("'=HYPERLINK")


def test_the_xlsx_of_a_bad_period_is_a_400(client, leader):
    assert _get(client, leader, "risk:ledger_risks_xlsx", month="nonsense").status_code == 400
