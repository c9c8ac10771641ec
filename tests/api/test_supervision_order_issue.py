"""A leader's order with an instruction over the API: the page's service, roles, fields and outcome."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.codes import make_code
from cases.models import State
from cases.services import case_assign, case_start_assessment
from supervision.models import Level, OrderStatus, Reason, SupervisionOrder

from .conftest import error_of, url

ISSUE = url("supervision-orders/")
INSTRUCTION = "请县法院三日内拿出化解方案，并报告办理情况。"


def test_a_leader_issues_an_order_with_an_instruction(api, case_in):
    case = case_in(State.HANDLING)
    response = api.leader.post(ISSUE, {"case": case.code_display, "instruction": INSTRUCTION}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    order = SupervisionOrder.objects.get()
    assert body["number"] == order.number
    assert response["Location"].endswith(f"/api/v1/supervision-orders/{order.number}/")
    assert (order.reason, order.level, order.instruction, order.status) == (
        Reason.LEADER_INSTRUCTION,
        Level.LEADER,
        INSTRUCTION,
        OrderStatus.ISSUED,
    )
    assert order.issued_by == api.leader_user and order.department == case.lead_department
    assert body["instruction"] == INSTRUCTION and body["case"]["state"] == State.SUPERVISED
    assert [e["action"] for e in body["events"]] == ["issue"]
    case.refresh_from_db()
    assert case.state == State.SUPERVISED


def test_a_co_department_can_be_supervised_at_order_level(
    api, case_in, department, other_department, coordinator
):
    case = case_start_assessment(case=case_in(State.RECEIVED), actor=coordinator)
    case = case_assign(
        case=case,
        actor=coordinator,
        risk_colour="blue",
        lead_department=department,
        co_departments=[other_department],
    )
    response = api.leader.post(
        ISSUE,
        {"case": case.code, "instruction": INSTRUCTION, "department": "police", "level": "order"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    order = SupervisionOrder.objects.get(case=case)
    assert (order.department, order.level) == (other_department, Level.ORDER)


@pytest.mark.parametrize("role", ["coordinator", "liaison", "reception", "admin"])
def test_only_leaders_issue_instruction_orders(api, case_in, role):
    case = case_in(State.HANDLING)
    response = getattr(api, role).post(ISSUE, {"case": case.code, "instruction": INSTRUCTION}, format="json")
    assert response.status_code == 403
    assert not SupervisionOrder.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"case": "", "instruction": INSTRUCTION}, "case"),
        ({"case": "420923-2026-000001-9", "instruction": INSTRUCTION}, "case"),  # check character wrong
        ({"case": make_code("420923", 2026, 999999), "instruction": INSTRUCTION}, "case"),  # no such case
        ({"instruction": ""}, "instruction"),
        ({"instruction": "   "}, "instruction"),
        ({"instruction": INSTRUCTION, "level": "province"}, "level"),
        ({"instruction": INSTRUCTION, "department": "nowhere"}, "department"),
        ({"instruction": INSTRUCTION, "department": "police"}, "department"),  # not on the case
    ],
)
def test_bad_bodies_are_400_on_the_field(api, case_in, other_department, body, field):
    case = case_in(State.HANDLING)
    response = api.leader.post(ISSUE, {"case": case.code, **body}, format="json")
    assert response.status_code == 400, response.json()
    assert field in error_of(response)["fields"]
    assert not SupervisionOrder.objects.exists()


def test_a_case_without_a_department_is_409(api, case_in):
    case = case_in(State.RECEIVED)
    response = api.leader.post(ISSUE, {"case": case.code, "instruction": INSTRUCTION}, format="json")
    assert response.status_code == 409
    assert not SupervisionOrder.objects.exists()


def test_page_and_api_issue_the_same_order(api, case_in, leader):
    over_api, on_page = case_in(State.HANDLING), case_in(State.HANDLING)
    body = {"instruction": INSTRUCTION, "required_action": "一周内答复。", "level": "leader"}
    assert api.leader.post(ISSUE, {"case": over_api.code, **body}, format="json").status_code == 201
    page = Client()
    page.force_login(leader)
    response = page.post(reverse("supervision:order_issue"), {"code": on_page.code, "department": "", **body})
    assert response.status_code == 302

    def issued(case):
        order = SupervisionOrder.objects.get(case=case)
        case.refresh_from_db()
        return (
            order.reason,
            order.level,
            order.department_id,
            order.instruction,
            order.required_action,
            order.issued_by_id,
            case.state,
        )

    assert issued(over_api) == issued(on_page)
