"""Figures as people read them: percentages with one decimal, "—" where a rate is undefined."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import State

from ..models import OrderStatus, Reason
from ..models.reports import ReportThresholds

DASH = "—"
# The rates among a report's figures (the pages and the API show the same), and a callback round's.
FIGURE_RATE_KEYS = (
    "acceptance_rate",
    "closure_rate",
    "rework_rate",
    "in_hand_on_time_rate",
    "evaluation_satisfaction_rate",
    "evaluation_basic_satisfaction_rate",
    "callback_satisfaction_rate",
    "callback_basic_satisfaction_rate",
    "satisfaction_rate",
)
ROUND_RATE_KEYS = ("reach_rate", "basic_satisfaction_rate")
# The network's rates: reporting on time to whistles (ranking and child centers).
NETWORK_RATE_KEYS = ("whistle_rate",)
RATE_KEYS = (*FIGURE_RATE_KEYS, *ROUND_RATE_KEYS, *NETWORK_RATE_KEYS)
COLOURS = {"red": "#c0392b", "yellow": "#d4a017", "blue": "#2e6fb7", "none": "#9a9a9a"}


def percent(value: float | None) -> str:
    """0.7142… → "71.4%"; None → "—"."""
    return DASH if value is None else f"{value * 100:.1f}%"


def shown(figures: dict) -> dict:
    """A copy of a figures dict with every rate formatted for the page."""
    return {key: percent(value) if key in RATE_KEYS else value for key, value in figures.items()}


def _points(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def chart_data(
    *, weekly: list[dict], breakdowns: dict, ranking: list[dict] | None, thresholds: ReportThresholds
) -> dict:
    """Everything the charts draw, for one json_script block (labels already translated)."""
    data = {
        "empty": _("暂无数据"),
        "weekly": {
            "labels": [f"{w['week']:%m-%d}" for w in weekly],
            "values": [w["count"] for w in weekly],
            "series": _("受理件数"),
            "titles": [_("%(day)s 起的一周") % {"day": w["week"].isoformat()} for w in weekly],
        },
        "category": _breakdown(breakdowns["category"]),
        "source": _breakdown(breakdowns["source"]),
        "colour": {
            **_breakdown(breakdowns["colour"]),
            "colours": [COLOURS.get(b["key"], COLOURS["none"]) for b in breakdowns["colour"]],
        },
    }
    if ranking is not None:
        data["departments"] = {
            "labels": [r["short_name"] for r in ranking],
            "received": [r["received"] for r in ranking],
            "overdue": [r["overdue"] for r in ranking],
            "closure_rate": [_points(r["closure_rate"]) for r in ranking],
            "satisfaction_rate": [_points(r["satisfaction_rate"]) for r in ranking],
            "worst": [r["is_worst"] for r in ranking],
            "below": [r["below_floor"] for r in ranking],
            "floors": {
                "on_time": float(thresholds.on_time_floor),
                "satisfaction": float(thresholds.satisfaction_floor),
            },
            "series": {
                "received": _("本期案件"),
                "overdue": _("当前超期"),
                "closure_rate": _("按期办结率（%）"),
                "satisfaction_rate": _("综合满意率（%）"),
                "on_time_floor": _("按期办结率达标线"),
                "satisfaction_floor": _("满意率达标线"),
            },
        }
    return data


def _breakdown(rows: list[dict]) -> dict:
    return {"labels": [r["label"] for r in rows], "values": [r["count"] for r in rows], "series": _("件数")}


def as_of(now: dt.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(now).strftime("%Y-%m-%d %H:%M")


def _url_maker(name: str):
    """Reverse a one-argument URL once and fill in the argument per row (reverse() per row is slow)."""
    template = reverse(name, args=["__arg__"])
    return lambda arg: template.replace("__arg__", arg)


def case_rows(cases) -> list:
    """Cases for a list, each with its staff-page URL and state label."""
    case_url, states = _url_maker("cases:detail"), dict(State.choices)
    cases = list(cases)
    for case in cases:
        case.url, case.state_label = case_url(case.code), states.get(case.state, case.state)
    return cases


def order_rows(orders) -> list:
    """Supervision orders for a list, each with its case's URL and its labels."""
    case_url, reasons, statuses = _url_maker("cases:detail"), dict(Reason.choices), dict(OrderStatus.choices)
    orders = list(orders)
    for order in orders:
        order.case_url = case_url(order.case.code)
        order.reason_label = reasons.get(order.reason, order.reason)
        order.status_label = statuses.get(order.status, order.status)
    return orders


def ranking_rows(ranking: list[dict], period_query: str) -> list[dict]:
    """The ranking formatted, each row with the URL of its department's report for the same period."""
    department_url = _url_maker("supervision:reports_department")
    return [{**shown(row), "url": f"{department_url(row['slug'])}?{period_query}"} for row in ranking]


def child_rows(children: list[dict], period_query: str) -> list[dict]:
    """The child centers' table formatted, each row with its center's dashboard URL for the same period.

    The center's own row ("本级") comes first and links nowhere (it is this page).
    """
    dashboard = reverse("supervision:reports_dashboard")
    rows = []
    for row in children:
        center = row["center"]
        rows.append(
            {
                **shown(row),
                "name": _("本级") if row["is_own"] else center.name,
                "slug": center.slug,
                "url": None if row["is_own"] else f"{dashboard}?{period_query}&center={center.slug}",
            }
        )
    return rows
