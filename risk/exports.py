"""The two ledgers as read and as filed upward: cell values, and the xlsx in the county's format.

The workbook has one sheet: a title row (``XX综治中心矛盾纠纷排查化解台账（2026年11月）``), the
center and period, the standard header row (frozen), one row per ledger line, and the footer
(填报单位 / 填报人 / 填报日期). Written with openpyxl in write-only mode into a temporary file, the
rows read from a server-side cursor in chunks: memory stays flat however many lines. Every text
cell goes through :mod:`common.spreadsheets` (no cell a party typed becomes a formula).
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from copy import copy
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from cases.codes import display_code
from cases.models import Category, RiskColour, State
from common.spreadsheets import SafeWorkbook

from .models import Feed, RiskEntry

DATETIME = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"
CHUNK = 2000


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    number_format: str | None = None


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def local(value: dt.datetime | None) -> dt.datetime | None:
    """Return a naive local time (Excel knows no time zones)."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


CENTER_SUFFIX = "综治中心"  # a township center's name is its place's name and this


def place_label(row: dict) -> str:
    """Return 乡镇/村（社区）/网格 as one text, the parts that are known (白河镇/白河村/第三网格)."""
    township = (row["township_name"] or "").removesuffix(CENTER_SUFFIX)
    return "/".join(part for part in (township, row["village_name"], row["grid_name"]) if part)


def source_label(row: dict, feeds: dict[str, str] | None = None) -> str:
    """Return where a risk line came from: the lead's feed and external id, or the case's code."""
    feeds = feeds or _labels(Feed.choices)
    if row["lead_id"] is not None and row["lead_feed"]:
        return _("%(feed)s %(id)s") % {
            "feed": feeds.get(row["lead_feed"], row["lead_feed"]),
            "id": row["lead_external_id"],
        }
    if row["case_code"]:
        return _("案件 %(code)s") % {"code": display_code(row["case_code"])}
    return ""


def dispute_title(center_name: str, period_label: str) -> str:
    return _("%(center)s矛盾纠纷排查化解台账（%(period)s）") % {"center": center_name, "period": period_label}


def risk_title(center_name: str, period_label: str) -> str:
    return _("%(center)s风险隐患台账（%(period)s）") % {"center": center_name, "period": period_label}


def dispute_columns() -> list[Column]:
    return [
        Column(_("序号"), 6),
        Column(_("登记时间"), 17, DATETIME),
        Column(_("案件编号"), 22),
        Column(_("矛盾纠纷类别"), 12),
        Column(_("简要情况"), 40),
        Column(_("涉及人数"), 9),
        Column(_("风险等级"), 9),
        Column(_("发生地点（乡镇/村（社区）/网格）"), 28),
        Column(_("责任单位"), 20),
        Column(_("化解措施"), 40),
        Column(_("办理状态"), 10),
        Column(_("办结时间"), 17, DATETIME),
    ]


def risk_columns() -> list[Column]:
    return [
        Column(_("序号"), 6),
        Column(_("登记时间"), 17, DATETIME),
        Column(_("风险隐患"), 40),
        Column(_("来源"), 24),
        Column(_("风险等级"), 9),
        Column(_("地点"), 28),
        Column(_("责任单位"), 20),
        Column(_("管控措施"), 40),
        Column(_("复查日期"), 12, DATE),
        Column(_("状态"), 9),
    ]


def dispute_values(rows: Iterable[dict]) -> Iterator[list]:
    """Turn dispute-ledger rows into the cells of the filed ledger."""
    categories, colours, states = (
        _labels(Category.choices),
        _labels(RiskColour.choices),
        _labels(State.choices),
    )
    for number, row in enumerate(rows, start=1):
        summary = row["title"] if not row["summary"] else f"{row['title']}：{row['summary']}"
        yield [
            number,
            local(row["created_at"]),
            display_code(row["code"]),
            categories.get(row["category"], row["category"]),
            summary,
            row["people_count"],
            colours.get(row["level"], ""),
            place_label(row),
            row["department_name"],
            row["measures"],
            states.get(row["state"], row["state"]),
            local(row["closed_at"]),
        ]


def risk_values(rows: Iterable[dict]) -> Iterator[list]:
    """Turn risk-ledger rows into the cells of the filed ledger."""
    colours, states, feeds = (
        _labels(RiskColour.choices),
        _labels(RiskEntry.State.choices),
        _labels(Feed.choices),
    )
    for number, row in enumerate(rows, start=1):
        yield [
            number,
            local(row["created_at"]),
            row["title"],
            source_label(row, feeds),
            colours.get(row["colour"], ""),
            place_label(row),
            row["department_name"],
            row["measures"],
            row["review_on"],
            states.get(row["state"], row["state"]),
        ]


# --- xlsx -----------------------------------------------------------------------------------------

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(vertical="top", wrap_text=True)


def _cell(sheet, value, *, font=None, fill=None, alignment=None, border=None, number_format=None):
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    if border is not None:
        cell.border = border
    if number_format is not None and value is not None:
        cell.number_format = number_format
    return cell


def write_ledger(
    fileobj,
    *,
    title: str,
    sheet_title: str,
    center_name: str,
    period_label: str,
    columns: list[Column],
    rows: Iterable[list],
    filer: str,
    today: dt.date,
) -> int:
    """Write one ledger sheet (title, center and period, frozen header, rows, footer); return the rows written."""
    workbook = SafeWorkbook()
    sheet = workbook.create_sheet(sheet_title)
    last = get_column_letter(len(columns))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A4"  # below the header row: the title, the period and the header stay
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    sheet.append(
        [_cell(sheet, title, font=Font(bold=True, size=16), alignment=Alignment(horizontal="center"))]
    )
    sheet.merged_cells.add(f"A1:{last}1")
    sheet.append(
        [_("综治中心：%(center)s　　统计期间：%(period)s") % {"center": center_name, "period": period_label}]
    )
    sheet.merged_cells.add(f"A2:{last}2")
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="F0F1F4")
    header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.append(
        [
            _cell(
                sheet, c.header, font=header_font, fill=header_fill, alignment=header_alignment, border=BORDER
            )
            for c in columns
        ]
    )
    # Styling a cell registers its font, border and alignment with the workbook (hashing each
    # object): style one template cell per column and give every row's cell its style array.
    templates = [
        _cell(sheet, "", alignment=WRAP, border=BORDER, number_format=c.number_format) for c in columns
    ]
    count = 0
    for values in rows:
        row = []
        for value, template in zip(values, templates, strict=True):
            cell = WriteOnlyCell(sheet, value=value)
            cell._style = copy(template._style)
            row.append(cell)
        sheet.append(row)
        count += 1
    footer_row = 3 + count + 2
    sheet.append([])
    sheet.append(
        [
            _("填报单位：%(center)s　　填报人：%(filer)s　　填报日期：%(date)s")
            % {"center": center_name, "filer": filer, "date": today.isoformat()}
        ]
    )
    sheet.merged_cells.add(f"A{footer_row}:{last}{footer_row}")
    workbook.save(fileobj)
    return count
