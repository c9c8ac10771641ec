"""The queue page and ``GET /api/v1/leads/`` list the same leads in the same order, masked alike."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from departments.models import Role
from risk.models import Lead
from tests.factories import CenterFactory, StaffFactory
from tests.risk.conftest import item
from tests.risk.leads import many, screened, take_in

pytestmark = pytest.mark.django_db

FILTERS = [
    {},
    {"feed": "police"},
    {"feed": "petition"},
    {"min_score": "3"},
    {"state": "all"},
    {"state": "dismissed"},
    {"feed": "police", "min_score": "2", "state": "open"},
]


@pytest.fixture
def world(center):
    """Leads at the county and its two townships, with ties in score broken by time then id."""
    township = CenterFactory(code="420923101", name="白河镇综治中心", parent=center)
    other_township = CenterFactory(code="420923102", name="青石镇综治中心", parent=center)
    many(center, 4, prefix="C")
    (visit,) = take_in(
        center, "petition", items=[item("V-1", people=[{"name": "王五", "id_number": "11010519491231002X"}])]
    )
    screened(visit, 3, "blue")  # the same score as C-3: the later occurred first
    Lead.objects.filter(external_id="C-2").update(state="dismissed")
    many(township, 2, prefix="T", feed="public")
    many(other_township, 2, prefix="O", feed="opinion")
    return township


def users(center, township):
    return {
        "county coordinator": StaffFactory(role=Role.COORDINATOR, center=center).user,
        "county leader": StaffFactory(role=Role.LEADER, center=center).user,
        "township coordinator": StaffFactory(role=Role.COORDINATOR, center=township).user,
    }


@pytest.mark.parametrize(
    "filters", FILTERS, ids=lambda f: "&".join(f"{k}={v}" for k, v in f.items()) or "none"
)
def test_page_and_api_list_the_same_leads_in_the_same_order(world, center, filters):
    for name, user in users(center, world).items():
        page = Client()
        page.force_login(user)
        response = page.get(reverse("risk:leads"), filters)
        assert response.status_code == 200, name
        on_page = [lead.pk for lead in response.context["leads"]]

        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        answer = api.get("/api/v1/leads/", filters)
        assert answer.status_code == 200, name
        assert [r["id"] for r in answer.json()["results"]] == on_page, (name, filters)
        assert answer.json()["count"] == response.context["page"].paginator.count


def test_page_and_api_mask_the_same_way(world, center):
    user = users(center, world)["county coordinator"]
    page = Client()
    page.force_login(user)
    body = page.get(reverse("risk:leads"), {"feed": "petition"}).content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    (person,) = api.get("/api/v1/leads/", {"feed": "petition"}).json()["results"][0]["people"]
    assert person["name"] == "王*" and person["name"] in body
    assert "王五" not in body and "王五" not in str(person)
