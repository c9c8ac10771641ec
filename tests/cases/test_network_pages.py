"""The case page between centers: the flows' forms, the read-only view elsewhere, the 流转记录; page/API parity."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Referral, ReferralStatus, State
from cases.services import case_assign_down, case_escalate, case_transfer
from departments.models import Role

from ..factories import StaffFactory
from .network_tree import build_tree, take_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(center):
    return build_tree(center)


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def action(client, case, name, data):
    return client.post(
        reverse("cases:action", args=[case.code, name]),
        {f"{name}-{k}": v for k, v in {"version": case.version, **data}.items()},
    )


def test_report_up_by_page_then_the_parent_takes_it_on(tree):
    a1_coord, county_coord = tree.staff(tree.a1), tree.staff(tree.county)
    case = take_in(tree.a1, coordinator=a1_coord)
    a1 = page_client(a1_coord)
    html = a1.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert 'id="form-escalate"' in html and "上报理由" in html
    response = action(a1, case, "escalate", {"reason_kind": "red_risk", "reason": "可能引发群体事件"})
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    assert case.state == State.ESCALATED

    county = page_client(county_coord)
    html = county.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert 'id="form-take_over"' in html and 'id="form-return_down"' in html
    assert 'id="held-elsewhere"' not in html  # the county decides: no read-only banner
    assert 'id="open-referral"' in html and "等待接收或退回" in html
    assert "流转记录" in html and "重大风险（红色）" in html
    response = action(county, case, "take_over", {"reason": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.center_id == tree.county.pk

    # The township keeps a read-only view: banner, history, no action; posting is refused.
    html = a1.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert f"本案现由 {tree.county.name} 承办，您可查看进度" in html
    assert 'id="actions"' not in html
    assert "已接收" in html
    assert action(a1, case, "withdraw", {"reason": "x"}).status_code == 403


def test_return_down_needs_instructions_and_shows_them(tree):
    a1_coord, county_coord = tree.staff(tree.a1), tree.staff(tree.county)
    case = case_escalate(case=take_in(tree.a1, coordinator=a1_coord), actor=a1_coord, reason="x")
    county = page_client(county_coord)
    assert action(county, case, "return_down", {"instructions": ""}).status_code == 400
    assert action(county, case, "return_down", {"instructions": "请先组织村委调解"}).status_code == 302
    html = page_client(a1_coord).get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "请先组织村委调解" in html and "已退回" in html


def test_assign_down_offers_direct_children_only_and_the_parent_reviews(tree):
    county_coord = tree.staff(tree.county)
    case = take_in(tree.county, coordinator=county_coord)
    county = page_client(county_coord)
    html = county.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert 'id="form-assign_down"' in html
    assert tree.a1.name in html and tree.a2.name in html
    assert tree.b1.name not in html.split('id="form-assign_down"')[1].split("</form>")[0]
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = action(
        county, case, "assign_down", {"center": tree.a1.pk, "due_date": due, "instructions": "请办理"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    assert case.center_id == tree.a1.pk
    assert Referral.objects.get(case=case).status == ReferralStatus.ACTIVE


def test_transfer_select_lists_other_branches_and_the_city_decides(tree):
    a1_coord, city_coord = tree.staff(tree.a1), tree.staff(tree.city)
    case = take_in(tree.a1, coordinator=a1_coord)
    a1 = page_client(a1_coord)
    form = a1.get(reverse("cases:detail", args=[case.code])).content.decode().split('id="form-transfer"')[1]
    form = form.split("</form>")[0]
    assert tree.b1.name in form and tree.county_b.name in form and tree.a2.name in form
    assert tree.county.name not in form and tree.city.name not in form
    assert (
        action(a1, case, "transfer", {"to_center": tree.b1.pk, "reason": "事发地在书院街道"}).status_code
        == 302
    )
    case.refresh_from_db()
    city = page_client(city_coord)
    html = city.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert 'id="form-transfer_accept"' in html and 'id="form-transfer_decline"' in html
    assert action(city, case, "transfer_accept", {"reason": ""}).status_code == 302
    case.refresh_from_db()
    assert case.center_id == tree.b1.pk and case.state == State.ASSESSING


# --- Parity: the page offers and accepts exactly what the API permits ---------------------------

NAMES = [
    "escalate",
    "take_over",
    "return_down",
    "assign_down",
    "transfer",
    "transfer_accept",
    "transfer_decline",
]


def _case_for(tree, name):
    county_coord = tree.staff(tree.county)
    case = take_in(tree.county, coordinator=county_coord)
    if name in ("take_over", "return_down"):
        case = case_escalate(case=case, actor=county_coord, reason="x")
    if name in ("transfer_accept", "transfer_decline"):
        case = case_transfer(case=case, actor=county_coord, to_center=tree.county_b, reason="x")
    return case


@pytest.mark.parametrize("name", NAMES)
def test_page_and_api_agree_on_who_may_fire(tree, name):
    case = _case_for(tree, name)
    people = {
        f"{center.slug}-{role}": tree.staff(center, role)
        for center in (tree.city, tree.county, tree.a1, tree.county_b)
        for role in (Role.COORDINATOR, Role.LEADER, Role.RECEPTION)
    }
    for label, user in people.items():
        html = page_client(user).get(reverse("cases:detail", args=[case.code]))
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        listed = api.get(f"/api/v1/cases/{case.code}/transitions/")
        assert (html.status_code == 200) == (listed.status_code == 200), label
        if listed.status_code != 200:
            continue
        by_api = name in [t["name"] for t in listed.json()["results"]]
        on_page = f'id="form-{name}"' in html.content.decode()
        assert by_api == on_page, (label, name)


def test_the_review_buttons_appear_for_the_parent_only(tree):
    county_coord = tree.staff(tree.county)
    case = take_in(tree.county, coordinator=county_coord)
    case = case_assign_down(
        case=case,
        actor=county_coord,
        center=tree.a1,
        instructions="x",
        due_by=timezone.now() + dt.timedelta(days=3),
    )
    Referral.objects.filter(case=case).update(status=ReferralStatus.REPORTED, reported_at=timezone.now())
    html = page_client(county_coord).get(reverse("cases:detail", args=[case.code])).content.decode()
    assert 'id="form-referral_approve"' in html and 'id="form-referral_send_back"' in html
    a1 = page_client(StaffFactory(role=Role.COORDINATOR, center=tree.a1).user)
    assert (
        'id="form-referral_approve"' not in a1.get(reverse("cases:detail", args=[case.code])).content.decode()
    )
    assert action(a1, case, "referral_approve", {"reason": ""}).status_code == 403


# --- The workbench's queues between centers ------------------------------------------------------


def test_workbench_queues_between_centers(tree, clock, django_assert_num_queries):
    county_coord = tree.staff(tree.county)
    a1_coord = tree.staff(tree.a1)
    up = case_escalate(case=take_in(tree.a1, coordinator=a1_coord), actor=a1_coord, reason="超出职权")
    down = case_assign_down(
        case=take_in(tree.county, coordinator=county_coord),
        actor=county_coord,
        center=tree.a2,
        instructions="请办理",
        due_by=timezone.now() + dt.timedelta(days=1),
    )
    case_transfer(case=take_in(tree.a1, coordinator=a1_coord), actor=a1_coord, to_center=tree.a2, reason="x")
    clock.shift(dt.timedelta(days=2))  # the 下派 is now overdue
    county = page_client(county_coord)
    response = county.get(reverse("cases:workbench"), {"queue": "referrals_up"})
    html = response.content.decode()
    assert [r.case_id for r in response.context["hops"]] == [up.pk]
    assert (
        '<a href="?queue=transfers" class="tab" id="queue-transfers">移交待定 <span class="count">1</span>'
        in html
    )
    response = county.get(reverse("cases:workbench"), {"queue": "down_active"})
    assert [r.case_id for r in response.context["hops"]] == [down.pk]
    assert 'class="deadline overdue"' in response.content.decode()
    assert 'id="queue-down_active">下派在办 <span class="count overdue">1</span>' in response.content.decode()
    # Another county sees none of it.
    other = page_client(tree.staff(tree.county_b))
    assert list(other.get(reverse("cases:workbench"), {"queue": "referrals_up"}).context["hops"]) == []


@pytest.mark.parametrize("n", [3, 30])
def test_workbench_referral_queue_queries_do_not_grow(tree, n, django_assert_num_queries):
    a1_coord, county_coord = tree.staff(tree.a1), tree.staff(tree.county)
    for _ in range(n):
        case_escalate(case=take_in(tree.a1, coordinator=a1_coord), actor=a1_coord, reason="x")
    county = page_client(county_coord)
    county.get(reverse("cases:workbench"))  # warm the session and caches
    # The page's 9 with the hops' rows instead of the cases' and the hop counts (one aggregate; the
    # user's center comes with the staff profile), the menu's queue counts (3) and the start page's
    # most urgent cases and orders (2).
    with django_assert_num_queries(14):
        response = county.get(reverse("cases:workbench"), {"queue": "referrals_up"})
    assert len(response.context["hops"]) == n
