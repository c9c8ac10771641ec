"""Item 8 of issue 12: a deadline at the end of a day reads as that day ("12月4日24时前")."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from common.when import deadline_text, end_of_day_date, moment_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (at(2026, 12, 5, 0, 0), "12月4日24时前"),  # midnight: the end of the day before
        (at(2026, 12, 5, 17, 30), "12月5日17:30前"),
        (at(2026, 12, 5, 0, 1), "12月5日00:01前"),
        (at(2027, 1, 1, 0, 0), "12月31日24时前"),  # the end of this year's last day: no year
        (at(2027, 1, 2, 0, 0), "2027年1月1日24时前"),  # next year's days carry the year
        (dt.datetime(2026, 12, 4, 16, 0, tzinfo=dt.UTC), "12月4日24时前"),  # Shanghai's midnight, in UTC
        (None, "—"),
    ],
)
def test_deadline_text_reads_as_people_read_it(moment, text):
    with translation.override("zh-hans"):
        assert deadline_text(moment, now=NOW) == text


def test_utc_midnight_is_not_the_end_of_a_shanghai_day():
    moment = dt.datetime(2026, 12, 5, 0, 0, tzinfo=dt.UTC)  # 08:00 in Shanghai
    assert end_of_day_date(moment) is None
    with translation.override("zh-hans"):
        assert deadline_text(moment, now=NOW) == "12月5日08:00前"


def test_moment_text_and_english():
    with translation.override("zh-hans"):
        assert moment_text(at(2026, 12, 5), now=NOW) == "12月4日24时"
        assert moment_text(at(2026, 12, 5, 9, 5), now=NOW) == "12月5日 09:05"
    with translation.override("en"):
        assert deadline_text(at(2026, 12, 5), now=NOW) == "by the end of 4 Dec"
        assert deadline_text(at(2026, 12, 5, 17, 30), now=NOW) == "by 17:30, 5 Dec"
