"""Cases between centers over HTTP: the flows, the parent's review of a 下派, each center's referrals."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Referral, ReferralStatus, State
from cases.services import (
    case_accept,
    case_assign,
    case_assign_down,
    case_close,
    case_escalate,
    case_submit_result,
)
from departments.models import Role
from tests.cases.network_tree import build_tree, take_in
from tests.factories import DepartmentFactory, StaffFactory

from .conftest import error_of, token_client, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(center):
    return build_tree(center)


def fire(client, case, name, body=None):
    return client.post(url(f"cases/{case.code}/transitions/{name}/"), body or {}, format="json")


def coordinator_at(center):
    user = StaffFactory(role=Role.COORDINATOR, center=center).user
    return user, token_client(user)


def test_report_up_and_take_over_over_http_and_the_sender_keeps_a_read_only_view(tree):
    a1_user, a1 = coordinator_at(tree.a1)
    _county_user, county = coordinator_at(tree.county)
    case = take_in(tree.a1, coordinator=a1_user)
    response = fire(a1, case, "escalate", {"reason": "涉及两镇", "reason_kind": "several_places"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == State.ESCALATED and response.json()["center"] == "huayuan"
    # The sibling township cannot see it; the parent takes it on.
    _a2_user, a2 = coordinator_at(tree.a2)
    assert fire(a2, case, "take_over").status_code == 404
    response = fire(county, case, "take_over", {"note": "县中心接手"})
    assert response.status_code == 200, response.content
    assert response.json()["code"] == case.code and response.json()["state"] == State.ASSESSING
    assert response.json()["center"] == tree.county.slug
    # The sender still reads it, but may fire nothing.
    assert a1.get(url(f"cases/{case.code}/")).status_code == 200
    assert a1.get(url(f"cases/{case.code}/transitions/")).json()["results"] == []
    response = fire(a1, case, "withdraw", {"reason": "x"})
    assert response.status_code == 403
    assert fire(a1, case, "assign_down", {"center": "huayuan", "instructions": "x"}).status_code == 403


def test_escalate_without_a_parent_is_400(tree):
    city_user, city = coordinator_at(tree.city)
    case = take_in(tree.city, coordinator=city_user)
    response = fire(city, case, "escalate", {"reason": "x"})
    assert response.status_code == 400
    assert "本中心没有上级中心，无法上报。" in error_of(response)["message"]


def test_bad_bodies_are_400_with_fields(tree):
    county_user, county = coordinator_at(tree.county)
    case = take_in(tree.county, coordinator=county_user)
    soon = (timezone.localtime() + dt.timedelta(days=7)).isoformat()
    past = (timezone.localtime() - dt.timedelta(days=1)).isoformat()
    response = fire(
        county, case, "assign_down", {"center": "nowhere", "instructions": "x", "due_by": soon[:10]}
    )
    assert response.status_code == 400 and "center" in error_of(response)["fields"]
    response = fire(
        county,
        case,
        "assign_down",
        {"center": "shuyuan", "instructions": "x", "due_by": soon},
    )
    assert response.status_code == 400 and "center" in error_of(response)["fields"]  # not a direct child
    response = fire(
        county,
        case,
        "assign_down",
        {"center": "huayuan", "instructions": "x", "due_by": past},
    )
    assert response.status_code == 400 and "due_by" in error_of(response)["fields"]
    response = fire(county, case, "transfer", {"to_center": "420923101", "reason": "x"})  # own township
    assert response.status_code == 400 and "to_center" in error_of(response)["fields"]
    response = fire(county, case, "escalate", {"reason": "x", "reason_kind": "whim"})
    assert response.status_code == 400 and "reason_kind" in error_of(response)["fields"]


def test_take_over_in_the_wrong_state_is_refused(tree):
    county_user, county = coordinator_at(tree.county)
    case = take_in(tree.county, coordinator=county_user)
    # Nothing in transit: no center decides on it.
    assert fire(county, case, "take_over").status_code == 403


def test_transfer_by_code_and_the_city_decides(tree):
    a1_user, a1 = coordinator_at(tree.a1)
    _city_user, city = coordinator_at(tree.city)
    case = take_in(tree.a1, coordinator=a1_user)
    response = fire(a1, case, "transfer", {"to_center": "420902101", "reason": "事发地在书院街道"})
    assert response.status_code == 200, response.content
    _county_user, county = coordinator_at(tree.county)
    assert fire(county, case, "transfer_accept").status_code == 403
    response = fire(city, case, "transfer_accept", {"note": "同意"})
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.center_id == tree.b1.pk
    # A second decision on the same hop: nothing in transit any more.
    assert fire(city, case, "transfer_decline", {"reason": "x"}).status_code == 403


def _reported_down_case(tree, county_user):
    case = take_in(tree.county, coordinator=county_user)
    case = case_assign_down(
        case=case,
        actor=county_user,
        center=tree.a1,
        instructions="请办理",
        due_by=timezone.now() + dt.timedelta(days=7),
    )
    a1_user = StaffFactory(role=Role.COORDINATOR, center=tree.a1).user
    department = DepartmentFactory(center=tree.a1)
    liaison = StaffFactory(role=Role.LIAISON, center=tree.a1, department=department).user
    case = case_assign(case=case, actor=a1_user, risk_colour="blue", lead_department=department)
    case = case_accept(case=case, actor=liaison)
    case = case_submit_result(case=case, actor=liaison, result="已调解")
    return case_close(case=case, actor=a1_user), a1_user


def test_the_parent_reviews_a_closing_over_http(tree):
    county_user, county = coordinator_at(tree.county)
    case, a1_user = _reported_down_case(tree, county_user)
    review = url(f"cases/{case.code}/referral/approve/")
    assert token_client(a1_user).post(review, {}, format="json").status_code == 403
    response = county.post(url(f"cases/{case.code}/referral/send-back/"), {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in error_of(response)["fields"]
    response = county.post(url(f"cases/{case.code}/referral/send-back/"), {"reason": "有异议"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == State.HANDLING
    assert Referral.objects.get(case=case).status == ReferralStatus.ACTIVE
    # Not reported any more: no review.
    assert county.post(review, {}, format="json").status_code == 403


def test_approve_over_http(tree):
    county_user, county = coordinator_at(tree.county)
    case, _a1_user = _reported_down_case(tree, county_user)
    response = county.post(url(f"cases/{case.code}/referral/approve/"), {"note": "同意"}, format="json")
    assert response.status_code == 200, response.content
    assert Referral.objects.get(case=case).status == ReferralStatus.ACCEPTED


def test_referral_lists_are_scoped_to_the_callers_center(tree):
    a1_user, a1 = coordinator_at(tree.a1)
    _county_user, county = coordinator_at(tree.county)
    _b_user, county_b = coordinator_at(tree.county_b)
    case = take_in(tree.a1, coordinator=a1_user)
    case_escalate(case=case, actor=a1_user, reason="x")
    incoming = county.get(url("referrals/"), {"direction": "incoming", "kind": "up", "status": "pending"})
    assert incoming.status_code == 200
    assert [r["case"] for r in incoming.json()["results"]] == [case.code]
    assert incoming.json()["results"][0]["from_center"] == "huayuan"
    assert county.get(url("referrals/"), {"direction": "outgoing"}).json()["results"] == []
    assert [r["case"] for r in a1.get(url("referrals/"), {"direction": "outgoing"}).json()["results"]] == [
        case.code
    ]
    assert county_b.get(url("referrals/")).json()["results"] == []
    assert county.get(url("referrals/"), {"direction": "sideways"}).status_code == 400
    reception = token_client(StaffFactory(role=Role.RECEPTION, center=tree.county).user)
    assert reception.get(url("referrals/")).status_code == 403
