"""Public tracking of a case that travelled between centers: the holder now, the steps, nothing personal."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from cases.services import case_escalate, case_take_over, case_transfer, case_transfer_accept

from .network_tree import build_tree, take_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def moved(center):
    """A case taken in at a township, reported up to the county, taken on there."""
    tree = build_tree(center)
    a1_coord, county_coord = tree.staff(tree.a1), tree.staff(tree.county)
    case = take_in(tree.a1, coordinator=a1_coord)
    case = case_escalate(case=case, actor=a1_coord, reason="涉及王五家庭隐私的情况说明")
    case = case_take_over(case=case, actor=county_coord, note="县中心接手，联系王五")
    return tree, case


def test_the_tracking_page_names_the_holder_and_the_steps(client, moved, django_assert_num_queries):
    tree, case = moved
    url = reverse("tracking:case", args=[case.code])
    with django_assert_num_queries(2):  # the case (with its center), its events
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"现由 {tree.county.name} 承办" in html
    assert "上报" in html and "接收上报" in html
    assert f"{tree.a1.name} → {tree.county.name}" in html
    # Nothing personal: not the reason, not the note, not the party.
    assert "王五" not in html and "隐私" not in html


def test_the_public_api_names_the_holder_and_the_steps(client, moved):
    tree, case = moved
    body = client.get(f"/api/v1/public/cases/{case.code}/").json()
    assert body["code"] == case.code
    assert body["center"] == tree.county.name
    assert [(h["kind"], h["from_center"], h["to_center"]) for h in body["hops"]] == [
        ("escalate", tree.a1.name, tree.county.name),
        ("take_over", tree.a1.name, tree.county.name),
    ]
    assert "王五" not in str(body)


def test_a_transferred_case_is_tracked_by_the_same_code(client, center):
    tree = build_tree(center)
    a1_coord = tree.staff(tree.a1)
    case = take_in(tree.a1, coordinator=a1_coord)
    case = case_transfer(case=case, actor=a1_coord, to_center=tree.b1, reason="x")
    case_transfer_accept(case=case, actor=tree.staff(tree.city))
    html = client.get(reverse("tracking:case", args=[case.code])).content.decode()
    assert f"现由 {tree.b1.name} 承办" in html
    assert "申请移交" in html and f"{tree.a1.name} → {tree.b1.name}" in html
