"""The xlsx workbook read back with openpyxl, the streamed CSV, and memory that stays flat."""

import csv
import datetime as dt
import io
import tracemalloc

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from cases.codes import display_code
from cases.models import Evaluation, State
from supervision.models import Callback, Level
from supervision.reports import exports, workbook
from supervision.reports.periods import month_period

from .conftest import NOW, OCTOBER, at, callback, evaluate, order

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reports.urls")]

SHEETS = [
    "主要指标",
    "部门考评",
    "按周受理",
    "按类别",
    "按来源",
    "按风险等级",
    "电话回访",
    "督办单",
    "重点案件",
    "案件台账",
]


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def october(make_case, department, other_department):
    due = at(2026, 10, 15, 17)
    cases = []
    for day, dept in ((2, department), (3, department), (4, other_department)):
        cases.append(
            make_case(
                created=at(2026, 10, day, 9, 30),
                title=f"十月事项{day}",
                state=State.CLOSED,
                lead_department=dept,
                risk_colour="red" if day == 2 else "blue",
                accept_by=at(2026, 10, day, 17),
                accepted_at=at(2026, 10, day, 10),
                due_by=due,
                submitted_at=at(2026, 10, 16) if day == 4 else at(2026, 10, 10),
                closed_at=at(2026, 10, 17),
            )
        )
    make_case(created=at(2026, 9, 3), title="九月事项")
    evaluate(cases[0], "satisfied", at(2026, 10, 18), Evaluation.Channel.TRACKING)
    september = make_case(
        created=at(2026, 9, 1), state=State.EVALUATED, lead_department=department, closed_at=at(2026, 9, 20)
    )
    # September's round, called in October: listed in October's workbook as September's, and
    # counted in September's figures, not October's.
    callback(
        september, status=Callback.Status.DONE, rating="basically_satisfied", completed=at(2026, 10, 5, 15)
    )
    # October's round, called in November: October's figures.
    callback(
        cases[1], status=Callback.Status.DONE, rating="basically_satisfied", completed=at(2026, 11, 3, 10),
        month=dt.date(2026, 10, 1),
    )  # fmt: skip
    order(cases[2], level=Level.LEADER, issued=at(2026, 10, 16, 9))
    return cases


def download_xlsx(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))), response


def rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_workbook_has_one_sheet_per_table_with_chinese_headers(client, leader, october):
    book, response = download_xlsx(client, leader, reverse("supervision:reports_xlsx"), month="2026-10")
    assert "2026-10.xlsx" in response["Content-Disposition"]
    assert book.sheetnames == SHEETS
    for name in SHEETS:
        assert book[name].freeze_panes == "A2", name

    figures = {row[0]: row[1:] for row in rows(book["主要指标"])[1:]}
    assert figures["本期受理"][0] == 3
    assert figures["按期办结率"] == [pytest.approx(2 / 3), "2 / 3"]
    assert figures["签收及时率"][0] == 1
    assert figures["回访满意率"] == [0, "0 / 1"]  # October's round: one answer, basically satisfied
    assert figures["回访基本满意率"][0] == 1
    assert figures["本期下发督办单"][0] == 1

    ranking = rows(book["部门考评"])
    assert ranking[0][:6] == ["排名", "单位", "本期案件", "本期办结", "签收及时率", "按期办结率"]
    by_name = {row[1]: row for row in ranking[1:]}
    # One case each fell due at the police, two at the court: too few to judge either (MIN_SAMPLE).
    assert by_name["县公安局"][5] == 0 and by_name["县公安局"][-1] == "样本不足"
    assert by_name["县人民法院"][5] == 1 and by_name["县人民法院"][-1] == "样本不足"

    ledger = rows(book["案件台账"])
    assert ledger[0][:3] == ["案件编号", "事项", "类别"]
    assert [row[1] for row in ledger[1:]] == ["十月事项2", "十月事项3", "十月事项4"]
    first = ledger[1]
    assert first[0] == display_code(october[0].code)
    assert first[2] == "劳动争议" and first[4] == "红色" and first[5] == "县人民法院" and first[6] == "已结案"
    assert first[8] == dt.datetime(2026, 10, 2, 9, 30)  # local time, no zone
    assert ledger[3][16] == "否" and first[16] == "是"  # on-time closure

    assert rows(book["督办单"])[1][4] == "挂牌督办"
    notable = [row[0] for row in rows(book["重点案件"])[1:]]
    assert notable == [display_code(october[2].code), display_code(october[0].code)]  # leader-level first
    callbacks = rows(book["电话回访"])
    assert callbacks[0][0] == "回访批次" and callbacks[1][0] == "2026-09" and callbacks[1][6] == "基本满意"
    weeks = rows(book["按周受理"])
    assert len(weeks) == 13 and weeks[-1][1] == 0  # the week of 19 October


