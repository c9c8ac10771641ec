"""The supervision pages end to end: roles, object-level checks (404 across departments), forms, query counts."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases.models import RiskColour, State
from cases.services import case_close, case_submit_result
from supervision.models import Callback, Level, OrderStatus, Reason, SupervisionOrder
from supervision.services import callback_round_sample, evaluation_record, supervision_order_issue

from ..factories import CaseFactory
from .conftest import at

pytestmark = pytest.mark.django_db


def make_orders(n, department, *, status=OrderStatus.ISSUED, start=1):
    now = timezone.now()
    orders = []
    for i in range(start, start + n):
        case = CaseFactory(
            state=State.SUPERVISED,
            lead_department=department,
            risk_colour=RiskColour.YELLOW,
            center=department.center,
        )
        orders.append(
            SupervisionOrder.objects.create(
                number=f"DB2026{i:06d}", case=case, department=department, reason=Reason.DEADLINE_MISSED,
                level=Level.LEADER if i % 3 == 0 else Level.ORDER, status=status, required_action="签收逾期",
                issued_at=now, respond_from=now, respond_by=now + dt.timedelta(days=3 - i % 5),
            )
        )  # fmt: skip
    return orders


@pytest.fixture
def order(assigned, leader):
    case = assigned(colour=RiskColour.YELLOW, when=at(2026, 10, 12, 10), accept_at=at(2026, 10, 12, 11))
    return supervision_order_issue(
        case=case, actor=leader, reason=Reason.LEADER_INSTRUCTION, instruction="限期办结"
    )


# --- Who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("coordinator", 200), ("leader", 200), ("liaison", 403), ("reception", 403), ("anonymous", 302)],
)
def test_the_order_list_is_for_the_center(client, request, who, status, order):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("supervision:order_list"))
    assert response.status_code == status
    if status == 200:
        assert order.number in response.content.decode()


def test_a_liaison_sees_only_their_departments_orders(client, order, liaison, other_liaison, reception):
    url = reverse("supervision:order_detail", args=[order.number])
    client.force_login(liaison)
    response = client.get(url)
    assert response.status_code == 200 and 'id="respond-form"' in response.content.decode()
    client.force_login(other_liaison)
    assert client.get(url).status_code == 404
    assert (
        client.post(reverse("supervision:order_respond", args=[order.number]), {"response": "x"}).status_code
        == 404
    )
    assert client.get(reverse("supervision:order_detail", args=["DB2026999999"])).status_code == 404
    client.force_login(reception)
    assert client.get(url).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


def test_answer_then_verify_through_the_pages(client, order, liaison, coordinator):
    client.force_login(liaison)
    response = client.post(reverse("supervision:order_respond", args=[order.number]), {"response": ""})
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    response = client.post(
        reverse("supervision:order_respond", args=[order.number]), {"response": "已发放工资。"}
    )
    assert response.status_code == 302 and response.url == reverse("supervision:orders_to_answer")
    order.refresh_from_db()
    assert order.status == OrderStatus.RESPONDED

    assert client.post(reverse("supervision:order_verify", args=[order.number])).status_code == 403
    client.force_login(coordinator)
    detail = client.get(reverse("supervision:order_detail", args=[order.number])).content.decode()
    assert 'id="verify-form"' in detail and "已发放工资。" in detail
    response = client.post(
        reverse("supervision:order_verify", args=[order.number]), {"note": "已核实"}, follow=True
    )
    assert "已核查办结" in response.content.decode()
    order.refresh_from_db()
    order.case.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED and order.case.state == State.HANDLING


def test_send_back_needs_a_reason(client, order, liaison, coordinator):
    client.force_login(liaison)
    client.post(reverse("supervision:order_respond", args=[order.number]), {"response": "在办"})
    client.force_login(coordinator)
    assert (
        client.post(reverse("supervision:order_reject", args=[order.number]), {"reason": ""}).status_code
        == 400
    )
    response = client.post(reverse("supervision:order_reject", args=[order.number]), {"reason": "请写明时间"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.rejection_count) == (OrderStatus.ISSUED, 1)


def test_a_leader_issues_an_order_by_case_code(client, leader, coordinator, assigned):
    case = assigned(colour=RiskColour.BLUE, when=at(2026, 10, 12, 10))
    url = reverse("supervision:order_issue")
    client.force_login(coordinator)
    assert client.get(url).status_code == 403
    client.force_login(leader)
    assert client.get(url + f"?code={case.code}").status_code == 200
    response = client.post(
        url, {"code": "4209-2320-2600-0001-4", "level": "leader", "instruction": "限期办结"}
    )
    assert response.status_code == 400 and "校验码不符" in response.content.decode()
    response = client.post(
        url, {"code": case.code_display, "level": "leader", "instruction": "请三日内办结并报告。"}
    )
    order = SupervisionOrder.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "supervision:order_detail", args=[order.number]
    )
    assert (order.level, order.instruction, order.issued_by) == (Level.LEADER, "请三日内办结并报告。", leader)
    case.refresh_from_db()
    assert case.state == State.SUPERVISED


def test_an_order_on_an_unassigned_case_is_refused_on_the_form(client, leader, new_case):
    client.force_login(leader)
    case = new_case()
    response = client.post(
        reverse("supervision:order_issue"), {"code": case.code, "level": "order", "instruction": "请办理"}
    )
    assert response.status_code == 400 and "尚无承办单位" in response.content.decode()


def test_the_case_panel_is_for_staff_who_may_see_the_case(
    client, order, coordinator, liaison, other_liaison, leader
):
    url = reverse("supervision:case_panel", args=[order.case.code])
    for user in (coordinator, liaison, leader):
        client.force_login(user)
        response = client.get(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        body = response.content.decode()
        assert order.number in body and "<html" not in body
    client.force_login(other_liaison)
    assert client.get(url).status_code == 404
    assert client.get(reverse("supervision:case_panel", args=["42092320269999999"])).status_code == 404


def test_a_coordinator_reopens_an_evaluated_case_under_supervision(client, assigned, liaison, coordinator):
    case = assigned(colour=RiskColour.YELLOW, when=at(2026, 10, 12, 10), accept_at=at(2026, 10, 12, 11))
    case = case_close(case=case_submit_result(case=case, actor=liaison, result="已办结"), actor=coordinator)
    evaluation_record(case=case, actor=None, rating="dissatisfied")
    order = SupervisionOrder.objects.get()
    client.force_login(coordinator)
    detail = reverse("supervision:order_detail", args=[order.number])
    assert 'id="reopen-form"' in client.get(detail).content.decode()
    response = client.post(
        reverse("supervision:case_reopen", args=[case.code]), {"reason": "当事人不满意", "next": detail}
    )
    assert response.status_code == 302 and response.url == detail
    case.refresh_from_db()
    assert case.state == State.SUPERVISED
    client.force_login(liaison)
    assert (
        client.post(reverse("supervision:case_reopen", args=[case.code]), {"reason": "x"}).status_code == 403
    )


def test_orders_to_answer_lists_only_the_liaisons_department(client, liaison, department, other_department):
    mine = make_orders(3, department)
    theirs = make_orders(2, other_department, start=100)
    client.force_login(liaison)
    body = client.get(reverse("supervision:orders_to_answer")).content.decode()
    assert all(o.number in body for o in mine)
    assert not any(o.number in body for o in theirs)


def count_queries(client, url, params=None) -> tuple[int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params or {})  # warm: the first request of a session caches a little
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries), response


def test_the_order_list_runs_a_constant_number_of_queries(client, coordinator, department):
    client.force_login(coordinator)
    make_orders(10, department)
    few, response = count_queries(client, reverse("supervision:order_list"), {"status": "open"})
    assert len(response.context["orders"]) == 10
    make_orders(50, department, start=11)
    many, response = count_queries(client, reverse("supervision:order_list"), {"status": "open"})
    assert len(response.context["orders"]) == 50  # one page
    assert few == many <= 13  # 10, plus the menu's queue counts (3)


def test_orders_to_answer_runs_a_constant_number_of_queries(client, liaison, department):
    client.force_login(liaison)
    make_orders(10, department)
    few, response = count_queries(client, reverse("supervision:orders_to_answer"))
    assert len(response.context["to_answer"]) == 10
    make_orders(50, department, start=11)
    many, response = count_queries(client, reverse("supervision:orders_to_answer"))
    assert len(response.context["to_answer"]) == 60
    assert few == many <= 9  # a liaison's menu counts its waiting summonses (吹哨待报到) too


# --- Callbacks --------------------------------------------------------------------------------


@pytest.fixture
def round_with_callbacks(assigned, liaison, coordinator):
    for n in range(3):
        case = assigned(colour=RiskColour.BLUE, when=at(2026, 10, 12, 10 + n), accept_at=at(2026, 10, 12, 16))
        with time_machine.travel(at(2026, 10, 20, 10 + n), tick=False):
            case_close(case=case_submit_result(case=case, actor=liaison, result="已办结"), actor=coordinator)
    with time_machine.travel(at(2026, 11, 1, 9), tick=False):
        round, _ = callback_round_sample(month=dt.date(2026, 10, 1))
    return round


def test_the_callbacks_page_and_form(client, round_with_callbacks, coordinator, liaison, leader):
    round = round_with_callbacks
    assert round.sample_size_taken == 2  # the same two parties on all three cases: each person once
    client.force_login(liaison)
    assert client.get(reverse("supervision:callbacks")).status_code == 403
    client.force_login(leader)
    assert client.get(reverse("supervision:callbacks")).status_code == 200
    client.force_login(coordinator)
    response = client.get(reverse("supervision:callbacks"), {"month": "2026-10"})
    body = response.content.decode()
    assert response.status_code == 200 and "2026年10月" in body
    callback = round.callbacks.order_by("position").first()
    form_url = reverse("supervision:callback_detail", args=[callback.pk])
    assert str(callback.party.phone) in client.get(form_url).content.decode()  # the caller needs the number
    response = client.post(form_url, {"reached": "yes", "rating": ""})
    assert response.status_code == 400 and "请选择当事人的满意度" in response.content.decode()
    response = client.post(form_url, {"reached": "yes", "rating": "basically_satisfied", "comment": "处理慢"})
    assert response.status_code == 302
    callback.refresh_from_db()
    assert callback.status == Callback.Status.DONE and callback.order.reason == Reason.BAD_CALLBACK
    client.force_login(leader)
    assert client.post(form_url, {"reached": "no"}).status_code == 404


def test_callbacks_page_query_count_is_constant(client, round_with_callbacks, coordinator):
    client.force_login(coordinator)
    count, response = count_queries(
        client, reverse("supervision:callbacks"), {"month": "2026-10", "who": "all"}
    )
    assert len(response.context["callbacks"]) == round_with_callbacks.sample_size_taken
    assert count <= 11
