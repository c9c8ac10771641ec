"""Loading a year from the State Council notice; provisional deadlines, marked and then recomputed."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from cases.models import CaseEvent
from cases.services import case_assign, case_deadlines_recompute, case_start_assessment
from departments.holidays import calendar_year_load, parse_notice
from departments.models import CalendarDay
from departments.workdays import is_workday, years_missing_data
from tests.factories import UserFactory

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db

# Not the official 2027 arrangement (unpublished when this was written): test data in its format.
NOTICE = """
# test data, not the notice
2027-01-01            holiday  元旦
2027-01-04..2027-01-05 休      测试假日
2027-01-09            workday  测试调休上班
"""


def test_parse_notice_expands_ranges_in_date_order():
    days = parse_notice(NOTICE, year=2027)
    assert [(d.date.day, d.is_workday, d.name) for d in days] == [
        (1, False, "元旦"),
        (4, False, "测试假日"),
        (5, False, "测试假日"),
        (9, True, "测试调休上班"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-13-01 holiday 元旦", "第 1 行"),
        ("2027-01-01 maybe 元旦", "第 1 行"),
        ("2028-01-01 holiday 元旦", "不在 2027 年内"),
        ("2027-01-02..2027-01-01 holiday 元旦", "区间无效"),
        ("2027-01-01 holiday 元旦\n2027-01-01 workday 补班", "重复出现"),
        ("# nothing\n", "没有读到"),
    ],
)
def test_parse_notice_names_the_bad_line(text, message):
    with pytest.raises(ValidationError) as info:
        parse_notice(text, year=2027)
    assert message in " ".join(info.value.messages)


def test_the_shipped_example_matches_the_official_2026_calendar():
    from pathlib import Path

    import chinese_calendar

    path = Path(__file__).resolve().parents[2] / "departments/calendars/2026.example.txt"
    for day in parse_notice(path.read_text(encoding="utf-8"), year=2026):
        assert chinese_calendar.is_workday(day.date) == day.is_workday, day


def test_loading_replaces_the_year_and_fills_the_gap():
    CalendarDay.objects.create(date=dt.date(2027, 3, 1), is_workday=False, note="旧")
    calendar_year_load(year=2027, days=parse_notice(NOTICE, year=2027))
    assert not CalendarDay.objects.filter(note="旧").exists()
    assert not is_workday(dt.date(2027, 1, 4)) and is_workday(dt.date(2027, 1, 9))
    assert 2027 not in years_missing_data(dt.date(2027, 1, 1))


@pytest.fixture
def provisional_case(new_case, coordinator, department, liaison):
    """A case received and assigned on 31 December 2026: its deadlines run into 2027."""
    with time_machine.travel(dt.datetime(2026, 12, 31, 10, tzinfo=SH), tick=False):
        case = new_case()
        assert case.deadlines_provisional  # a blue case's 2 working days reach into 2027
        assert case.assess_by == dt.datetime(2027, 1, 5, tzinfo=SH)  # Mon 4 Jan counted, Fri 1 Jan too
        case = case_start_assessment(case=case, actor=coordinator)
        case = case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
    return case


def test_intake_stores_assess_by_and_marks_it_provisional_only_when_needed(new_case):
    with time_machine.travel(dt.datetime(2026, 11, 18, 10, tzinfo=SH), tick=False):
        case = new_case()
    assert case.assess_by == dt.datetime(2026, 11, 21, tzinfo=SH)  # Wed + 2 working days, end of Friday
    assert not case.deadlines_provisional


def test_assignment_marks_deadlines_into_an_unknown_year(provisional_case):
    provisional_case.refresh_from_db()
    assert provisional_case.deadlines_provisional
    # Accept in 3 working days, Monday–Friday: Fri 1, Mon 4, Tue 5 January.
    assert provisional_case.accept_by == dt.datetime(2027, 1, 6, tzinfo=SH)


def test_loading_the_year_recomputes_provisional_deadlines_with_an_event(provisional_case):
    calendar_year_load(year=2027, days=parse_notice(NOTICE, year=2027))
    changed = case_deadlines_recompute(now=dt.datetime(2027, 1, 2, tzinfo=SH))
    provisional_case.refresh_from_db()
    assert changed == [provisional_case.pk]
    # 1, 4 and 5 January are now holidays: Wed 6, Thu 7, Fri 8 January.
    assert provisional_case.accept_by == dt.datetime(2027, 1, 9, tzinfo=SH)
    assert not provisional_case.deadlines_provisional
    event = CaseEvent.objects.get(case=provisional_case, transition="recompute_deadlines")
    assert event.data["old"]["accept_by"] == dt.datetime(2027, 1, 6, tzinfo=SH).isoformat()
    assert event.data["new"]["accept_by"] == dt.datetime(2027, 1, 9, tzinfo=SH).isoformat()
    assert case_deadlines_recompute() == []  # nothing provisional is left
    # Both writes are in the row history: the calendar's days and the case's new deadlines.
    assert CalendarDay.history.filter(date=dt.date(2027, 1, 4), history_type="+").exists()
    latest = provisional_case.history.order_by("-history_id").first()
    assert (
        latest.accept_by == dt.datetime(2027, 1, 9, tzinfo=SH)
        and latest.history_change_reason == "recompute_deadlines"
    )


def test_the_case_page_marks_provisional_deadlines(client, coordinator, provisional_case):
    client.force_login(coordinator)
    body = client.get(reverse("cases:detail", args=[provisional_case.code])).content.decode()
    assert "按周一至周五推算，节假日安排公布后将重新计算" in body


def test_load_calendar_year_command(tmp_path, provisional_case):
    notice = tmp_path / "2027.txt"
    notice.write_text(NOTICE, encoding="utf-8")
    out = io.StringIO()
    call_command("load_calendar_year", "--year", "2027", str(notice), "--dry-run", stdout=out)
    assert "2027: 3 holidays, 1 make-up working days (dry run" in out.getvalue()
    assert not CalendarDay.objects.exists()
    call_command("load_calendar_year", "--year", "2027", str(notice), stdout=out)
    assert CalendarDay.objects.filter(date__year=2027).count() == 4
    assert "deadlines recomputed on 1 cases" in out.getvalue()
    with pytest.raises(CommandError, match="不在 2028 年内"):
        call_command("load_calendar_year", "--year", "2028", str(notice), stdout=out)


def test_admin_previews_then_loads(client, provisional_case):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:departments_calendarday_load")
    assert client.get(url).status_code == 200
    preview = client.post(url, {"year": 2027, "text": NOTICE, "preview": "1"})
    body = preview.content.decode()
    assert preview.status_code == 200 and 'id="calendar-preview"' in body and "测试调休上班" in body
    assert not CalendarDay.objects.exists()  # a preview writes nothing
    done = client.post(url, {"year": 2027, "text": NOTICE, "confirm": "1"})
    assert done.status_code == 302
    assert CalendarDay.objects.filter(date__year=2027).count() == 4
    assert CaseEvent.objects.filter(case=provisional_case, transition="recompute_deadlines").exists()
    bad = client.post(url, {"year": 2027, "text": "2027-02-30 holiday 假", "preview": "1"})
    assert bad.status_code == 200 and "第 1 行" in bad.content.decode()
