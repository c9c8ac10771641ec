"""POST /api/v1/leads/{feed}/batch/: per-feed tokens, per-item results, idempotency, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from integrations.models import IdempotencyRecord
from risk.models import Lead, LeadPerson

from .conftest import item

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads/{}/batch/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def police(feed_client, township):
    return token_client(feed_client("police").user)


def post(client, body, feed="police", **headers):
    return client.post(URL.format(feed), body, format="json", **headers)


def test_a_batch_answers_each_item_in_order(police, township, village):
    response = post(police, {"items": [item("P-1"), item("P-2", people=[])]})
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["rejected"]) == (2, 0, 0)
    assert [(r["external_id"], r["result"]) for r in body["results"]] == [
        ("P-1", "created"),
        ("P-2", "created"),
    ]
    lead = Lead.objects.get(external_id="P-1")
    assert body["results"][0]["lead"] == lead.pk
    assert (lead.feed, lead.township, lead.place, lead.client.feed) == ("police", township, village, "police")
    assert LeadPerson.objects.get(lead=lead).phone == "13900001111"
    assert lead.raw["external_id"] == "P-1" and lead.reasons == [] and lead.state == "new"
    assert Lead.objects.filter(people__id_number="11010519491231002X").get() == lead  # the blind index
    assert lead.events.get().actor.feed_client.feed == "police"


def test_a_bare_list_is_a_batch_too(police, township):
    response = post(police, [item("P-1")])
    assert response.status_code == 200
    assert response.json()["created"] == 1


def test_partial_failure_keeps_the_good_items_and_answers_200(police, township):
    items = [
        item("P-1"),
        item("P-2", people=[{"name": "赵六", "phone": "12345"}]),
        {"text": "无编号", "occurred_at": "2026-11-17T09:30:00+08:00"},
        item("P-3", occurred_at="昨天"),
        "不是对象",
        item("P-4"),
    ]
    response = post(police, {"items": items})
    assert response.status_code == 200
    body = response.json()
    assert [r["result"] for r in body["results"]] == [
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "created",
    ]
    assert (body["created"], body["updated"], body["rejected"]) == (2, 0, 4)
    assert "people[0].phone" in body["results"][1]["errors"]
    assert "external_id" in body["results"][2]["errors"]
    assert "occurred_at" in body["results"][3]["errors"]
    assert "item" in body["results"][4]["errors"]
    assert "lead" not in body["results"][1]
    assert set(Lead.objects.values_list("external_id", flat=True)) == {"P-1", "P-4"}


def test_sending_again_updates_never_duplicates(police, township):
    first = post(police, {"items": [item("P-1"), item("P-2")]}).json()
    again = post(police, {"items": [item("P-1", text="工地讨薪，已有人扬言跳楼"), item("P-2")]}).json()
    assert [r["result"] for r in again["results"]] == ["updated", "updated"]
    assert [r["lead"] for r in again["results"]] == [r["lead"] for r in first["results"]]
    assert Lead.objects.count() == 2
    assert "跳楼" in Lead.objects.get(external_id="P-1").text


def test_idempotency_key_replays_the_first_answer(police, township):
    body = {"items": [item("P-1"), item("P-2")]}
    first = post(police, body, HTTP_IDEMPOTENCY_KEY="batch-0001")
    again = post(police, body, HTTP_IDEMPOTENCY_KEY="batch-0001")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert [r["result"] for r in again.json()["results"]] == ["created", "created"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Lead.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1
    assert Lead.objects.get(external_id="P-1").events.count() == 1  # the replay wrote nothing


def test_same_key_with_another_body_is_422(police, township):
    post(police, {"items": [item("P-1")]}, HTTP_IDEMPOTENCY_KEY="batch-0001")
    response = post(police, {"items": [item("P-9")]}, HTTP_IDEMPOTENCY_KEY="batch-0001")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert not Lead.objects.filter(external_id="P-9").exists()


def test_malformed_idempotency_key_is_400(police, township):
    response = post(police, {"items": [item("P-1")]}, HTTP_IDEMPOTENCY_KEY="键")
    assert response.status_code == 400
    assert not Lead.objects.exists()


def test_tokens_are_per_feed(feed_client, township, coordinator):
    police_client = token_client(feed_client("police").user)
    response = post(police_client, {"items": [item("O-1")]}, feed="opinion")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert post(token_client(coordinator), {"items": [item("O-1")]}, feed="opinion").status_code == 403
    assert post(APIClient(), {"items": [item("O-1")]}, feed="opinion").status_code == 401
    opinion = feed_client("opinion")
    assert post(token_client(opinion.user), {"items": [item("O-1")]}, feed="opinion").status_code == 200
    assert list(Lead.objects.values_list("feed", flat=True)) == ["opinion"]


def test_an_inactive_client_is_refused(feed_client, township):
    client = feed_client("police")
    client.is_active = False
    client.save()
    assert post(token_client(client.user), {"items": [item("P-1")]}).status_code == 403


def test_an_unknown_feed_is_404(police):
    response = post(police, {"items": [item("P-1")]}, feed="weather")
    assert response.status_code == 404


def test_a_client_posts_to_its_own_center(feed_client, township):
    client = feed_client("police", at=township)
    post(token_client(client.user), {"items": [item("P-1")]})
    lead = Lead.objects.get()
    assert lead.received_center == lead.center == township


@pytest.mark.parametrize(
    "body",
    [
        {"rows": []},
        {"items": {"external_id": "P-1"}},
        "just text",
        42,
    ],
)
def test_an_unreadable_batch_is_400(police, body):
    response = post(police, body)
    assert response.status_code == 400
    assert response.json()["error"]["fields"].keys() == {"items"}


def test_not_json_is_400(police):
    response = police.post(URL.format("police"), "{items: [", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_more_than_1000_items_is_400_with_a_field_error(police, township):
    response = post(police, {"items": [item(f"P-{i}") for i in range(1001)]})
    assert response.status_code == 400
    assert "items" in response.json()["error"]["fields"]
    assert not Lead.objects.exists()


def _statements(ctx) -> int:
    """Count the statements, a bulk write that the database split into chunks once.

    SQLite caps a statement at 999 parameters (PostgreSQL at 65,535), so Django splits one
    ``bulk_create`` / ``bulk_update`` into several statements on the same table; the chunks of
    one write (consecutive, same table) count once here.
    """
    count, previous = 0, None
    for query in ctx.captured_queries:
        sql = query["sql"]
        head = (
            sql.split(" SET ", 1)[0].split("(", 1)[0] if sql.startswith(("INSERT INTO", "UPDATE")) else None
        )
        if head is None or head != previous:
            count += 1
        previous = head
    return count


def _people(i):
    return [
        {"name": "王五", "phone": "13900001111", "id_number": "11010519491231002X"},
        {"name": "李四", "phone": f"139{i:08d}"},
    ]


def _post_counting(client, items):
    with CaptureQueriesContext(connection) as ctx:
        response = post(client, {"items": items})
    assert response.status_code == 200
    return response.json(), _statements(ctx)


def test_the_query_count_does_not_grow_with_the_batch(police, township, village):
    small_body, small = _post_counting(police, [item(f"A-{i}", people=_people(i)) for i in range(10)])
    large_body, large = _post_counting(police, [item(f"B-{i}", people=_people(i)) for i in range(100)])
    assert (small_body["created"], large_body["created"]) == (10, 100)
    assert small == large
    # Updates of 10 and of 100: one more constant set (the update, the people replaced).
    body10, update10 = _post_counting(police, [item(f"A-{i}", text="改了") for i in range(10)])
    body100, update100 = _post_counting(police, [item(f"B-{i}", text="改了") for i in range(100)])
    assert (body10["updated"], body100["updated"]) == (10, 100)
    assert update10 == update100


def test_a_full_batch_of_1000_takes_a_fixed_number_of_statements(police, township, village):
    items = [item(f"F-{i}", people=_people(i)) for i in range(1000)]
    body, statements = _post_counting(police, items)
    assert body["created"] == 1000
    assert LeadPerson.objects.count() == 2000
    # Token, client, center, townships, places, existing leads, savepoint, the three inserts (on
    # PostgreSQL an id allocation and COPYs), the outbox row, release.
    assert statements <= 13


def test_the_admin_lists_feed_clients_and_leads_with_people_masked(
    client, feed_client, township, django_user_model
):
    from risk.services import lead_ingest_batch

    feed = feed_client("police")
    lead_ingest_batch(feed="police", center=feed.center, items=[item("P-1")], client=feed)
    lead = Lead.objects.get()
    operator = django_user_model.objects.create_superuser("operator", password="x")
    client.force_login(operator)
    page = client.get("/admin/risk/feedclient/")
    assert page.status_code == 200 and "police 接口" in page.content.decode()
    add = client.get("/admin/risk/feedclient/add/")
    assert add.status_code == 200
    change = client.get(f"/admin/risk/feedclient/{feed.pk}/change/").content.decode()
    assert f"/admin/authtoken/tokenproxy/add/?user={feed.user_id}" in change
    found = client.get("/admin/risk/lead/?q=P-1")
    assert found.status_code == 200 and "P-1" in found.content.decode()
    detail = client.get(f"/admin/risk/lead/{lead.pk}/change/").content.decode()
    assert "139****1111" in detail and "13900001111" not in detail
    assert "11010519491231002X" not in detail and "王*" in detail
