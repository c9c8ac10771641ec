"""``GET /api/v1/leads/``: the queue over the API, for coordinators and leaders of the center."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from departments.models import Role
from risk.models import Lead
from tests.factories import StaffFactory

from .leads import ID_WANG, many, screened, take_in

pytestmark = pytest.mark.django_db
URL = "/api/v1/leads/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def lead(center, township, village):
    people = [{"name": "王五", "phone": "13900001111", "id_number": ID_WANG, "role": "当事人"}]
    (lead,) = take_in(center, "police", external_id="P-2026-001", people=people)
    reasons = [{"rule": 1, "kind": "keywords", "weight": 40, "explanation": "命中关键词：讨薪"}]
    return screened(lead, 40, "yellow", reasons, escalation_probability=0.25)


def test_the_list_is_ordered_by_score_with_people_masked(coordinator, center, lead, township, village):
    many(center, 2, prefix="L")
    response = token_client(coordinator).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [r["external_id"] for r in body["results"]] == ["P-2026-001", "L-2", "L-1"]
    first = body["results"][0]
    assert first == {
        "id": lead.pk,
        "feed": "police",
        "external_id": "P-2026-001",
        "occurred_at": first["occurred_at"],
        "score": 40,
        "proposed_colour": "yellow",
        "reasons": [{"rule": 1, "kind": "keywords", "weight": 40, "explanation": "命中关键词：讨薪"}],
        "state": "new",
        "center": center.code,
        "place": "白河镇白河村",
        "place_name": village.name,
        "township": township.name,
        "township_code": township.code,
        "escalation_probability": 0.25,
        "people": [
            {"name": "王*", "phone": "139****1111", "id_number": "1101**********002X", "role": "当事人"}
        ],
    }
    assert first["occurred_at"].startswith("2026-11-17T09:30:00")
    assert body["results"][1]["escalation_probability"] is None
    assert "13900001111" not in response.content.decode()


def test_filters(coordinator, center, lead, township):
    many(center, 3, prefix="L")
    take_in(center, "petition", external_id="V-1")
    client = token_client(coordinator)
    ids = lambda **q: [r["external_id"] for r in client.get(URL, q).json()["results"]]  # noqa: E731
    assert ids(feed="petition") == ["V-1"]
    assert ids(min_score=3) == ["P-2026-001", "L-3"]
    Lead.objects.filter(external_id="L-3").update(state="dismissed")
    assert "L-3" not in ids()
    assert ids(state="dismissed") == ["L-3"]
    assert "L-3" in ids(state="all")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"feed": "fax"}, "feed"),
        ({"feed": ""}, "feed"),
        ({"min_score": "abc"}, "min_score"),
        ({"min_score": "-1"}, "min_score"),
        ({"min_score": "3.5"}, "min_score"),
        ({"state": "closed"}, "state"),
        ({"page_size": "0"}, "page_size"),
        ({"page": "x"}, "page"),
    ],
)
def test_invalid_filters_answer_400_with_the_field(coordinator, lead, query, field):
    response = token_client(coordinator).get(URL, query)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.LIAISON, Role.ADMIN])
def test_other_roles_get_403(center, department, lead, role):
    extra = {"department": department} if role == Role.LIAISON else {}
    user = StaffFactory(role=role, center=center, **extra).user
    assert token_client(user).get(URL).status_code == 403


def test_anonymous_gets_401(lead):
    assert APIClient().get(URL).status_code == 401


def test_a_leader_and_a_parent_see_the_townships_leads_another_branch_does_not(
    leader, center, township, other_township
):
    (lead,) = take_in(township, "public", external_id="G-1")
    assert [r["id"] for r in token_client(leader).get(URL).json()["results"]] == [lead.pk]
    stranger = StaffFactory(role=Role.COORDINATOR, center=other_township).user
    assert token_client(stranger).get(URL).json()["count"] == 0


def test_a_feed_client_cannot_read_the_queue(feed_client, lead):
    client = feed_client("police")
    assert token_client(client.user).get(URL).status_code == 403


def test_the_list_runs_the_same_queries_for_5_and_30_leads(
    coordinator, center, township, django_assert_num_queries
):
    client = token_client(coordinator)
    many(center, 5, prefix="A")
    client.get(URL)
    with django_assert_num_queries(API_QUERIES):
        client.get(URL)
    many(center, 25, prefix="B")
    with django_assert_num_queries(API_QUERIES):
        assert len(client.get(URL).json()["results"]) == 30


API_QUERIES = 4  # token with user and profile, count, page, people
