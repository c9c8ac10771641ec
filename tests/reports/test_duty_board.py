"""The hall's public duty board (公示牌): no log-in, today's holders, a large-screen page."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from departments.models import Center, DutyAssignment
from departments.views import duty_board

from .conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reports.urls")]
P = DutyAssignment.Position


@pytest.fixture
def board(center):
    def assign(position, name, start, end=None, **fields):
        return DutyAssignment.objects.create(
            center=center, position=position, person_name=name, start_date=start, end_date=end, **fields
        )

    assign(P.FIRST_DIRECTOR, "周建国", dt.date(2026, 1, 1), title="县委书记", phone="0712-4321001")
    assign(
        P.SECOND_DIRECTOR, "何振华", dt.date(2026, 1, 1), title="县委常委、政法委书记", phone="0712-4321002"
    )
    assign(P.SECOND_DIRECTOR, "前任", dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assign(P.CHIEF_DUTY_OFFICER, "孙立新", dt.date(2026, 1, 1), title="县综治中心主任", phone="0712-4321003")
    assign(
        P.DUTY_DIRECTOR,
        "黄晓军",
        dt.date(2026, 10, 12),
        dt.date(2026, 10, 18),
        title="副主任",
        phone="0712-4321011",
    )
    assign(
        P.DUTY_DIRECTOR,
        "邓丽萍",
        dt.date(2026, 10, 19),
        dt.date(2026, 10, 25),
        title="司法局副局长",
        phone="0712-4321012",
    )
    return center


def test_anyone_sees_todays_board_without_logging_in(client, board):
    with time_machine.travel(at(2026, 10, 20, 9), tick=False):
        response = client.get(reverse("departments:duty_board"))
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "第一主任",
        "周建国",
        "县委书记",
        "0712-4321001",
        "第二主任",
        "何振华",
        "总值班长",
        "孙立新",
        "今日值班主任",
        "邓丽萍",
    ):
        assert text in body, text
    assert "黄晓军" not in body and "前任" not in body
    assert 'http-equiv="refresh"' in body
    assert "<script" not in body


def test_the_duty_director_changes_with_the_day(board):
    with time_machine.travel(at(2026, 10, 18, 23, 59), tick=False):
        posts = {p["position"]: p["holder"] for p in duty_board(center=board, today=dt.date(2026, 10, 18))}
    assert posts[P.DUTY_DIRECTOR].person_name == "黄晓军"
    posts = {p["position"]: p["holder"] for p in duty_board(center=board, today=dt.date(2026, 10, 26))}
    assert posts[P.DUTY_DIRECTOR] is None  # nobody scheduled: the board says so, not an error
    assert [p["position"] for p in duty_board(center=board, today=dt.date(2026, 10, 26))] == [
        P.FIRST_DIRECTOR,
        P.SECOND_DIRECTOR,
        P.CHIEF_DUTY_OFFICER,
        P.DUTY_DIRECTOR,
    ]


def test_an_empty_board_shows_placeholders(client, center):
    response = client.get(reverse("departments:duty_board"))
    assert response.status_code == 200
    assert response.content.decode().count("暂未公示") == 4


def test_a_township_center_has_its_own_board(client, board):
    town = Center.objects.create(name="城关镇综治中心", code="420991", parent=board)
    DutyAssignment.objects.create(
        center=town, position=P.DUTY_DIRECTOR, person_name="镇值班", start_date=dt.date(2000, 1, 1)
    )
    body = client.get(reverse("departments:duty_board_center", args=["420991"])).content.decode()
    assert "城关镇综治中心" in body and "镇值班" in body and "周建国" not in body
    assert "镇值班" not in client.get(reverse("departments:duty_board")).content.decode()
    assert client.get(reverse("departments:duty_board_center", args=["999999"])).status_code == 404


def test_no_center_is_404(client, db):
    assert client.get(reverse("departments:duty_board")).status_code == 404


def test_the_board_takes_one_query(client, board, django_assert_num_queries):
    with django_assert_num_queries(2):  # the center, the assignments
        client.get(reverse("departments:duty_board"))
