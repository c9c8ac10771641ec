"""The case ledger (台账): its columns and values, and a streamed CSV of it.

Memory stays flat however many rows: the ledger rows come from a server-side cursor in chunks,
and the CSV is produced row by row while it is sent, every cell through the one formula rule
(:mod:`common.spreadsheets`).
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.codes import display_code
from cases.models import Category, RiskColour, Source, State
from common.spreadsheets import CsvLines

from . import selectors
from .periods import Period

PERCENT = "0.0%"
DATETIME = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"
DASH = "—"
UTF8_BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    number_format: str | None = None


# --- Values ---------------------------------------------------------------------------------------


def local(value: dt.datetime | None) -> dt.datetime | None:
    """Return a naive local time (Excel knows no time zones)."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("是") if value else _("否")


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def ledger_columns() -> list[Column]:
    return [
        Column(_("案件编号"), 20),
        Column(_("事项"), 36),
        Column(_("类别"), 10),
        Column(_("来源"), 10),
        Column(_("风险等级"), 8),
        Column(_("牵头单位"), 22),
        Column(_("状态"), 8),
        Column(_("问题工单"), 8),
        Column(_("受理时间"), 17, DATETIME),
        Column(_("交办时间"), 17, DATETIME),
        Column(_("签收期限"), 17, DATETIME),
        Column(_("签收时间"), 17, DATETIME),
        Column(_("办结期限"), 17, DATETIME),
        Column(_("办结提交时间"), 17, DATETIME),
        Column(_("结案时间"), 17, DATETIME),
        Column(_("按期签收"), 8),
        Column(_("按期办结"), 8),
        Column(_("退回次数"), 8),
        Column(_("审核退回次数"), 10),
    ]


def ledger_values(rows: Iterable[tuple]) -> Iterator[list]:
    """Turn ledger tuples into the cells people read: labels, local times, 是/否."""
    categories, sources = _labels(Category.choices), _labels(Source.choices)
    colours, states = _labels(RiskColour.choices), _labels(State.choices)
    yes, no = _("是"), _("否")
    tz = timezone.get_current_timezone()
    closed_states = set(selectors.CLOSED_STATES)

    def flag(value):
        return "" if value is None else (yes if value else no)

    def at(value):
        return None if value is None else value.astimezone(tz).replace(tzinfo=None, microsecond=0)

    for (
        code,
        title,
        category,
        source,
        colour,
        department,
        state,
        is_problem,
        created_at,
        assigned_at,
        accept_by,
        accepted_at,
        due_by,
        submitted_at,
        closed_at,
        return_count,
        send_back_count,
    ) in rows:  # fmt: skip  (the order of selectors.LEDGER_FIELDS)
        finished = submitted_at or closed_at
        on_time_accept = accepted_at <= accept_by if accepted_at and accept_by else None
        closed = closed_at is not None and state in closed_states
        on_time_close = finished <= due_by if closed and due_by else None
        yield [
            display_code(code),
            title,
            categories.get(category, category),
            sources.get(source, source),
            colours.get(colour, ""),
            department or "",
            states.get(state, state),
            flag(is_problem),
            at(created_at),
            at(assigned_at),
            at(accept_by),
            at(accepted_at),
            at(due_by),
            at(submitted_at),
            at(closed_at),
            flag(on_time_accept),
            flag(on_time_close),
            return_count,
            send_back_count,
        ]


# --- CSV ------------------------------------------------------------------------------------------


def ledger_csv(period: Period, *, department=None, centers=None) -> Iterator[str]:
    """Yield the ledger as CSV lines, a BOM first so Excel reads the UTF-8 Chinese correctly."""
    writer = CsvLines()
    yield UTF8_BOM + writer.writerow([c.header for c in ledger_columns()])
    for values in ledger_values(
        selectors.ledger_rows(period.start, period.end, department=department, centers=centers)
    ):
        yield writer.writerow(
            [v.strftime("%Y-%m-%d %H:%M") if isinstance(v, dt.datetime) else v for v in values]
        )
