"""The ingestion service: created / updated / rejected per item, one lead per (feed, center, external id)."""

import pytest

from risk.models import Lead, LeadEvent, LeadPerson
from risk.services import lead_ingest_batch

from .conftest import item

pytestmark = pytest.mark.django_db


def test_a_batch_creates_then_updates_and_never_duplicates(center, township, village):
    first = lead_ingest_batch(feed="police", center=center, items=[item("P-1"), item("P-2", people=[])])
    assert [r["result"] for r in first.results] == ["created", "created"]
    lead = Lead.objects.get(external_id="P-1")
    assert (lead.township, lead.place, lead.people_count) == (township, village, 1)
    person = LeadPerson.objects.get(lead=lead)
    assert person.phone == "13900001111"
    assert Lead.objects.filter(people__phone="13900001111").count() == 1  # through the blind index

    again = lead_ingest_batch(
        feed="police", center=center, items=[item("P-1", text="工地讨薪，已有人扬言跳楼")]
    )
    assert [r["result"] for r in again.results] == ["updated"]
    assert again.results[0]["lead"] == lead.pk
    assert Lead.objects.count() == 2
    lead.refresh_from_db()
    assert "跳楼" in lead.text and lead.version == 2
    assert list(lead.events.values_list("action", flat=True)) == [
        LeadEvent.Action.RECEIVED,
        LeadEvent.Action.UPDATED,
    ]
    # The same item from another feed is another lead.
    other = lead_ingest_batch(feed="petition", center=center, items=[item("P-1")])
    assert other.results[0]["result"] == "created"


def test_a_bad_item_never_rejects_the_good_ones(center, township):
    bad_phone = item("P-3", people=[{"name": "赵六", "phone": "12345"}])
    outcome = lead_ingest_batch(
        feed="police",
        center=center,
        items=[
            item("P-1"),
            bad_phone,
            {"text": "无编号"},
            item("P-4", township_code="420999101"),
            "x",
            item("P-1"),
        ],
    )
    results = outcome.results
    assert [r["result"] for r in results] == [
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert "people[0].phone" in results[1]["errors"]
    assert set(results[2]["errors"]) >= {"external_id", "occurred_at"}
    assert "township_code" in results[3]["errors"]
    assert "external_id" in results[5]["errors"]  # repeated within the batch
    assert Lead.objects.count() == 1


def test_a_dry_run_writes_nothing(center):
    outcome = lead_ingest_batch(feed="police", center=center, items=[item("P-1")], dry_run=True)
    assert outcome.results[0]["result"] == "created"
    assert not Lead.objects.exists()


def test_raw_item_is_kept_encrypted(center):
    from django.db import connection

    lead_ingest_batch(feed="police", center=center, items=[item("P-1")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT raw FROM risk_lead")
        (stored,) = cursor.fetchone()
    assert "13900001111" not in stored and "王五" not in stored
    assert Lead.objects.get().raw["people"][0]["phone"] == "13900001111"
