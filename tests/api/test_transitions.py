"""Transitions over the API: every one fires, and each error status means what it says."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, Evaluation, State
from cases.permissions import TRANSITION_ROLES as TRANSITION_RULES
from cases.permissions import available_transitions, role_may_fire
from common.exceptions import ActionForbidden, DomainError
from departments.models import Center, Level, Role
from tests.factories import CenterFactory, ServicePackageFactory, StaffFactory

from .conftest import error_of, token_client, url


@pytest.fixture(autouse=True)
def net(db, center, api):
    """The suite's county under a city, with a township below it and a second county beside it.

    ``api.parent`` is a coordinator of the city: it decides on cases reported up to it and on
    transfers between its counties.
    """
    city = CenterFactory(code="420900", name="测试市综治中心", level=Level.CITY, slug="api-city")
    center.parent = city
    center.save()
    township = CenterFactory(code=f"{center.code}101", parent=center, slug="api-township")
    other = CenterFactory(code="420902", parent=city, level=Level.COUNTY, slug="api-other-county")
    api.parent_user = StaffFactory(role=Role.COORDINATOR, center=city).user
    api.parent = token_client(api.parent_user)
    return city, township, other


@pytest.fixture
def case_at(case_in, coordinator):
    """``case_in``, and also cases reported up (escalated) or asked to be transferred (transferring)."""

    def make(state: str = State.RECEIVED, **overrides) -> Case:
        if state == State.ESCALATED:
            case = case_in(State.ASSESSING, **overrides)
            return services.case_escalate(case=case, actor=coordinator, reason="超出本级职权")
        if state == State.TRANSFERRING:
            case = case_in(State.ASSESSING, **overrides)
            return services.case_transfer(
                case=case, actor=coordinator, to_center=Center.objects.get(code="420902"), reason="属外县"
            )
        return case_in(state, **overrides)

    return make


def fire(client, case, name, body=None, **extra):
    return client.post(url(f"cases/{case.code}/transitions/{name}/"), body or {}, format="json", **extra)


# name: (state it needs, the role that fires it, body, state after)
IN_A_WEEK = object()  # replaced by a moment a week from "now" when the test runs

HAPPY = {
    "start_assessment": (State.RECEIVED, "coordinator", {}, State.ASSESSING),
    "assign": (
        State.ASSESSING,
        "coordinator",
        {
            "risk_colour": "red",
            "lead_department": "court",
            "co_departments": ["police"],
            "instructions": "三日内联系当事人",
        },
        State.ASSIGNED,
    ),
    "accept": (State.ASSIGNED, "liaison", {}, State.HANDLING),
    "return_to_center": (State.ASSIGNED, "liaison", {"reason": "不属于本单位职责"}, State.ASSESSING),
    "supervise": (State.HANDLING, "leader", {"instruction": "加快办理，一周内答复"}, State.SUPERVISED),
    "submit_result": (State.HANDLING, "liaison", {"result": "双方达成调解协议"}, State.REVIEWING),
    "send_back": (State.REVIEWING, "coordinator", {"reason": "缺少协议文本"}, State.HANDLING),
    "close": (State.REVIEWING, "coordinator", {"reason": "审核通过"}, State.CLOSED),
    "evaluate": (
        State.CLOSED,
        "coordinator",
        {"rating": "satisfied", "comment": "回访满意", "channel": "callback"},
        State.EVALUATED,
    ),
    "reopen": (State.CLOSED, "coordinator", {"reason": "协议未履行"}, State.HANDLING),
    "reject": (
        State.RECEIVED,
        "coordinator",
        {"reason": "属政务服务事项", "redirect_target": "service_center"},
        State.REJECTED,
    ),
    "withdraw": (State.HANDLING, "coordinator", {"reason": "当事人撤回"}, State.WITHDRAWN),
    "escalate": (
        State.ASSESSING,
        "coordinator",
        {"reason": "涉及跨县问题", "reason_kind": "several_places"},
        State.ESCALATED,
    ),
    "take_over": (State.ESCALATED, "parent", {"note": "市中心接手"}, State.ASSESSING),
    "return_down": (State.ESCALATED, "parent", {"instructions": "请先组织调解"}, State.ASSESSING),
    "assign_down": (
        State.ASSESSING,
        "coordinator",
        {"center": "api-township", "instructions": "请乡镇办理", "due_by": IN_A_WEEK},
        State.ASSESSING,
    ),
    "transfer": (
        State.ASSESSING,
        "coordinator",
        {"to_center": "420902", "reason": "事发地属外县"},
        State.TRANSFERRING,
    ),
    "transfer_accept": (State.TRANSFERRING, "parent", {}, State.ASSESSING),
    "transfer_decline": (State.TRANSFERRING, "parent", {"reason": "属本县管辖"}, State.ASSESSING),
}


def test_every_transition_has_a_happy_path_here():
    assert set(HAPPY) | {"end_supervision"} == set(TRANSITION_RULES)


@pytest.mark.parametrize("name", sorted(HAPPY))
def test_transition_fires_and_answers_the_case(api, case_at, other_department, name):
    state, role, body, after = HAPPY[name]
    case = case_at(state)
    # A deadline a week from now, whatever day the suite runs on (never a fixed date).
    body = {
        k: (timezone.localtime() + dt.timedelta(days=7)).isoformat() if v is IN_A_WEEK else v
        for k, v in body.items()
    }

    response = fire(getattr(api, role), case, name, body)

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["code"] == case.code and data["state"] == after
    assert data["version"] == case.version + 1
    assert response["ETag"] == f'"{case.version + 1}"'
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.transition, event.from_state, event.to_state) == (name, state, after)
    assert Case.objects.get(pk=case.pk).state == after


def test_assign_sets_departments_package_and_deadlines(api, case_in, other_department):
    package = ServicePackageFactory(slug="labour-package")
    case = case_in(State.ASSESSING)
    response = fire(
        api.coordinator,
        case,
        "assign",
        {
            "risk_colour": "blue",
            "lead_department": other_department.pk,
            "co_departments": ["court"],
            "package": "labour-package",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["lead_department"]["slug"] == "police"
    assert [d["slug"] for d in body["co_departments"]] == ["court"]
    assert body["package"] == package.slug and body["risk_colour"] == "blue"
    assert body["accept_by"] and body["due_by"]


def test_evaluate_goes_through_the_supervision_recorder(api, case_in, monkeypatch):
    import supervision.services

    calls = []
    original = supervision.services.evaluation_record

    def spy(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    # The URL configuration holds the recorder; patch the view's copy.
    from django.urls import resolve

    case = case_in(State.CLOSED)
    view = resolve(url(f"cases/{case.code}/transitions/evaluate/")).func
    monkeypatch.setitem(view.view_initkwargs, "record_evaluation", spy)
    response = fire(api.coordinator, case, "evaluate", {"rating": "satisfied", "comment": "满意"})
    assert response.status_code == 200, response.content
    assert calls and calls[0]["channel"] == "staff" and calls[0]["actor"] == api.coordinator_user
    assert Evaluation.objects.get(case=case).rating == "satisfied"


def test_end_supervision_of_a_case_left_supervised_without_an_order(api, case_in, leader):
    case = services.case_supervise(case=case_in(State.HANDLING), actor=leader, reason="督办")
    response = fire(api.coordinator, case, "end_supervision", {})
    assert response.status_code == 200
    assert response.json()["state"] == State.HANDLING


# --- 400 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "state", "role", "body", "field"),
    [
        ("assign", State.ASSESSING, "coordinator", {"lead_department": "court"}, "risk_colour"),
        (
            "assign",
            State.ASSESSING,
            "coordinator",
            {"risk_colour": "pink", "lead_department": "court"},
            "risk_colour",
        ),
        (
            "assign",
            State.ASSESSING,
            "coordinator",
            {"risk_colour": "red", "lead_department": "nowhere"},
            "lead_department",
        ),
        (
            "assign",
            State.ASSESSING,
            "coordinator",
            {"risk_colour": "red", "lead_department": True},
            "lead_department",
        ),
        (
            "assign",
            State.ASSESSING,
            "coordinator",
            {"risk_colour": "red", "lead_department": 10**30},
            "lead_department",
        ),
        (
            "assign",
            State.ASSESSING,
            "coordinator",
            {"risk_colour": "red", "lead_department": "court", "co_departments": [None]},
            "co_departments[0]",
        ),
        (
            "assign",
            State.ASSESSING,
            "coordinator",
            {"risk_colour": "red", "lead_department": "court", "package": "none"},
            "package",
        ),
        (
            "assign",
            State.ASSESSING,
            "coordinator",
            {"risk_colour": "red", "lead_department": "court", "due_by": "1-1-1"},
            "due_by",
        ),
        (
            "assign",
            State.ASSESSING,
            "coordinator",
            {"risk_colour": "red", "lead_department": "court", "due_by": "9999-12-31T23:59:59-12:00"},
            "due_by",
        ),
        (
            "assign",
            State.ASSESSING,
            "coordinator",
            {"risk_colour": "red", "lead_department": "court", "due_by": "2099-01-01T00:00:00Z"},
            "due_by_reason",
        ),
        ("submit_result", State.HANDLING, "liaison", {}, "result"),
        ("submit_result", State.HANDLING, "liaison", {"result": "   "}, "result"),
        ("return_to_center", State.ASSIGNED, "liaison", {"reason": ""}, "reason"),
        ("send_back", State.REVIEWING, "coordinator", {"reason": 12}, "reason"),
        ("evaluate", State.CLOSED, "coordinator", {"rating": "meh"}, "rating"),
        (
            "reject",
            State.RECEIVED,
            "coordinator",
            {"reason": "x", "redirect_target": "moon"},
            "redirect_target",
        ),
        ("reopen", State.CLOSED, "coordinator", {"reason": "x", "supervised": "perhaps"}, "supervised"),
        ("withdraw", State.HANDLING, "coordinator", {"reason": "x" * 2001}, "reason"),
        ("close", State.REVIEWING, "coordinator", {"version": "three"}, "version"),
        ("close", State.REVIEWING, "coordinator", {"version": 2**40}, "version"),
    ],
)
def test_bad_bodies_answer_400_with_the_field(api, case_in, name, state, role, body, field):
    case = case_in(state)
    response = fire(getattr(api, role), case, name, body)
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert Case.objects.get(pk=case.pk).state == state


def test_a_body_that_is_not_an_object_is_a_400(api, case_in):
    case = case_in(State.HANDLING)
    for body in (b"[]", b'"x"', b"null", b"{bad json"):
        response = api.coordinator.post(
            url(f"cases/{case.code}/transitions/withdraw/"), body, content_type="application/json"
        )
        assert response.status_code == 400, body


# --- 403 / 404: permission before the body -------------------------------------------------------

# (transition, state, role) that must be refused with 403 whatever the body.
FORBIDDEN = [
    ("close", State.REVIEWING, "reception"),
    ("close", State.REVIEWING, "liaison"),
    ("close", State.REVIEWING, "leader"),
    ("assign", State.ASSESSING, "leader"),
    ("assign", State.ASSESSING, "reception"),
    ("accept", State.ASSIGNED, "coordinator"),
    ("start_assessment", State.RECEIVED, "reception"),
    ("evaluate", State.CLOSED, "leader"),
    ("submit_result", State.HANDLING, "coordinator"),
    ("reject", State.RECEIVED, "admin"),
]


@pytest.mark.parametrize(("name", "state", "role"), FORBIDDEN)
def test_roles_that_may_not_get_403_whatever_they_send(api, case_in, name, state, role):
    case = case_in(state)
    for body in ({}, {"reason": "x", "result": "x", "rating": "satisfied"}, {"junk": [1, 2]}, []):
        response = fire(getattr(api, role), case, name, body)
        assert response.status_code == 403, (body, response.content)
        assert error_of(response)["code"] == "forbidden"
    assert Case.objects.get(pk=case.pk).state == state


def test_co_department_liaison_may_not_act_for_the_lead(
    api, case_in, coordinator, department, other_department
):
    case = services.case_start_assessment(case=case_in(), actor=coordinator)
    case = services.case_assign(
        case=case,
        actor=coordinator,
        risk_colour="red",
        lead_department=department,
        co_departments=[other_department],
    )
    assert fire(api.other_liaison, case, "accept").status_code == 403
    assert fire(api.liaison, case, "accept").status_code == 200


@pytest.mark.parametrize("name", ["accept", "submit_result", "return_to_center", "close", "withdraw"])
def test_liaison_of_another_department_gets_404_whatever_the_body(api, case_in, name):
    case = case_in(State.ASSIGNED)
    for body in ({}, {"reason": "x", "result": "y"}, [1]):
        response = fire(api.other_liaison, case, name, body)
        assert response.status_code == 404, (name, body)
    assert Case.objects.get(pk=case.pk).state == State.ASSIGNED


def test_unknown_transition_is_a_json_404(api, case_in):
    case = case_in()
    response = fire(api.coordinator, case, "teleport")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_transitions_need_a_token(api, case_in):
    case = case_in()
    assert fire(api.anon, case, "start_assessment").status_code == 401


def test_get_on_a_transition_is_405(api, case_in):
    case = case_in()
    response = api.coordinator.get(url(f"cases/{case.code}/transitions/close/"))
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


# --- 409 ----------------------------------------------------------------------------------------


def test_a_transition_the_state_does_not_allow_is_409(api, case_in):
    case = case_in(State.RECEIVED)
    response = fire(api.coordinator, case, "close")
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "invalid_transition"
    assert "已受理" in error["message"]


def test_stale_version_in_body_or_if_match_is_409(api, case_in):
    case = case_in(State.ASSESSING)
    stale = case.version - 1
    response = fire(api.coordinator, case, "escalate", {"reason": "x", "version": stale})
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    response = fire(api.coordinator, case, "escalate", {"reason": "x"}, HTTP_IF_MATCH=f'"{stale}"')
    assert response.status_code == 409
    assert Case.objects.get(pk=case.pk).state == State.ASSESSING

    fresh = fire(api.coordinator, case, "escalate", {"reason": "x"}, HTTP_IF_MATCH=f'"{case.version}"')
    assert fresh.status_code == 200
    assert fresh.json()["version"] == case.version + 1


def test_bad_if_match_is_400(api, case_in):
    case = case_in(State.ASSESSING)
    response = fire(api.coordinator, case, "escalate", {"reason": "x"}, HTTP_IF_MATCH="soon")
    assert response.status_code == 400
    assert "If-Match" in error_of(response)["fields"]


def test_two_clients_acting_on_one_version_one_wins(api, case_in):
    case = case_in(State.REVIEWING)
    first = fire(api.coordinator, case, "close", {"version": case.version})
    second = fire(api.coordinator, case, "send_back", {"reason": "x", "version": case.version})
    assert (first.status_code, second.status_code) == (200, 409)


# --- Listing what may be fired ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "role", "expected"),
    [
        (State.RECEIVED, "coordinator", ["start_assessment", "reject", "withdraw", "transfer"]),
        (State.RECEIVED, "reception", []),
        (State.ASSIGNED, "liaison", ["accept", "return_to_center"]),
        (State.ASSIGNED, "other_liaison", None),  # not visible: 404
        (State.HANDLING, "leader", ["supervise", "escalate"]),
        (State.HANDLING, "liaison", ["submit_result"]),
        (State.REVIEWING, "coordinator", ["send_back", "close", "withdraw"]),
        (State.CLOSED, "coordinator", ["evaluate", "reopen"]),
    ],
)
def test_transitions_list_what_the_caller_may_fire_now(api, case_in, state, role, expected):
    case = case_in(state)
    response = getattr(api, role).get(url(f"cases/{case.code}/transitions/"))
    if expected is None:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    body = response.json()
    assert [t["name"] for t in body["results"]] == expected
    assert body["count"] == len(expected) and body["version"] == case.version
    for item in body["results"]:
        assert item["url"].endswith(f"/api/v1/cases/{case.code}/transitions/{item['name']}/")


ROLES = ["reception", "coordinator", "leader", "liaison", "other_liaison", "admin", "parent"]
SERVICE_CALLS = {
    "start_assessment": lambda c, a: services.case_start_assessment(case=c, actor=a),
    "assign": lambda c, a: services.case_assign(
        case=c, actor=a, risk_colour="red", lead_department=c.lead_department
    ),
    "accept": lambda c, a: services.case_accept(case=c, actor=a),
    "return_to_center": lambda c, a: services.case_return_to_center(case=c, actor=a, reason="x"),
    "supervise": lambda c, a: services.case_supervise(case=c, actor=a, reason="x"),
    "end_supervision": lambda c, a: services.case_end_supervision(case=c, actor=a),
    "submit_result": lambda c, a: services.case_submit_result(case=c, actor=a, result="x"),
    "send_back": lambda c, a: services.case_send_back(case=c, actor=a, reason="x"),
    "close": lambda c, a: services.case_close(case=c, actor=a),
    "evaluate": lambda c, a: services.case_evaluate(case=c, actor=a, rating="satisfied", channel="staff"),
    "reopen": lambda c, a: services.case_reopen(case=c, actor=a, reason="x"),
    "reject": lambda c, a: services.case_reject(case=c, actor=a, reason="x"),
    "withdraw": lambda c, a: services.case_withdraw(case=c, actor=a, reason="x"),
    "escalate": lambda c, a: services.case_escalate(case=c, actor=a, reason="x"),
    "take_over": lambda c, a: services.case_take_over(case=c, actor=a),
    "return_down": lambda c, a: services.case_return_down(case=c, actor=a, instructions="x"),
    "assign_down": lambda c, a: services.case_assign_down(
        case=c,
        actor=a,
        center=Center.objects.get(slug="api-township"),
        instructions="x",
        due_by=timezone.now() + dt.timedelta(days=3),
    ),
    "transfer": lambda c, a: services.case_transfer(
        case=c, actor=a, to_center=Center.objects.get(code="420902"), reason="x"
    ),
    "transfer_accept": lambda c, a: services.case_transfer_accept(case=c, actor=a),
    "transfer_decline": lambda c, a: services.case_transfer_decline(case=c, actor=a, reason="x"),
}


@pytest.mark.parametrize("name", sorted(TRANSITION_RULES))
def test_the_rules_table_agrees_with_the_services(api, case_at, department, leader, name):
    """For every role: the API's pre-check permits exactly what the service does not forbid."""
    from django.db import transaction

    needs = {
        "end_supervision": State.HANDLING,
        **{n: HAPPY[n][0] for n in HAPPY},
    }[name]
    for role in ROLES:
        case = case_at(needs)
        if name == "end_supervision":
            case = services.case_supervise(case=case, actor=leader, reason="x")
        if name == "assign":
            case.lead_department = department
        user = getattr(api, f"{role}_user")
        permitted = role_may_fire(user, case, name)
        try:
            with transaction.atomic():
                SERVICE_CALLS[name](case, user)
                raise RuntimeError("roll back")
        except ActionForbidden:
            allowed = False
        except (RuntimeError, ValidationError, DomainError):
            allowed = True
        assert permitted is allowed, (name, role)
        assert (name in available_transitions(case, user)) is allowed, (name, role)
