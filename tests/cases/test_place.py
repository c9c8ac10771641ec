"""The intake's place (村（社区）/网格): offered from the user's center's townships, checked the same by page, API and service."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Case
from cases.services import PartyData, case_create
from departments.models import Place, Role
from tests.api.conftest import error_of, token_client, url
from tests.factories import CenterFactory, StaffFactory

from .test_reception import intake_post

pytestmark = pytest.mark.django_db

API_BODY = {
    "title": "宅基地边界纠纷",
    "description": "两户因宅基地边界发生争执。",
    "category": "land",
    "source": "walk_in",
    "parties": [{"name": "张三", "phone": "13812345678", "role": "applicant"}],
}


@pytest.fixture
def tree(center):
    """The county (``center``, 420923) with two townships, a village and a grid each; a second county with one."""
    baihe = CenterFactory(code="420923101", name="白鹤镇综治中心", parent=center)
    qingshi = CenterFactory(code="420923102", name="青石镇综治中心", parent=center)
    other = CenterFactory(code="420902", name="南湖区综治中心")
    hubin = CenterFactory(code="420902001", name="湖滨街道综治中心", parent=other)

    def village(township, code, name):
        place = Place.objects.create(township=township, kind=Place.Kind.VILLAGE, code=code, name=name)
        grid = Place.objects.create(
            township=township, parent=place, kind=Place.Kind.GRID, code=f"{code}01", name="第一网格"
        )
        return place, grid

    class Tree:
        county, other_county = center, other

    tree = Tree()
    tree.baihe, tree.qingshi, tree.hubin = baihe, qingshi, hubin
    tree.baihe_village, tree.baihe_grid = village(baihe, "420923101201", "白鹤村")
    tree.qingshi_village, tree.qingshi_grid = village(qingshi, "420923102201", "青石村")
    tree.hubin_community, _grid = village(hubin, "420902001001", "湖滨社区")
    return tree


def staff_at(center, role=Role.RECEPTION):
    return StaffFactory(role=role, center=center).user


# --- The page -----------------------------------------------------------------------------------


def test_a_township_desk_is_offered_its_own_places(client, tree):
    client.force_login(staff_at(tree.baihe))
    html = client.get(reverse("cases:intake")).content.decode()
    assert 'name="place"' in html
    assert "白鹤村" in html and "白鹤村·第一网格" in html
    assert "青石村" not in html and "湖滨社区" not in html
    assert "<optgroup" not in html  # one township: no groups


def test_a_county_desk_is_offered_its_townships_places_grouped_by_township(client, tree):
    client.force_login(staff_at(tree.county))
    html = client.get(reverse("cases:intake")).content.decode()
    assert '<optgroup label="白鹤镇">' in html and '<optgroup label="青石镇">' in html
    assert "白鹤村·第一网格" in html and "青石村" in html
    assert "湖滨社区" not in html  # another county's


def test_no_places_no_select(client, center):
    client.force_login(staff_at(center))
    assert 'name="place"' not in client.get(reverse("cases:intake")).content.decode()


def test_the_page_records_the_place_and_the_case_page_shows_it(client, tree):
    reception = staff_at(tree.baihe)
    client.force_login(reception)
    response = client.post(reverse("cases:intake"), intake_post(place=tree.baihe_grid.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert (case.center, case.place) == (tree.baihe, tree.baihe_grid)

    client.force_login(staff_at(tree.baihe, Role.COORDINATOR))
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "白鹤村·第一网格（白鹤镇综治中心）" in html


def test_the_page_refuses_a_place_outside_the_center(client, tree):
    client.force_login(staff_at(tree.baihe))
    for outside in (tree.qingshi_village, tree.hubin_community):
        response = client.post(reverse("cases:intake"), intake_post(place=outside.pk))
        assert response.status_code == 400
        assert "有效" in response.content.decode()  # 选择一个有效的选项 (the field's own error)
    assert not Case.objects.exists()


# --- The API ------------------------------------------------------------------------------------


def test_the_api_takes_the_place_code_and_shows_it(tree):
    api = token_client(staff_at(tree.county))
    response = api.post(url("cases/"), {**API_BODY, "place": tree.qingshi_grid.code}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["place"] == {
        "code": "42092310220101",
        "name": "青石村·第一网格",
        "kind": "grid",
        "township": "420923102",
    }
    assert Case.objects.get(code=body["code"]).place == tree.qingshi_grid
    assert api.get(url(f"cases/{body['code']}/")).json()["place"]["code"] == "42092310220101"

    without = api.post(url("cases/"), API_BODY, format="json")
    assert without.status_code == 201 and without.json()["place"] is None


@pytest.mark.parametrize("code", ["420902001001", "420923102201", "999999999999", "not a code"])
def test_the_api_refuses_a_place_outside_the_center_with_a_field_error(tree, code):
    api = token_client(staff_at(tree.baihe))  # 青石村 is a sibling township's
    response = api.post(url("cases/"), {**API_BODY, "place": code}, format="json")
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["fields"]["place"] == ["所选村（社区）/网格不在本中心辖区内。"]
    assert not Case.objects.exists()


# --- Page and API agree; the service has the last word ------------------------------------------


@pytest.mark.parametrize("where", ["county", "baihe", "qingshi", "hubin"])
def test_page_and_api_accept_the_same_places(client, tree, where):
    center = {"county": tree.county, "baihe": tree.baihe, "qingshi": tree.qingshi, "hubin": tree.hubin}[where]
    user = staff_at(center)
    client.force_login(user)
    api = token_client(user)
    places = Place.objects.order_by("code")
    for number, place in enumerate(places):
        page = client.post(reverse("cases:intake"), intake_post(place=place.pk, intake_key=f"k{number}"))
        by_api = api.post(url("cases/"), {**API_BODY, "place": place.code}, format="json")
        assert (page.status_code == 302) == (by_api.status_code == 201), (where, place.code)
        assert (page.status_code == 302) == place.township.is_within(center), (where, place.code)


def test_the_service_refuses_a_place_outside_the_center(tree):
    reception = staff_at(tree.baihe)
    with pytest.raises(ValidationError) as raised:
        case_create(
            actor=reception,
            title="t",
            description="d",
            category="land",
            source="walk_in",
            parties=[PartyData(name="张三", phone="13812345678")],
            place=tree.hubin_community,
        )
    assert raised.value.message_dict == {"place": ["所选村（社区）/网格不在本中心辖区内。"]}
    case = case_create(
        actor=reception,
        title="t",
        description="d",
        category="land",
        source="walk_in",
        parties=[PartyData(name="张三", phone="13812345678")],
        place=tree.baihe_village,
    )
    assert case.place == tree.baihe_village
