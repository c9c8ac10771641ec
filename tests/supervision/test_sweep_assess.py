"""The sweep watches the "assess by" deadline printed on the receipt: the center's own stage.

A case not yet assigned gets a reminder before its assess_by and an order when it is missed
(leader level for a red case). Both concern the center, not a department: the center's
coordinators hear of them and answer the order; it never puts the case under supervision and
never counts against a department in the reports.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from cases.models import CaseEvent, Notification, RiskColour, State
from cases.services import case_assign, case_return_to_center, case_start_assessment
from departments.models import Stage
from integrations.models import WebhookDelivery, WebhookSubscription
from supervision.models import Level, OrderStatus, Reason, Reminder, SupervisionOrder
from supervision.reports import selectors as report_selectors
from supervision.services import supervision_order_verify

from ..api.conftest import token_client, url
from .conftest import Position, at, sweep_at

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)
NOTHING = dict.fromkeys(
    ["reminders", "orders", "leader_orders", "raised", "supervised_cases", "notifications"], 0
)
# Received on Monday 12 October 2026 at 10:00, not yet assessed (timed as blue): two working days,
# to the end of Wednesday.
MONDAY = at(2026, 10, 12, 10)
ASSESS_BY = at(2026, 10, 15)


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


@pytest.fixture
def received(new_case):
    """Receive a case at a given moment (through intake, which stores its assess_by)."""

    def make(when: dt.datetime = MONDAY, **fields):
        with time_machine.travel(when, tick=False):
            return new_case(**fields)

    return make


@pytest.fixture
def subscribed(db):
    return WebhookSubscription.objects.create(
        name="上级平台", url="https://example.cn/hook", event_types=["supervision_order.issued"]
    )


def test_a_reminder_before_assess_by_goes_to_the_centers_coordinators(
    received, coordinator, liaison, duty_board
):
    case = received()
    assert case.assess_by == ASSESS_BY
    remind_at = MONDAY + (ASSESS_BY - MONDAY) * 0.8  # the rule's reminder point, 80 %

    assert sweep_at(remind_at - SECOND).as_dict() == NOTHING
    result = sweep_at(remind_at + SECOND)
    assert (result.reminders, result.orders, result.notifications) == (1, 0, 1)
    reminder = Reminder.objects.get()
    assert (reminder.case, reminder.stage, reminder.deadline, reminder.department, reminder.percent) == (
        case, Stage.ASSESS, ASSESS_BY, None, 80,
    )  # fmt: skip
    assert kinds(coordinator) == ["supervision_reminder"]
    note = Notification.objects.get(user=coordinator)
    assert case.code_display in note.title and "研判交办" in note.title
    assert kinds(liaison) == [] and kinds(duty_board[Position.DUTY_DIRECTOR]) == []
    # Assessing started meanwhile: the same stage, no second reminder.
    case_start_assessment(case=case, actor=coordinator)
    assert sweep_at(remind_at + dt.timedelta(hours=2)).as_dict() == NOTHING


def test_a_missed_assess_by_gets_an_order_on_the_center(
    received, coordinator, liaison, duty_board, subscribed, client
):
    case = received()
    case = case_start_assessment(case=case, actor=coordinator)
    version = case.version

    assert sweep_at(ASSESS_BY - SECOND).orders == 0
    result = sweep_at(ASSESS_BY + SECOND)
    assert (result.orders, result.leader_orders, result.supervised_cases) == (1, 0, 0)
    order = SupervisionOrder.objects.get(level=Level.ORDER)
    assert (order.department, order.stage, order.deadline, order.reason, order.status, order.issued_by) == (
        None, Stage.ASSESS, ASSESS_BY, Reason.DEADLINE_MISSED, OrderStatus.ISSUED, None,
    )  # fmt: skip
    assert order.required_action.startswith("研判交办期限（10月14日24时）已过")
    assert order.respond_by > ASSESS_BY
    # The case stays with the center: no supervision, no case event, same version.
    case.refresh_from_db()
    assert (case.state, case.version) == (State.ASSESSING, version)
    assert not CaseEvent.objects.filter(case=case, transition="supervise").exists()
    # The coordinators and the duty director hear of it; no department does.
    assert "supervision_order" in kinds(coordinator)
    assert kinds(duty_board[Position.DUTY_DIRECTOR]) == ["supervision_order"]
    assert kinds(duty_board[Position.SECOND_DIRECTOR]) == [] and kinds(liaison) == []
    payload = WebhookDelivery.objects.get(event_type="supervision_order.issued").payload
    assert (payload["number"], payload["department"], payload["stage"]) == (order.number, None, "assess")

    # Idempotent: the same moment again, and later, issue nothing more.
    assert sweep_at(ASSESS_BY + SECOND).as_dict() == NOTHING
    assert sweep_at(ASSESS_BY + dt.timedelta(hours=3)).orders == 0
    assert SupervisionOrder.objects.count() == 1

    # The coordinators' order list shows it, addressed to the center.
    client.force_login(coordinator)
    page = client.get(reverse("supervision:order_list")).content.decode()
    assert order.number in page and "综治中心（研判交办）" in page
    detail = client.get(reverse("supervision:order_detail", args=[order.number]))
    assert detail.status_code == 200 and detail.context["can_respond"]


def test_the_api_shows_a_center_order_to_the_center_and_not_to_liaisons(received, coordinator, liaison):
    received()
    sweep_at(ASSESS_BY + SECOND)
    order = SupervisionOrder.objects.get()
    center, department = token_client(coordinator), token_client(liaison)
    body = center.get(url("supervision-orders/")).json()
    assert [(o["number"], o["department"]) for o in body["results"]] == [(order.number, None)]
    detail = center.get(url(f"supervision-orders/{order.number}/")).json()
    assert (detail["department"], detail["reason"]) == (None, "deadline_missed")
    assert department.get(url("supervision-orders/")).json()["results"] == []
    assert department.get(url(f"supervision-orders/{order.number}/")).status_code == 404


def test_coordinators_answer_a_center_order_on_the_page_and_the_api_alike(
    received, coordinator, leader, liaison, client
):
    case = received()
    sweep_at(ASSESS_BY + SECOND)
    order = SupervisionOrder.objects.get()
    respond = reverse("supervision:order_respond", args=[order.number])
    # Who may not: a liaison (no department of theirs) and a leader, on the page and the API.
    for user in (liaison, leader):
        client.force_login(user)
        assert client.post(respond, {"response": "已研判"}).status_code == (404 if user == liaison else 403)
        answer = token_client(user).post(
            url(f"supervision-orders/{order.number}/respond/"), {"response": "x"}, format="json"
        )
        # A liaison does not even see it (404 on both); a leader sees it but may not answer.
        assert answer.status_code == (404 if user == liaison else 403)
    # Assigned since: the answer form points at the assignment.
    with time_machine.travel(ASSESS_BY + dt.timedelta(hours=2), tick=False):
        case = case_start_assessment(case=case, actor=coordinator)
        case = case_assign(
            case=case,
            actor=coordinator,
            risk_colour=RiskColour.BLUE,
            lead_department=liaison.staff_profile.department,
        )
    client.force_login(coordinator)
    form = client.get(reverse("supervision:order_detail", args=[order.number])).context["respond_form"]
    assert form.initial["response"] == "案件已于 2026-10-15 02:00 交办县人民法院。"
    response = client.post(respond, {"response": form.initial["response"]})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.responded_by) == (OrderStatus.RESPONDED, coordinator)
    # A leader verifies as for any order; the case, never supervised, stays as it is.
    order = supervision_order_verify(order=order, actor=leader)
    assert order.status == OrderStatus.VERIFIED
    case.refresh_from_db()
    assert case.state == State.ASSIGNED


def test_the_api_answer_of_a_coordinator(received, coordinator):
    received()
    sweep_at(ASSESS_BY + SECOND)
    order = SupervisionOrder.objects.get()
    response = token_client(coordinator).post(
        url(f"supervision-orders/{order.number}/respond/"),
        {"response": "已补研判，今日交办。"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["department"]) == ("responded", None)


def test_no_reminder_or_order_for_a_case_assigned_in_time(received, coordinator, liaison, department):
    case = received()
    with time_machine.travel(MONDAY + dt.timedelta(hours=1), tick=False):
        case = case_start_assessment(case=case, actor=coordinator)
        case = case_assign(
            case=case, actor=coordinator, risk_colour=RiskColour.BLUE, lead_department=department
        )
    sweep_at(ASSESS_BY + SECOND)
    assert not Reminder.objects.filter(stage=Stage.ASSESS).exists()
    assert not SupervisionOrder.objects.filter(stage=Stage.ASSESS).exists()
    # Returned by the department after its assess_by: it was assigned in time, and is not timed again.
    with time_machine.travel(ASSESS_BY + dt.timedelta(hours=1), tick=False):
        case_return_to_center(case=case, actor=liaison, reason="不属于本单位职责")
    sweep_at(ASSESS_BY + dt.timedelta(days=5))
    assert not SupervisionOrder.objects.filter(stage=Stage.ASSESS).exists()
    assert not SupervisionOrder.objects.filter(department__isnull=True).exists()


def test_a_red_case_missing_assess_by_goes_to_leader_level(received, coordinator, duty_board):
    case = received(proposed_colour=RiskColour.RED, colour_reason="多人集体来访")
    assert case.assess_by == MONDAY + dt.timedelta(hours=4)
    result = sweep_at(case.assess_by + SECOND)
    assert (result.orders, result.leader_orders, result.supervised_cases) == (0, 1, 0)
    order = SupervisionOrder.objects.get()
    assert (order.level, order.department, order.stage) == (Level.LEADER, None, Stage.ASSESS)
    assert order.required_action.startswith("红色预警案件逾期，挂牌督办。")
    for position in (Position.DUTY_DIRECTOR, Position.SECOND_DIRECTOR, Position.FIRST_DIRECTOR):
        assert kinds(duty_board[position]) == ["supervision_leader"]
    assert "supervision_leader" in kinds(coordinator)
    assert sweep_at(case.assess_by + dt.timedelta(minutes=5)).as_dict() == NOTHING


def test_an_unanswered_center_order_is_raised_while_the_case_waits_not_after_it_is_assigned(
    received, coordinator, department, duty_board
):
    waiting, assigned = received(), received(title="另一纠纷")
    sweep_at(ASSESS_BY + SECOND)
    first = SupervisionOrder.objects.get(case=waiting)
    with time_machine.travel(ASSESS_BY + dt.timedelta(hours=1), tick=False):
        case = case_start_assessment(case=assigned, actor=coordinator)
        case_assign(case=case, actor=coordinator, risk_colour=RiskColour.BLUE, lead_department=department)
    result = sweep_at(first.respond_by + SECOND)
    assert (result.leader_orders, result.raised) == (1, 1)
    leader = SupervisionOrder.objects.get(level=Level.LEADER)
    assert (leader.case, leader.department, leader.stage) == (waiting, None, Stage.RESPOND)
    first.refresh_from_db()
    assert (first.status, first.raised_to) == (OrderStatus.RAISED, leader)
    assert SupervisionOrder.objects.get(case=assigned, stage=Stage.ASSESS).status == OrderStatus.ISSUED
    assert kinds(duty_board[Position.FIRST_DIRECTOR]) == ["supervision_leader"]


def test_the_department_ranking_is_unaffected(received, coordinator, department, liaison):
    # A department's own order first (its accept deadline, the end of Thursday 15 October), then
    # a center order on a case received on Wednesday (assess by the end of Friday 16 October).
    with time_machine.travel(MONDAY, tick=False):
        handled = case_start_assessment(case=received(title="已交办"), actor=coordinator)
        case_assign(case=handled, actor=coordinator, risk_colour=RiskColour.BLUE, lead_department=department)
    waiting = received(when=at(2026, 10, 14, 10))
    assert waiting.assess_by == at(2026, 10, 17)
    start, end, now = at(2026, 10, 1), at(2026, 11, 1), at(2026, 10, 20)

    sweep_at(at(2026, 10, 16, 12))
    assert SupervisionOrder.objects.filter(department=department).count() == 1
    before = report_selectors.department_ranking(start, end, now)
    sweep_at(at(2026, 10, 17, 1))
    assert SupervisionOrder.objects.filter(department__isnull=True, case=waiting).count() == 1
    assert SupervisionOrder.objects.filter(department=department).count() == 1
    totals, after = report_selectors.center_report(start, end, now)

    assert after == before
    court = next(r for r in after if r["slug"] == department.slug)
    assert court["orders_issued"] == 1 and sum(r["orders_issued"] for r in after) == 1
    assert totals["orders_issued"] == 2  # the center's own figures count both


def test_a_case_received_at_new_years_eve_is_watched_on_a_provisional_2027_deadline(received, coordinator):
    # 23:30 on 31 December in Shanghai (15:30 UTC): 2027 has no holiday data yet, so the two
    # working days are counted Monday–Friday (Friday 1 January, Monday 4 January).
    eve = at(2026, 12, 31, 23, 30)
    case = received(when=eve)
    assert (case.assess_by, case.deadlines_provisional) == (at(2027, 1, 5), True)
    remind_at = eve + (case.assess_by - eve) * 0.8
    assert sweep_at(remind_at - SECOND).reminders == 0
    assert sweep_at(remind_at + SECOND).reminders == 1
    result = sweep_at(case.assess_by + SECOND)
    assert result.orders == 1
    order = SupervisionOrder.objects.get()
    assert order.number.startswith("DB2027") and order.deadline == at(2027, 1, 5)
    assert "1月4日24时" in order.required_action  # the end of 4 January, not "5 January 00:00"
    assert sweep_at(case.assess_by + SECOND).as_dict() == NOTHING
