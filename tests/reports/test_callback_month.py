"""A callback round belongs to the month it covers: November's round is November's, wherever it shows."""

import datetime as dt

import time_machine
from django.urls import reverse

from cases.models import State
from supervision.models import Callback
from supervision.reports import selectors
from supervision.reports.periods import month_period

from .conftest import at, callback

NOVEMBER, DECEMBER = month_period(dt.date(2026, 11, 1)), month_period(dt.date(2026, 12, 1))


def november_round(make_case, department):
    """November's round, drawn on 1 December and called in December."""
    case = make_case(
        state=State.EVALUATED, lead_department=department, created=at(2026, 11, 2), closed_at=at(2026, 11, 20)
    )
    for rating, day in (("satisfied", 3), ("dissatisfied", 4)):
        callback(
            case, status=Callback.Status.DONE, rating=rating, completed=at(2026, 12, day, 10),
            month=NOVEMBER.first,
        )  # fmt: skip
    return case


def test_november_round_counts_in_november_figures_not_december(make_case, department):
    november_round(make_case, department)
    now = at(2026, 12, 10, 9)
    november = selectors.summary_figures(NOVEMBER.start, NOVEMBER.end, now)
    december = selectors.summary_figures(DECEMBER.start, DECEMBER.end, now)
    assert (november["callbacks"], november["callbacks_satisfied"]) == (2, 1)
    assert december["callbacks"] == 0 and december["callback_satisfaction_rate"] is None
    ranking = {row["slug"]: row for row in selectors.department_ranking(NOVEMBER.start, NOVEMBER.end, now)}
    assert ranking[department.slug]["callbacks"] == 2


def test_a_range_counts_the_rounds_of_the_months_it_touches(make_case, department):
    november_round(make_case, department)
    now = at(2026, 12, 10, 9)
    start = at(2026, 11, 25)
    assert selectors.summary_figures(start, DECEMBER.end, now)["callbacks"] == 2
    assert selectors.summary_figures(DECEMBER.start, DECEMBER.end, now)["callbacks"] == 0


def test_the_december_report_shows_november_round_as_november(client, coordinator, make_case, department):
    november_round(make_case, department)
    with time_machine.travel(at(2026, 12, 10, 9), tick=False):
        client.force_login(coordinator)
        response = client.get(reverse("supervision:reports_monthly"), {"month": "2026-12"})
        november = client.get(reverse("supervision:reports_monthly"), {"month": "2026-11"})
    body = response.content.decode()
    assert "2026年12月督办工作月报" in body
    assert response.context["round_month"] == NOVEMBER.first
    assert "本月回访抽取 2026年11月 结案案件的当事人" in body
    assert response.context["callback_round"]["done"] == 2
    assert response.context["figures"]["callbacks"] == 0  # not December's answers
    assert november.context["figures"]["callbacks"] == 2
