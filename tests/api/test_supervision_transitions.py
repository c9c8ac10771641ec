"""Supervise, end supervision and reopen over the API go through supervision orders, as the pages do."""

import pytest

from cases.models import Case, CaseEvent, State
from supervision.models import Level, OrderStatus, Reason, SupervisionOrder
from supervision.services import (
    evaluation_record,
    supervision_order_issue,
    supervision_order_respond,
)

from .conftest import error_of, url

pytestmark = pytest.mark.django_db


def fire(client, case, name, body=None, **extra):
    return client.post(url(f"cases/{case.code}/transitions/{name}/"), body or {}, format="json", **extra)


def state_of(case) -> str:
    return Case.objects.get(pk=case.pk).state


# --- supervise ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.ASSIGNED, State.HANDLING])
def test_a_leaders_supervise_issues_one_order_and_supervises(api, case_in, department, state):
    case = case_in(state)
    response = fire(api.leader, case, "supervise", {"instruction": "三日内拿出化解方案"})

    assert response.status_code == 200, response.content
    assert response.json()["state"] == State.SUPERVISED
    order = SupervisionOrder.objects.get(case=case)
    assert (order.reason, order.level, order.status) == (
        Reason.LEADER_INSTRUCTION,
        Level.LEADER,
        OrderStatus.ISSUED,
    )
    assert order.instruction == "三日内拿出化解方案"
    assert order.department == department and order.issued_by == api.leader_user
    assert order.respond_by > order.issued_at
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.transition, event.from_state, event.to_state) == ("supervise", state, State.SUPERVISED)
    assert event.data == {"order": order.number}


def test_a_leaders_instruction_is_required(api, case_in):
    case = case_in(State.HANDLING)
    response = fire(api.leader, case, "supervise", {"instruction": "  "})
    assert response.status_code == 400
    assert "instruction" in error_of(response)["fields"]
    assert not SupervisionOrder.objects.exists() and state_of(case) == State.HANDLING


def test_a_coordinator_may_not_give_a_leaders_instruction_but_may_supervise_a_missed_deadline(api, case_in):
    case = case_in(State.HANDLING)
    refused = fire(api.coordinator, case, "supervise", {"instruction": "加快办理"})
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    assert not SupervisionOrder.objects.exists() and state_of(case) == State.HANDLING

    response = fire(api.coordinator, case, "supervise", {"reason": "deadline_missed"})
    assert response.status_code == 200, response.content
    order = SupervisionOrder.objects.get(case=case)
    assert (order.reason, order.level, order.instruction) == (Reason.DEADLINE_MISSED, Level.ORDER, "")
    assert state_of(case) == State.SUPERVISED


@pytest.mark.parametrize("role", ["reception", "liaison", "admin"])
def test_other_roles_may_not_supervise(api, case_in, role):
    case = case_in(State.HANDLING)
    response = fire(getattr(api, role), case, "supervise", {"reason": "deadline_missed", "instruction": "x"})
    assert response.status_code == 403
    assert not SupervisionOrder.objects.exists()


@pytest.mark.parametrize("state", [State.RECEIVED, State.REVIEWING, State.CLOSED])
def test_supervise_outside_assigned_or_handling_is_409_and_issues_nothing(api, case_in, state):
    case = case_in(state)
    response = fire(api.leader, case, "supervise", {"instruction": "加快办理"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "invalid_transition"
    assert not SupervisionOrder.objects.exists() and state_of(case) == state


def test_supervise_with_a_stale_version_is_409_and_issues_nothing(api, case_in):
    case = case_in(State.HANDLING)
    response = fire(
        api.leader, case, "supervise", {"instruction": "加快办理"}, HTTP_IF_MATCH=f'"{case.version - 1}"'
    )
    assert response.status_code == 409
    assert not SupervisionOrder.objects.exists() and state_of(case) == State.HANDLING


def test_supervise_a_co_department_but_not_an_uninvolved_one(api, case_in, coordinator, other_department):
    from cases.services import case_assign, case_start_assessment

    case = case_start_assessment(case=case_in(State.RECEIVED), actor=coordinator)
    case = case_assign(
        case=case,
        actor=coordinator,
        risk_colour="blue",
        lead_department=api.liaison_user.staff_profile.department,
        co_departments=[other_department],
    )
    stranger = fire(api.leader, case, "supervise", {"instruction": "x", "department": "nowhere"})
    assert stranger.status_code == 400 and "department" in error_of(stranger)["fields"]

    response = fire(
        api.leader, case, "supervise", {"instruction": "协办单位配合", "department": other_department.slug}
    )
    assert response.status_code == 200, response.content
    assert SupervisionOrder.objects.get(case=case).department == other_department


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "bad_evaluation"}, "reason"),
        ({"instruction": "x", "level": "reminder"}, "level"),
        ({"instruction": 3}, "instruction"),
    ],
)
def test_supervise_bad_bodies_are_400(api, case_in, body, field):
    case = case_in(State.HANDLING)
    response = fire(api.leader, case, "supervise", body)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not SupervisionOrder.objects.exists()


