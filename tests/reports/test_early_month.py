"""Early in a month: the report pages open on the last complete month; thin departments are 样本不足."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from cases.models import State
from supervision.reports.selectors import MIN_SAMPLE

from .conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reports.urls")]

PAGES = ["supervision:reports_dashboard", "supervision:reports_monthly"]


def page(client, user, name, *args, **params):
    client.force_login(user)
    return client.get(reverse(name, args=args), params)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(
    ("moment", "label", "note"),
    [
        # Sunday 6 December, 23:59 in Shanghai (15:59 UTC): four working days gone → November.
        (dt.datetime(2026, 12, 6, 15, 59, tzinfo=dt.UTC), "2026年11月", True),
        # Monday 7 December, 00:01 in Shanghai, still Sunday in UTC: the 5th working day → December.
        (dt.datetime(2026, 12, 6, 16, 1, tzinfo=dt.UTC), "2026年12月", False),
        # 1 January 2026 in Shanghai, New Year's Eve in UTC → December of the year before.
        (dt.datetime(2025, 12, 31, 16, 30, tzinfo=dt.UTC), "2025年12月", True),
        # 31 December 2025, 23:30 in Shanghai: December is the current month and long under way.
        (dt.datetime(2025, 12, 31, 15, 30, tzinfo=dt.UTC), "2025年12月", False),
    ],
)
def test_the_default_period_at_the_month_boundaries_in_shanghai(client, leader, name, moment, label, note):
    with time_machine.travel(moment, tick=False):
        response = page(client, leader, name)
    assert response.status_code == 200
    assert response.context["period"].label == label
    body = response.content.decode()
    assert ('id="early-month-note"' in body) is note
    # The current month is one click away, always.
    this_month = response.context["this_month"]
    assert f'href="?{this_month.query}" id="this-month-link"' in body
    assert "本月（截至今日）" in body


def test_the_current_month_is_one_click_away_early_in_a_month(client, leader):
    with time_machine.travel(at(2026, 12, 2, 9), tick=False):
        response = page(client, leader, "supervision:reports_dashboard")
        body = response.content.decode()
        assert response.context["period"].label == "2026年11月"
        assert 'href="?month=2026-12" id="current-month-button"' in body
        response = page(client, leader, "supervision:reports_dashboard", month="2026-12")
    assert response.context["period"].label == "2026年12月"
    assert 'id="early-month-note"' not in response.content.decode()


def test_a_department_report_and_the_exports_take_the_same_default(client, leader, department):
    with time_machine.travel(at(2026, 12, 2, 9), tick=False):
        response = page(client, leader, "supervision:reports_department", "court")
        xlsx = page(client, leader, "supervision:reports_xlsx")
    assert response.context["period"].label == "2026年11月"
    assert "2026-11.xlsx" in xlsx["Content-Disposition"]


def _cases(make_case, department, n, *, late):
    due = at(2026, 10, 15, 17)
    for i in range(n):
        make_case(
            state=State.CLOSED,
            lead_department=department,
            due_by=due,
            submitted_at=due + dt.timedelta(hours=1 if i < late else -1),
            closed_at=at(2026, 10, 16),
        )


def test_thin_departments_show_too_few_cases_on_the_pages(
    client, leader, make_case, department, other_department
):
    _cases(make_case, department, MIN_SAMPLE - 1, late=MIN_SAMPLE - 1)  # all late, but only four
    _cases(make_case, other_department, MIN_SAMPLE, late=0)
    with time_machine.travel(at(2026, 10, 20, 12), tick=False):
        for name in PAGES:
            response = page(client, leader, name, month="2026-10")
            rows = {r["slug"]: r for r in response.context["ranking"]}
            assert rows["court"]["verdict"] == "insufficient" and rows["court"]["sample"] == MIN_SAMPLE - 1
            assert not rows["court"]["below_floor"] and not rows["court"]["is_worst"]
            assert rows["police"]["verdict"] == "met"
            body = response.content.decode()
            court_row = body[body.index('data-department="court"') :].split("</tr>")[0]
            assert "样本不足" in court_row and "达标" not in court_row.replace("未达标", "")
            assert "未达标" not in court_row


def test_a_thin_department_reads_too_few_cases_on_its_own_report(client, leader, make_case, department):
    _cases(make_case, department, MIN_SAMPLE - 1, late=0)
    with time_machine.travel(at(2026, 10, 20, 12), tick=False):
        response = page(client, leader, "supervision:reports_department", "court", month="2026-10")
    body = response.content.decode()
    assert response.context["standing"]["verdict"] == "insufficient"
    assert '<span class="muted" id="standing-verdict">样本不足</span>' in body
