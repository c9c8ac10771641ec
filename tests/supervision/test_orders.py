"""Orders by hand and on evaluations: issue, answer, verify, send back, reopen; roles and states."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import CaseEvent, Evaluation, Notification, Rating, RiskColour, State
from cases.services import case_close, case_submit_result
from common.exceptions import ActionForbidden, ConcurrentChange, InvalidTransition
from departments.models import Stage
from integrations.models import WebhookDelivery, WebhookSubscription
from supervision.models import Level, OrderStatus, Reason, SupervisionOrder
from supervision.services import (
    allocate_order_numbers,
    case_reopen_with_supervision,
    evaluation_record,
    supervision_order_issue,
    supervision_order_reject,
    supervision_order_respond,
    supervision_order_verify,
)

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def handling(assigned):
    return assigned(colour=RiskColour.YELLOW, when=at(2026, 10, 12, 10), accept_at=at(2026, 10, 12, 11))


@pytest.fixture
def closed(handling, liaison, coordinator):
    case = case_submit_result(case=handling, actor=liaison, result="双方达成调解协议，工资已全部支付。")
    return case_close(case=case, actor=coordinator)


@pytest.fixture
def subscribed(db):
    return WebhookSubscription.objects.create(
        name="上级平台",
        url="https://example.cn/hook",
        event_types=[
            "supervision_order.issued",
            "supervision_order.raised",
            "evaluation.recorded",
            "case.transition",
        ],
    )


def issue(case, leader, **overrides):
    fields = {
        "case": case,
        "actor": leader,
        "reason": Reason.LEADER_INSTRUCTION,
        "instruction": "请县法院三日内拿出化解方案。",
    }
    return supervision_order_issue(**(fields | overrides))


def test_a_leader_issues_an_order_with_an_instruction_and_the_case_is_supervised(
    handling, leader, liaison, duty_board, subscribed
):
    order = issue(handling, leader, level=Level.LEADER)
    assert (order.reason, order.level, order.status, order.issued_by) == (
        Reason.LEADER_INSTRUCTION, Level.LEADER, OrderStatus.ISSUED, leader,
    )  # fmt: skip
    assert order.instruction == "请县法院三日内拿出化解方案。"
    assert order.required_action == "请按领导批示办理，并答复办理情况。"
    assert order.department == handling.lead_department
    assert order.case.state == State.SUPERVISED and order.case.version == handling.version + 1
    event = CaseEvent.objects.filter(case=handling).latest("id")
    assert (event.transition, event.actor, event.data["order"]) == ("supervise", leader, order.number)
    # The duty board hears of it here; the liaison through the case's own "supervise" notice.
    assert (
        Notification.objects.filter(user=duty_board["second_director"], kind="supervision_leader").count()
        == 1
    )
    assert not Notification.objects.filter(user=liaison, kind="supervision_leader").exists()
    delivery = WebhookDelivery.objects.get(event_type="supervision_order.issued")
    assert delivery.payload["number"] == order.number and delivery.payload["level"] == "leader"
    assert "张三" not in str(delivery.payload) and "138" not in str(delivery.payload)


def test_only_leaders_instruct_and_an_instruction_is_required(handling, coordinator, liaison, leader):
    with pytest.raises(ActionForbidden):
        issue(handling, coordinator)
    with pytest.raises(ActionForbidden):
        issue(handling, liaison)
    with pytest.raises(ValidationError) as exc:
        issue(handling, leader, instruction="  ")
    assert "instruction" in exc.value.message_dict
    assert not SupervisionOrder.objects.exists()


def test_no_order_before_assignment_and_none_from_a_stale_view(new_case, leader, handling, liaison):
    with pytest.raises(InvalidTransition):
        issue(new_case(), leader)
    stale = handling.__class__.objects.get(pk=handling.pk)
    issue(handling, leader)
    with pytest.raises(ConcurrentChange):
        issue(stale, leader)


def test_the_department_answers_and_the_coordinator_verifies_ending_supervision(
    handling, leader, liaison, other_liaison, coordinator
):
    order = issue(handling, leader)
    with pytest.raises(ActionForbidden):
        supervision_order_respond(order=order, actor=other_liaison, response="不是我们的")
    with pytest.raises(ValidationError):
        supervision_order_respond(order=order, actor=liaison, response=" ")
    order = supervision_order_respond(order=order, actor=liaison, response="已约谈施工方，工资本周内发放。")
    assert (order.status, order.responded_by) == (OrderStatus.RESPONDED, liaison)
    assert Notification.objects.filter(user=coordinator, kind="supervision_response").count() == 1
    with pytest.raises(InvalidTransition):
        supervision_order_respond(order=order, actor=liaison, response="再答一次")
    with pytest.raises(ActionForbidden):
        supervision_order_verify(order=order, actor=liaison)

    order = supervision_order_verify(order=order, actor=coordinator, note="已电话核实。")
    assert (order.status, order.verified_by) == (OrderStatus.VERIFIED, coordinator)
    assert order.case.state == State.HANDLING
    event = CaseEvent.objects.filter(case=handling).latest("id")
    assert (event.transition, event.actor) == ("end_supervision", coordinator)
    assert list(order.events.values_list("action", flat=True)) == ["issue", "respond", "verify"]
    with pytest.raises(InvalidTransition):
        supervision_order_verify(order=order, actor=coordinator)


def test_the_case_stays_supervised_while_another_order_is_open(handling, leader, liaison, coordinator):
    first = issue(handling, leader)
    second = issue(first.case, leader, instruction="同时请说明工程款情况。")
    supervision_order_respond(order=first, actor=liaison, response="已处理。")
    verified = supervision_order_verify(order=first, actor=coordinator)
    assert verified.case.state == State.SUPERVISED
    supervision_order_respond(order=second, actor=liaison, response="已说明。")
    assert supervision_order_verify(order=second, actor=coordinator).case.state == State.HANDLING


def test_a_rejected_answer_goes_back_with_a_new_deadline(handling, leader, liaison, coordinator):
    order = issue(handling, leader)
    order = supervision_order_respond(order=order, actor=liaison, response="正在处理。")
    with pytest.raises(ValidationError):
        supervision_order_reject(order=order, actor=coordinator, reason="")
    order = supervision_order_reject(order=order, actor=coordinator, reason="答复过于笼统，请写明发放时间。")
    assert (order.status, order.rejection_count) == (OrderStatus.ISSUED, 1)
    assert order.respond_by > order.respond_from > order.issued_at
    assert Notification.objects.filter(user=liaison, kind="supervision_rejected").count() == 1
    assert [e.action for e in order.events.all()] == ["issue", "respond", "reject"]
    assert order.events.last().note == "答复过于笼统，请写明发放时间。"


@pytest.mark.parametrize(
    ("rating", "orders"), [(Rating.SATISFIED, 0), (Rating.BASICALLY_SATISFIED, 1), (Rating.DISSATISFIED, 1)]
)
def test_the_partys_evaluation_from_the_tracking_page(rating, orders, closed, subscribed):
    evaluation = evaluation_record(case=closed, actor=None, rating=rating, comment="工资还差两千元没有发。")
    assert isinstance(evaluation, Evaluation) and evaluation.channel == Evaluation.Channel.TRACKING
    assert SupervisionOrder.objects.count() == orders
    closed.refresh_from_db()
    assert closed.state == State.EVALUATED  # the state stays until a coordinator reopens it
    if orders:
        order = SupervisionOrder.objects.get()
        assert (order.reason, order.level, order.issued_by, order.department) == (
            Reason.BAD_EVALUATION, Level.ORDER, None, closed.lead_department,
        )  # fmt: skip
        assert str(Rating(rating).label) in order.required_action and "两千元" in order.required_action
    payload = WebhookDelivery.objects.get(event_type="evaluation.recorded").payload
    assert payload["rating"] == rating and "comment" not in payload


def test_reopening_an_evaluated_case_with_an_open_order_puts_it_under_supervision(
    closed, coordinator, liaison
):
    evaluation_record(case=closed, actor=None, rating=Rating.DISSATISFIED)
    order = SupervisionOrder.objects.get()
    case = case_reopen_with_supervision(case=order.case, actor=coordinator, reason="当事人不满意，重新办理。")
    assert case.state == State.SUPERVISED
    supervision_order_respond(order=order, actor=liaison, response="已再次调解，补发工资。")
    assert supervision_order_verify(order=order, actor=coordinator).case.state == State.HANDLING


def test_reopening_without_an_open_order_goes_back_to_handling(closed, coordinator):
    evaluation_record(case=closed, actor=None, rating=Rating.SATISFIED)
    closed.refresh_from_db()
    assert case_reopen_with_supervision(case=closed, actor=coordinator, reason="复查").state == State.HANDLING


def test_order_numbers_are_consecutive_per_year():
    with transaction.atomic():
        assert allocate_order_numbers(year=2026, count=2) == ["DB2026000001", "DB2026000002"]
        assert allocate_order_numbers(year=2026, count=1) == ["DB2026000003"]
        assert allocate_order_numbers(year=2027, count=1) == ["DB2027000001"]


def test_the_database_refuses_a_second_order_for_the_same_deadline(handling):
    fields = {
        "case": handling,
        "department": handling.lead_department,
        "reason": Reason.DEADLINE_MISSED,
        "level": Level.ORDER,
        "stage": Stage.ACCEPT,
        "deadline": handling.accept_by,
        "required_action": "签收逾期",
        "issued_at": handling.accept_by,
        "respond_from": handling.accept_by,
        "respond_by": handling.due_by,
    }
    SupervisionOrder.objects.create(number="DB2026900001", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisionOrder.objects.create(number="DB2026900002", **fields)
    fields["level"] = Level.LEADER  # one order per level: the leader level may follow
    SupervisionOrder.objects.create(number="DB2026900003", **fields)


def test_each_person_is_told_once_by_inbox_and_mail_after_commit(
    handling, leader, liaison, duty_board, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        order = issue(handling, leader, level=Level.LEADER)
    recipients = sorted(address for message in mailoutbox for address in message.to)
    directors = [duty_board[p].email for p in ("first_director", "second_director", "duty_director")]
    # The liaison hears of it through the case's own "supervise" notice, which names the order.
    assert recipients == sorted([liaison.email, *directors])
    to_liaison = next(m for m in mailoutbox if m.to == [liaison.email])
    assert order.number in to_liaison.body
    to_director = next(m for m in mailoutbox if m.to == [duty_board["first_director"].email])
    assert order.number in to_director.subject and f"/supervision/orders/{order.number}/" in to_director.body
    assert Notification.objects.filter(user=liaison).count() == 1