def test_column_widths_and_header_style(client, leader, october):
    book, _response = download_xlsx(client, leader, reverse("supervision:reports_xlsx"))
    sheet = book["案件台账"]
    assert sheet.column_dimensions["B"].width == 36
    assert sheet["A1"].font.bold


def test_the_department_workbook_holds_only_its_cases(client, liaison, october):
    book, _response = download_xlsx(
        client, liaison, reverse("supervision:reports_department_xlsx", args=["court"])
    )
    assert "部门考评" not in book.sheetnames
    assert [row[5] for row in rows(book["案件台账"])[1:]] == ["县人民法院", "县人民法院"]
    assert len(rows(book["电话回访"])) == 2


def test_an_empty_period_gives_headers_and_dashes(client, coordinator):
    book, _response = download_xlsx(client, coordinator, reverse("supervision:reports_xlsx"), month="2020-01")
    assert rows(book["案件台账"]) == [[c.header for c in exports.ledger_columns()]]
    figures = {row[0]: row[1] for row in rows(book["主要指标"])[1:]}
    assert figures["按期办结率"] == "—" and figures["本期受理"] == 0


def test_the_ledger_csv_streams_utf8_with_a_bom(client, leader, october):
    client.force_login(leader)
    response = client.get(
        reverse("supervision:reports_ledger_csv"), {"from": "2026-10-01", "to": "2026-10-03"}
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "20261001-20261003.csv" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][:2] == ["案件编号", "事项"]
    assert [row[1] for row in table[1:]] == ["十月事项2", "十月事项3"]
    assert table[1][8] == "2026-10-02 09:30"


def test_exports_have_no_row_cap_and_memory_stays_flat(make_case, department):
    """Ledger memory does not grow with rows: the peak for 1,500 rows is near the peak for 300."""
    from cases.models import Case

    from ..factories import CaseFactory

    CaseFactory.create_batch(1500, center=department.center, lead_department=department, state=State.HANDLING)
    Case.objects.update(created_at=at(2026, 10, 9))
    period = month_period(dt.date(2026, 10, 1))

    def peak(limit):
        tracemalloc.start()
        count = 0
        for _line in exports.ledger_csv(period):
            count += 1
            if count > limit:
                break
        result = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return count, result

    _small_count, small_peak = peak(300)
    all_count, all_peak = peak(10**9)
    assert all_count == 1501  # the header and every row
    assert all_peak < small_peak * 2 + 256 * 1024

    buffer = io.BytesIO()
    workbook.write_report(buffer, period=OCTOBER, now=NOW)
    book = load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)
    assert sum(1 for _row in book["案件台账"].iter_rows(values_only=True)) == 1501


def test_the_workbook_says_what_the_ranking_page_says(
    client, leader, make_case, department, other_department
):
    """The verdict column of the 部门考评 sheet is the page's: 未达标 flags, 达标, 样本不足, 无数据."""
    from ..factories import DepartmentFactory

    DepartmentFactory(center=department.center, slug="idle", name="县闲置局", short_name="闲置")
    due = at(2026, 10, 15, 17)
    for dept, late in ((department, 0), (other_department, 3)):
        for i in range(5):
            make_case(
                state=State.CLOSED,
                lead_department=dept,
                due_by=due,
                submitted_at=due + dt.timedelta(hours=1 if i < late else -1),
                closed_at=at(2026, 10, 16),
            )
    book, _response = download_xlsx(client, leader, reverse("supervision:reports_xlsx"), month="2026-10")
    by_name = {row[1]: row[-1] for row in rows(book["部门考评"])[1:]}
    assert by_name == {"县人民法院": "达标", "县公安局": "按期办结率未达标、得分最低", "县闲置局": "无数据"}
