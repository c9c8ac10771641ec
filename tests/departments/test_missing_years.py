"""The missing-calendar warning: one query whatever the date, no Chinese left in English."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from departments.models import CalendarDay
from departments.templatetags.calendar_tags import year_span
from departments.workdays import years_missing_data

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 6, 1), [2027]),
        (dt.date(2027, 1, 1), [2027, 2028]),
        (dt.date(2028, 2, 29), [2028, 2029]),
    ],
)
def test_missing_years_in_one_query(db, django_assert_num_queries, today, expected):
    with django_assert_num_queries(1):
        assert years_missing_data(today) == expected


def test_loaded_year_is_not_missing(db):
    CalendarDay.objects.create(date=dt.date(2028, 1, 1), is_workday=False, note="元旦")
    assert years_missing_data(dt.date(2027, 12, 31)) == [2027]


def test_year_span():
    assert (year_span([]), year_span([2027]), year_span([2028, 2027])) == ("", "2027", "2027–2028")


def test_workbench_warning_in_english_when_two_years_are_missing(client, coordinator):
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), tick=False):
        client.force_login(coordinator)
        zh = client.get(reverse("cases:workbench")).content.decode()
        en = client.get(reverse("cases:workbench"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "工作日历缺少 2027–2028 年" in zh
    assert "2027–2028" in en
    assert "、" not in en