# --- end_supervision ----------------------------------------------------------------------------


@pytest.fixture
def supervised(case_in, leader):
    case = case_in(State.HANDLING)
    order = supervision_order_issue(
        case=case, actor=leader, reason=Reason.LEADER_INSTRUCTION, instruction="三日内答复"
    )
    return order.case, order


def test_end_supervision_waits_for_the_departments_answer(api, supervised):
    case, order = supervised
    response = fire(api.coordinator, case, "end_supervision", {})
    assert response.status_code == 409
    assert order.number in error_of(response)["message"]
    assert state_of(case) == State.SUPERVISED
    assert SupervisionOrder.objects.get(pk=order.pk).status == OrderStatus.ISSUED


def test_end_supervision_verifies_the_answered_orders(api, supervised, liaison):
    case, order = supervised
    supervision_order_respond(order=order, actor=liaison, response="已约谈双方，达成初步方案。")
    case = Case.objects.get(pk=case.pk)
    response = fire(api.leader, case, "end_supervision", {"reason": "方案可行"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == State.HANDLING
    order.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED and order.verified_by == api.leader_user
    assert order.events.filter(action="verify").get().note == "方案可行"


@pytest.mark.parametrize("role", ["reception", "liaison", "admin"])
def test_end_supervision_is_for_coordinators_and_leaders(api, supervised, role):
    case, _order = supervised
    assert fire(getattr(api, role), case, "end_supervision", {}).status_code == 403
    assert state_of(case) == State.SUPERVISED


# --- reopen -------------------------------------------------------------------------------------


def test_reopen_goes_under_supervision_while_an_order_is_open(api, case_in, coordinator):
    case = case_in(State.CLOSED)
    evaluation_record(case=case, actor=coordinator, rating="dissatisfied", comment="没解决", channel="staff")
    order = SupervisionOrder.objects.get(case=case)
    case = Case.objects.get(pk=case.pk)
    response = fire(api.coordinator, case, "reopen", {"reason": "当事人不满意，重新办理"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == State.SUPERVISED
    assert SupervisionOrder.objects.get(case=case) == order  # no second order


def test_reopen_without_an_open_order_goes_back_to_handling(api, case_in):
    case = case_in(State.CLOSED)
    response = fire(api.coordinator, case, "reopen", {"reason": "协议未履行"})
    assert response.status_code == 200
    assert response.json()["state"] == State.HANDLING


@pytest.mark.parametrize("supervised_flag", [True, False])
def test_reopen_no_longer_takes_the_state_from_the_client(api, case_in, supervised_flag):
    case = case_in(State.CLOSED)
    response = fire(api.coordinator, case, "reopen", {"reason": "x", "supervised": supervised_flag})
    assert response.status_code == 400
    assert "supervised" in error_of(response)["fields"]
    assert state_of(case) == State.CLOSED


def test_the_transition_list_links_the_supervision_endpoints(api, case_in):
    case = case_in(State.HANDLING)
    body = api.leader.get(url(f"cases/{case.code}/transitions/")).json()
    links = {item["name"]: item["url"] for item in body["results"]}
    assert links["supervise"].endswith(f"/api/v1/cases/{case.code}/transitions/supervise/")
    response = api.leader.post(links["supervise"], {"instruction": "加快"}, format="json")
    assert response.status_code == 200 and SupervisionOrder.objects.filter(case=case).count() == 1
