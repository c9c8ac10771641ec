"""Issue 12, beyond the fixes: the printable supervision order (督办通知书) the center seals and sends.

Whoever may open an order's page may print it, and nobody else (one rule: the same role check and
the same selector); the paper names the order by its printed number, the department in full, the
case, the reason, the leader's instruction, and the answer deadline as the day it ends.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from cases.models import RiskColour
from departments.models import Stage
from supervision.models import Level, Reason, SupervisionOrder, SupervisionOrderEvent
from supervision.services import supervision_order_issue

from .conftest import at, sweep_at

pytestmark = pytest.mark.django_db

INSTRUCTION = "请县人民法院会同城关镇于本周内约谈建筑公司负责人，督促结清工资。"


@pytest.fixture
def leader_order(assigned, leader):
    """A leader's hanging-plate order (挂牌督办) with an instruction, on a case in handling."""
    case = assigned(colour=RiskColour.YELLOW, when=at(2026, 10, 12, 10), accept_at=at(2026, 10, 12, 11))
    return supervision_order_issue(
        case=case,
        actor=leader,
        reason=Reason.LEADER_INSTRUCTION,
        level=Level.LEADER,
        instruction=INSTRUCTION,
        required_action="约谈企业负责人，限期结清工资并书面报告。",
    )


@pytest.fixture
def missed_order(assigned):
    """An ordinary order the sweep issued because the department did not accept the case in time."""
    case = assigned(colour=RiskColour.BLUE, when=at(2026, 10, 12, 10))
    sweep_at(at(2026, 10, 20, 9, 30))
    return SupervisionOrder.objects.get(case=case)


def _print(client, order):
    return client.get(reverse("supervision:order_print", args=[order.number]))


def _detail(client, order):
    return client.get(reverse("supervision:order_detail", args=[order.number]))


# --- Who may print: exactly who may open the order --------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 200),
        ("leader", 200),
        ("liaison", 200),  # the department the order is addressed to
        ("other_liaison", 404),  # another department's liaison: the order is not theirs
        ("reception", 403),
        ("anonymous", 302),
    ],
)
def test_the_print_is_for_exactly_those_who_may_open_the_order(client, request, leader_order, who, status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    detail, printed = _detail(client, leader_order), _print(client, leader_order)
    assert printed.status_code == detail.status_code == status


def test_an_unknown_number_is_not_found(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("supervision:order_print", args=["DB2026999999"])).status_code == 404


def test_the_print_is_read_only(client, coordinator, leader_order):
    client.force_login(coordinator)
    assert client.post(reverse("supervision:order_print", args=[leader_order.number])).status_code == 405


def test_the_order_page_links_to_its_print(client, coordinator, leader_order):
    client.force_login(coordinator)
    html = _detail(client, leader_order).content.decode()
    assert 'id="print-order"' in html
    assert reverse("supervision:order_print", args=[leader_order.number]) in html


# --- What the paper says ----------------------------------------------------------------------


def test_a_leaders_order_prints_as_a_hanging_plate_notice_with_the_instruction(
    client, coordinator, leader_order, department
):
    client.force_login(coordinator)
    html = _print(client, leader_order).content.decode()
    case = leader_order.case
    assert "挂牌督办通知书" in html
    assert leader_order.number_display in html  # 督办〔2026〕1号, as the order page prints it
    assert f'id="order-addressee">{department.display_name}：' in html
    assert case.code_display in html and case.title in html
    assert case.get_state_display() in html and case.lead_department.display_name in html
    assert INSTRUCTION in html and "领导批示" in html
    assert "约谈企业负责人，限期结清工资并书面报告。" in html
    assert f"{case.center.name}（印章）" in html
    assert "签收人" in html and "签收时间" in html
    assert 'id="back-to-order"' in html and 'id="print-receipt"' in html


def test_the_answer_deadline_reads_as_the_day_it_ends(client, coordinator, leader_order):
    client.force_login(coordinator)
    html = _print(client, leader_order).content.decode()
    respond_by = leader_order.respond_by.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert respond_by.time() == dt.time.min  # the service sets the end of a day ...
    last_day = respond_by.date() - dt.timedelta(days=1)
    # ... which the paper prints as that day, "24时前", never "00:00" of the next.
    assert f"{last_day.month}月{last_day.day}日24时前" in html
    assert "00:00" not in html


def test_an_ordinary_order_names_the_missed_stage_and_deadline_and_no_instruction(
    client, coordinator, missed_order, department
):
    assert missed_order.level == Level.ORDER and missed_order.stage == Stage.ACCEPT
    client.force_login(coordinator)
    html = _print(client, missed_order).content.decode()
    assert "督办通知书" in html and "挂牌督办通知书" not in html
    assert missed_order.number_display in html and department.display_name in html
    assert "逾期未办" in html and "签收" in html
    deadline = missed_order.deadline.astimezone(dt.timezone(dt.timedelta(hours=8)))
    last_day = deadline.date() - dt.timedelta(days=1) if deadline.time() == dt.time.min else deadline.date()
    assert f"{last_day.month}月{last_day.day}日24时" in html
    assert 'id="print-instruction"' not in html and "领导批示" not in html
    assert "24时前" in html and "00:00" not in html


def test_an_order_on_the_centers_own_assessment_is_addressed_to_the_center(
    client, new_case, coordinator, liaison
):
    """No department: the center answers its own missed assessment, and the paper says so."""
    with time_machine.travel(at(2026, 10, 12, 10), tick=False):
        case = new_case()
    sweep_at(at(2026, 10, 15, 0, 0, 1))
    order = SupervisionOrder.objects.get(case=case)
    assert order.department is None
    client.force_login(coordinator)
    html = _print(client, order).content.decode()
    assert f'id="order-addressee">{order.addressee}：' in html and "尚未交办" in html
    assert "研判交办" in html  # the missed stage
    client.force_login(liaison)  # a department's liaison opens neither the order nor its paper
    assert _print(client, order).status_code == _detail(client, order).status_code == 404


# --- Queries ----------------------------------------------------------------------------------


def test_the_print_runs_a_constant_number_of_queries(
    client, coordinator, leader_order, django_assert_num_queries
):
    client.force_login(coordinator)
    url = reverse("supervision:order_print", args=[leader_order.number])
    client.get(url)  # warm the session and caches
    # Session, user, staff profile (role); the order with its case, departments and issuer, its
    # events and the orders raised from it (the order page's selector); the menu's four counts
    # (base layout); the case's center, whose name heads and seals the paper.
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200
    for i in range(5):
        SupervisionOrderEvent.objects.create(
            order=leader_order,
            actor=coordinator,
            action=SupervisionOrderEvent.Action.choices[0][0],
            to_status=leader_order.status,
            note=f"记录 {i}",
            created_at=leader_order.issued_at + dt.timedelta(hours=i + 1),
        )
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200
