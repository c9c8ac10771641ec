"""The monthly report as an xlsx workbook: one sheet per table, Chinese headers, frozen header rows.

Written with openpyxl in write-only mode (each sheet streams to a temporary file, strings are
inline), so memory stays flat however many rows. Every sheet is a
:class:`common.spreadsheets.SafeSheet`: no text a party or an administrator typed becomes a formula.
"""

import datetime as dt
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cases.codes import display_code
from cases.models import Rating, RiskColour, State
from common.spreadsheets import SafeWorkbook

from ..models import Callback, Level, OrderStatus, Reason
from ..models.reports import ReportThresholds
from . import selectors
from .exports import (
    DASH,
    DATE,
    DATETIME,
    PERCENT,
    Column,
    _labels,
    ledger_columns,
    ledger_values,
    local,
    yes_no,
)
from .periods import Period

# --- xlsx -----------------------------------------------------------------------------------------


class _Sheets:
    """Write-only sheets: widths and a frozen, bold header row first, then the rows."""

    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="F0F1F4")
    header_alignment = Alignment(vertical="center", wrap_text=True)

    def __init__(self):
        self.workbook = SafeWorkbook()

    def add(self, title: str, columns: list[Column], rows: Iterable[list]) -> None:
        sheet = self.workbook.create_sheet(title)
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        sheet.append([self.header(sheet, column.header) for column in columns])
        formats = [(i, c.number_format) for i, c in enumerate(columns) if c.number_format]
        for row in rows:
            for index, number_format in formats:
                if row[index] is not None and row[index] != DASH:
                    cell = WriteOnlyCell(sheet, value=row[index])
                    cell.number_format = number_format
                    row[index] = cell
            sheet.append(row)

    def header(self, sheet, text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill, cell.alignment = self.header_font, self.header_fill, self.header_alignment
        return cell

    def save(self, fileobj) -> None:
        self.workbook.save(fileobj)


def _rate(value: float | None):
    return DASH if value is None else value


def figure_rows(figures: dict) -> list[list]:
    """The headline figures as rows of (name, value, what it counts)."""
    f = figures
    rows = [
        [_("本期受理"), f["received"], ""],
        [_("本期办结"), f["closed"], ""],
        [_("签收及时率"), _rate(f["acceptance_rate"]), _("%(a)s / %(b)s") % {"a": f["accepted_on_time"], "b": f["acceptance_due"]}],
        [_("按期办结率"), _rate(f["closure_rate"]), _("%(a)s / %(b)s") % {"a": f["closed_on_time"], "b": f["closure_due"]}],
        [_("返工率"), _rate(f["rework_rate"]), _("%(a)s / %(b)s") % {"a": f["reworked"], "b": f["closed"]}],
        [_("结案评价满意率"), _rate(f["evaluation_satisfaction_rate"]), _("%(a)s / %(b)s") % {"a": f["evaluations_satisfied"], "b": f["evaluations"]}],
        [
            _("结案评价基本满意率"),
            _rate(f["evaluation_basic_satisfaction_rate"]),
            _("%(a)s / %(b)s") % {"a": f["evaluations_satisfied"] + f["evaluations_basically_satisfied"], "b": f["evaluations"]},
        ],
        [_("回访满意率"), _rate(f["callback_satisfaction_rate"]), _("%(a)s / %(b)s") % {"a": f["callbacks_satisfied"], "b": f["callbacks"]}],
        [
            _("回访基本满意率"),
            _rate(f["callback_basic_satisfaction_rate"]),
            _("%(a)s / %(b)s") % {"a": f["callbacks_satisfied"] + f["callbacks_basically_satisfied"], "b": f["callbacks"]},
        ],
        [_("本期下发督办单"), f["orders_issued"], _("其中挂牌督办 %(n)s") % {"n": f["orders_issued_leader"]}],
        [_("本期核查办结督办单"), f["orders_verified"], ""],
        [_("当前在办"), f["open"], _("截至导出时")],
        [_("当前超期"), f["overdue"], _("截至导出时")],
        [_("在办按期率"), _rate(f["in_hand_on_time_rate"]), _("%(a)s / %(b)s，截至导出时") % {"a": f["in_hand"] - f["overdue"], "b": f["in_hand"]}],
        [_("红色预警在办"), f["red_open"], _("截至导出时")],
        [_("问题工单在办"), f["problem_open"], _("截至导出时")],
        [_("在办督办单（督办）"), f["orders_open_order"], _("截至导出时")],
        [_("在办督办单（挂牌督办）"), f["orders_open_leader"], _("截至导出时")],
    ]  # fmt: skip
    if "reported_up" in f:  # a center's report (the network's figures)
        rows += [
            [_("上报"), f["reported_up"], ""],
            [
                _("吹哨超时/未报到"),
                f["whistle_late"],
                _("被吹哨 %(n)s 次，按时报到 %(a)s 次")
                % {"n": f["whistle_summoned"], "a": f["whistle_on_time"]},
            ],
        ]
    return rows


def ranking_rows(ranking: list[dict]) -> Iterator[list]:
    for row in ranking:
        flags = []
        if row["below_on_time"]:
            flags.append(_("按期办结率未达标"))
        if row["below_satisfaction"]:
            flags.append(_("满意率未达标"))
        if row["is_worst"]:
            flags.append(_("得分最低"))
        yield [
            row["rank"] or DASH,
            row["name"],
            row["received"],
            row["closed"],
            _rate(row["acceptance_rate"]),
            _rate(row["closure_rate"]),
            _rate(row["in_hand_on_time_rate"]),
            row["overdue"],
            _rate(row["satisfaction_rate"]),
            row["ratings"],
            row["orders_open"],
            row.get("whistle_summoned", 0),
            row.get("whistle_on_time", 0),
            row.get("whistle_late", 0),
            DASH if row["score"] is None else row["score"],
            "、".join(flags) or str(row["verdict_label"]),
        ]


def ranking_columns() -> list[Column]:
    return [
        Column(_("排名"), 6),
        Column(_("单位"), 26),
        Column(_("本期案件"), 10),
        Column(_("本期办结"), 10),
        Column(_("签收及时率"), 11, PERCENT),
        Column(_("按期办结率"), 11, PERCENT),
        Column(_("在办按期率"), 11, PERCENT),
        Column(_("当前超期"), 10),
        Column(_("综合满意率"), 11, PERCENT),
        Column(_("评价数"), 8),
        Column(_("在办督办单"), 11),
        Column(_("被吹哨次数"), 11),
        Column(_("按时报到"), 10),
        Column(_("超时/未报到"), 12),
        Column(_("考评得分"), 10),
        Column(_("达标情况"), 30),
    ]


def child_columns() -> list[Column]:
    return [
        Column(_("中心"), 26),
        Column(_("本期受理"), 10),
        Column(_("本期办结"), 10),
        Column(_("签收及时率"), 11, PERCENT),
        Column(_("按期办结率"), 11, PERCENT),
        Column(_("综合满意率"), 11, PERCENT),
        Column(_("当前超期"), 10),
        Column(_("红色预警在办"), 12),
        Column(_("上报"), 8),
        Column(_("吹哨超时/未报到"), 14),
    ]


def child_rows(children: list[dict]) -> Iterator[list]:
    """One row per child center (its whole subtree), the center's own cases ("本级") first."""
    for row in children:
        yield [
            _("本级") if row["is_own"] else row["center"].name,
            row["received"],
            row["closed"],
            _rate(row["acceptance_rate"]),
            _rate(row["closure_rate"]),
            _rate(row["satisfaction_rate"]),
            row["overdue"],
            row["red_open"],
            row["reported_up"],
            row["whistle_late"],
        ]


def write_report(fileobj, *, period: Period, now: dt.datetime, department=None, centers=None) -> None:
    """Write the period's report as an xlsx workbook: one sheet per table, the ledger last.

    With ``centers`` (a Center) the center's subtree, with a sheet comparing its child centers
    (下级中心对比) and the ranking of the departments at that center.
    """
    start, end = period.start, period.end
    sheets = _Sheets()
    if department is None:
        report = selectors.network_report(
            start, end, now, thresholds=ReportThresholds.current(), centers=centers
        )
        _figures_sheet(sheets, figure_rows(report["figures"]))
        if len(report["children"]) > 1:  # the center has child centers
            sheets.add(_("下级中心对比"), child_columns(), child_rows(report["children"]))
        sheets.add(_("部门考评"), ranking_columns(), ranking_rows(report["ranking"]))
    else:
        figures = selectors.summary_figures(start, end, now, department=department, centers=centers)
        _figures_sheet(sheets, figure_rows(figures))
    last_day = min(period.last, timezone.localdate(now))
    sheets.add(
        _("按周受理"),
        [Column(_("周起始日"), 12, DATE), Column(_("受理件数"), 10)],
        (
            [week["week"], week["count"]]
            for week in selectors.weekly_intake(last_day=last_day, department=department, centers=centers)
        ),
    )
    breakdowns = selectors.breakdowns(start, end, department=department, centers=centers)
    for key, title, header in (
        ("category", _("按类别"), _("类别")),
        ("source", _("按来源"), _("来源")),
        ("colour", _("按风险等级"), _("风险等级")),
    ):
        sheets.add(
            title,
            [Column(header, 16), Column(_("件数"), 10)],
            ([b["label"], b["count"]] for b in breakdowns[key]),
        )
    _callbacks_sheet(sheets, period, department, centers)
    _orders_sheet(sheets, period, department, centers)
    _notable_sheet(sheets, period, department, centers)
    sheets.add(
        _("案件台账"),
        ledger_columns(),
        ledger_values(selectors.ledger_rows(start, end, department=department, centers=centers)),
    )
    sheets.save(fileobj)


def _figures_sheet(sheets: _Sheets, rows: list[list]) -> None:
    sheet = sheets.workbook.create_sheet(_("主要指标"))
    for letter, width in zip("ABC", (24, 12, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.append([sheets.header(sheet, h) for h in (_("指标"), _("数值"), _("计算"))])
    for name, value, note in rows:
        if isinstance(value, float):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = PERCENT
            value = cell
        sheet.append([name, value, note])


def _callbacks_sheet(sheets: _Sheets, period: Period, department, centers=None) -> None:
    # the round worked in this month
    found = selectors.callback_round(period.previous_month().first, centers=centers)
    statuses, ratings = _labels(Callback.Status.choices), _labels(Rating.choices)
    callbacks = selectors.round_callbacks(found["round"], centers=centers) if found["round"] else []
    if department is not None and found["round"]:
        callbacks = callbacks.filter(case__lead_department=department)
    sheets.add(
        _("电话回访"),
        [
            Column(_("回访批次"), 10),
            Column(_("抽中顺序"), 9),
            Column(_("案件编号"), 20),
            Column(_("牵头单位"), 22),
            Column(_("状态"), 9),
            Column(_("拨打次数"), 9),
            Column(_("满意度"), 9),
            Column(_("完成时间"), 17, DATETIME),
            Column(_("督办单号"), 16),
        ],
        (
            [
                f"{found['round'].month:%Y-%m}",
                c.position,
                display_code(c.case.code),
                c.case.lead_department.name if c.case.lead_department_id else "",
                statuses.get(c.status, c.status),
                c.attempts,
                ratings.get(c.rating, ""),
                local(c.completed_at),
                c.order.number if c.order_id else "",
            ]
            for c in (callbacks.iterator(chunk_size=500) if found["round"] else [])
        ),
    )


def _orders_sheet(sheets: _Sheets, period: Period, department, centers=None) -> None:
    reasons, levels, statuses = _labels(Reason.choices), _labels(Level.choices), _labels(OrderStatus.choices)
    orders = selectors.orders_issued(period.start, period.end, department=department, centers=centers)
    sheets.add(
        _("督办单"),
        [
            Column(_("督办单号"), 16),
            Column(_("案件编号"), 20),
            Column(_("被督办单位"), 22),
            Column(_("督办原因"), 14),
            Column(_("级别"), 9),
            Column(_("状态"), 10),
            Column(_("下发时间"), 17, DATETIME),
            Column(_("答复期限"), 17, DATETIME),
            Column(_("答复时间"), 17, DATETIME),
            Column(_("核查时间"), 17, DATETIME),
        ],
        (
            [
                o.number or "",
                display_code(o.case.code),
                o.department.name if o.department_id else o.addressee,
                reasons.get(o.reason, o.reason),
                levels.get(o.level, o.level),
                statuses.get(o.status, o.status),
                local(o.issued_at),
                local(o.respond_by),
                local(o.responded_at),
                local(o.verified_at),
            ]
            for o in orders.iterator(chunk_size=1000)
        ),
    )


def _notable_sheet(sheets: _Sheets, period: Period, department, centers=None) -> None:
    colours, states = _labels(RiskColour.choices), _labels(State.choices)
    cases = selectors.notable_cases(period.start, period.end, department=department, centers=centers)
    sheets.add(
        _("重点案件"),
        [
            Column(_("案件编号"), 20),
            Column(_("事项"), 36),
            Column(_("风险等级"), 8),
            Column(_("问题工单"), 8),
            Column(_("挂牌督办"), 8),
            Column(_("牵头单位"), 22),
            Column(_("状态"), 8),
            Column(_("受理时间"), 17, DATETIME),
            Column(_("结案时间"), 17, DATETIME),
        ],
        (
            [
                display_code(c.code),
                c.title,
                colours.get(c.risk_colour, ""),
                yes_no(c.is_problem),
                yes_no(c.has_leader_order),
                c.lead_department.name if c.lead_department_id else "",
                states.get(c.state, c.state),
                local(c.created_at),
                local(c.closed_at),
            ]
            for c in cases.iterator(chunk_size=1000)
        ),
    )
